{#
    Every raw user row exactly once, with its rejection reason and record_status
    (classify_records): quarantined when it fails a row rule of stg_erp__usuarios or
    names an unknown customer (orphan_customer); otherwise clean (the version kept,
    latest_version_first) or duplicate (an older or repeated version).
#}
{{ classify_records('stg_erp__usuarios', 'user_id') }}
