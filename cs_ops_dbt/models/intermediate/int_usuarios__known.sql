{%- set last_known = incremental_max_literal('first_known_date', "'1900-01-01'") if is_incremental() else none -%}
{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
    )
}}
{#
    The user ids that exist: those with at least one raw version that passes the row
    rules, with the end of the first batch period that brought one (first_known_date).
    Usage events that name another user are quarantined as orphan_user.
    Incremental: known ids only get added and a later batch cannot give an id an
    earlier first_known_date, so a new batch only appends the ids it brings first.
#}
with

records as (

    select * from {{ ref('int_usuarios__parsed') }}
    where invalid_reason is null
    {% if is_incremental() %}
        and batch_id in (
            select batch_id from {{ ref('stg_erp__load_batches') }}
            where period_end_date > cast({{ last_known }} as date)
        )
        and user_id not in (select user_id from {{ this }})
    {% endif %}

),

batches as (

    select * from {{ ref('stg_erp__load_batches') }}

),

final as (

    select
        records.user_id,
        min(batches.period_end_date) as first_known_date
    from records
    left join batches
        on records.batch_id = batches.batch_id
    group by records.user_id

)

select * from final
