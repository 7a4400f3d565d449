{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
        pre_hook="{{ delete_reclassified_keys('int_faturas__parsed', 'invoice_id', contract_check=true) }}",
    )
}}
-- depends_on: {{ ref('int_clientes__parsed') }}
-- depends_on: {{ ref('int_contratos__parsed') }}
{#
    Every raw faturas row exactly once, classified as clean (the version kept),
    duplicate (an older or repeated version) or quarantined (fails validation,
    points to an unknown customer or contract term).
    Deduplication: latest updated_at, then latest batch, then source file.

    Incremental: a new batch reclassifies only the invoices it can change (every version
    of each invoice it brings, invoices of customers or contracts first known now, and
    the rows without an invoice id, ranked together); the pre-hook deletes those rows
    first, so the table always equals a full refresh.
#}
{{ classify_records(
    'int_faturas__parsed',
    'invoice_id',
    checks=[('records.contract_id is not null and known_contracts.contract_id is null', 'orphan_contract')],
    lookups=[('known_contracts', 'int_contratos__known', 'records.contract_id = known_contracts.contract_id')],
    records_filter=reclassified_filter('int_faturas__parsed', 'invoice_id', contract_check=true) or none,
) }}
