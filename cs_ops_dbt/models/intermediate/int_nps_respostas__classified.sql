{#
    Every raw NPS answer exactly once, with its rejection reason and record_status
    (classify_records): quarantined when it fails a row rule of stg_erp__nps_respostas,
    names an unknown customer (orphan_customer) or was answered after the end of its
    batch period, plus a day (future_timestamp); otherwise clean (the version kept,
    latest_version_first) or duplicate (an older or repeated version).
#}
{{ classify_records(
    'stg_erp__nps_respostas',
    'response_id',
    checks=[("records.answered_date > " ~ cs_date_add('batches.period_end_date', 1), 'future_timestamp')],
) }}
