{# Quarantined rows per raw table, batch and reason, for the data-quality page. #}
with

quarantine as (

    select * from {{ ref('fct_quarentena') }}

),

final as (

    select
        table_name,
        batch_id,
        reason,
        count(*) as quarantined_rows,
        min(raw_values) as example_raw_values
    from quarantine
    group by
        table_name,
        batch_id,
        reason

)

select * from final
