{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
    )
}}
{#
    The contract term ids that exist: those with at least one raw version that passes
    the row rules. Invoices that bill another contract are quarantined as orphan_contract.
    Incremental: the set only grows, so a run appends the valid ids it does not hold yet
    (reading the stored parsed rows, not the staging view).
#}
with

contracts as (

    select * from {{ ref('int_contratos__parsed') }}
    where invalid_reason is null
    {%- if is_incremental() %}
        and contract_id not in (select contract_id from {{ this }})
    {%- endif %}

),

final as (

    select distinct contract_id
    from contracts

)

select * from final
