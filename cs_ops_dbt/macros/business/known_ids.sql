{#
    The ids of a table that exist: those with at least one raw version that passes
    the row rules, with the end of the first batch period that brought one.
    In an incremental model: known ids only get added and a later batch cannot give an
    id an earlier first_known_date, so a new batch only appends the ids it brings first.
#}
{% macro known_ids(records_model, key) -%}
{%- if is_incremental() -%}
    {%- set last_known = incremental_max_literal('first_known_date', "'1900-01-01'") -%}
{%- endif -%}
with

records as (

    select * from {{ ref(records_model) }}
    where invalid_reason is null
    {% if is_incremental() %}
        and batch_id in (
            select batch_id from {{ ref('stg_erp__load_batches') }}
            where period_end_date > cast({{ last_known }} as date)
        )
        and {{ key }} not in (select {{ key }} from {{ this }})
    {% endif %}

),

batches as (

    select * from {{ ref('stg_erp__load_batches') }}

),

final as (

    select
        records.{{ key }},
        min(batches.period_end_date) as first_known_date
    from records
    left join batches
        on records.batch_id = batches.batch_id
    group by records.{{ key }}

)

select * from final
{%- endmacro %}
