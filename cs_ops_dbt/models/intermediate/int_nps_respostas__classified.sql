{#
    Every raw nps_respostas row exactly once, classified as clean (the version kept),
    duplicate (an older or repeated version) or quarantined (fails validation,
    points to an unknown customer or lies after its batch period).
    Deduplication: latest updated_at, then latest batch, then source file.
#}
{{ classify_records(
    'stg_erp__nps_respostas',
    'response_id',
    checks=[("records.answered_date > " ~ cs_date_add('batches.period_end_date', 1), 'future_timestamp')]
) }}
