{#
    The ids of a table that exist: those with at least one raw version that passes
    the row rules, with the end of the first batch period that brought one.
#}
{% macro known_ids(staging_model, key) -%}
with

records as (

    select * from {{ ref(staging_model) }}
    where invalid_reason is null

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
