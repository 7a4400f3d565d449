{#
    The contract term ids that exist: those with at least one raw version that passes
    the row rules. Invoices that bill another contract are quarantined as orphan_contract.
#}
with

contracts as (

    select * from {{ ref('stg_erp__contratos') }}
    where invalid_reason is null

),

final as (

    select distinct contract_id
    from contracts

)

select * from final
