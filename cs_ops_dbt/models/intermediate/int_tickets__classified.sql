{#
    Every raw tickets row exactly once, classified as clean (the version kept),
    duplicate (an older or repeated version) or quarantined (fails validation,
    points to an unknown customer or lies after its batch period).
    Deduplication: latest updated_at, then latest batch, then source file.
#}
{{ classify_records(
    'stg_erp__tickets',
    'ticket_id',
    checks=[("cast(records.opened_at as date) > " ~ cs_date_add('batches.period_end_date', 1), 'future_timestamp')]
) }}
