{#
    Every raw faturas row exactly once, classified as clean (the version kept),
    duplicate (an older or repeated version) or quarantined (fails validation,
    points to an unknown customer or contract term).
    Deduplication: latest updated_at, then latest batch, then source file.
#}
{{ classify_records(
    'stg_erp__faturas',
    'invoice_id',
    checks=[('records.contract_id is not null and known_contracts.contract_id is null', 'orphan_contract')],
    lookups=[('known_contracts', 'int_contratos__known', 'records.contract_id = known_contracts.contract_id')]
) }}
