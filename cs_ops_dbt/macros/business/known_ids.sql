{#
    The ids of a table that exist: those with at least one raw version that passes
    the row rules of staging (invalid_reason is null; the orphan checks do not count),
    with the end of the first batch period that brought one. Read from the table's
    int_<table>__classified model, which holds every raw row once.
#}
{% macro known_ids(classified_model, key) -%}
with

records as (

    select * from {{ ref(classified_model) }}
    where invalid_reason is null

),

final as (

    select
        {{ key }},
        min(known_date) as first_known_date
    from records
    group by {{ key }}

)

select * from final
{%- endmacro %}
