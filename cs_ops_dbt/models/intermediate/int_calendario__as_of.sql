{#
    The data's as-of date: the end of the latest loaded batch period (never the
    wall clock), and the last month end on or before it (the latest snapshot date).
#}
with

batches as (

    select * from {{ ref('stg_erp__load_batches') }}

),

as_of as (

    select
        max(period_end_date) as as_of_date,
        min(period_start_date) as first_batch_date
    from batches

),

final as (

    select
        as_of_date,
        first_batch_date,
        case
            when {{ cs_month_end('as_of_date') }} = as_of_date then as_of_date
            else {{ cs_date_add(cs_month_start('as_of_date'), -1) }}
        end as last_snapshot_date,
        {{ cs_month_start('as_of_date') }} as as_of_month
    from as_of

)

select * from final
