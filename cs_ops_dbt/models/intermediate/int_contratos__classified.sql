{#
    Every raw contract row exactly once, with its rejection reason and record_status
    (classify_records): quarantined when it fails a row rule of stg_erp__contratos or
    names an unknown customer (orphan_customer); otherwise clean (the version kept,
    latest_version_first) or duplicate (an older or repeated version).
#}
{{ classify_records('stg_erp__contratos', 'contract_id') }}
