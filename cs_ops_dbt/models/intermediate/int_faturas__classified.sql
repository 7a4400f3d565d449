{#
    Every raw invoice row exactly once, with its rejection reason and record_status
    (classify_records): quarantined when it fails a row rule of stg_erp__faturas, names
    an unknown customer (orphan_customer) or bills a contract term that is not known
    (orphan_contract); otherwise clean (the version kept, latest_version_first) or
    duplicate (an older or repeated version).
#}
{{ classify_records(
    'stg_erp__faturas',
    'invoice_id',
    checks=[('records.contract_id is not null and known_contracts.contract_id is null', 'orphan_contract')],
    lookups=[('known_contracts', 'int_contratos__known', 'records.contract_id = known_contracts.contract_id')],
) }}
