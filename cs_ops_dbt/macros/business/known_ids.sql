{#
    The ids of a table that exist: those with at least one raw version that passes
    the row rules of staging (invalid_reason is null; the orphan checks do not count),
    with the end of the first batch period that brought one. `records_model` is the
    table's staging model (stg_erp__<table>) or its int_<table>__classified model:
    both hold every raw row once with invalid_reason and batch_period_end_date.
    Staging lets the usage events, which are checked against the customer and user
    ids, start before every entity table is classified; the classified model saves
    parsing the rows a second time where nothing waits (contract terms).
#}
{% macro known_ids(records_model, key) -%}
with

records as (

    select * from {{ ref(records_model) }}
    where invalid_reason is null

),

final as (

    select
        {{ key }},
        min(batch_period_end_date) as first_known_date
    from records
    group by {{ key }}

)

select * from final
{%- endmacro %}
