{#
    The label of the ML snapshot for every customer-month (int_clientes__mensal):
      churn_status       1 when the customer churns (int_clientes__churns: a day with
                         no term in force) after the snapshot date and at most
                         var('churn_horizon_days') days after it, else 0;
      is_label_complete  the whole horizon lies on or before the data's as-of date, so
                         the label can no longer change.
    The label looks forward on the latest knowledge of the contracts; it is rebuilt in
    full on every run.
#}
with

customer_months as (

    select customer_id, snapshot_date from {{ ref('int_clientes__mensal') }}

),

churns as (

    select * from {{ ref('int_clientes__churns') }}

),

calendar as (

    select * from {{ ref('int_calendario__as_of') }}

),

churns_within_horizon as (

    select
        customer_months.customer_id,
        customer_months.snapshot_date,
        cast(max(case
            when churns.churned_date > customer_months.snapshot_date
                and churns.churned_date <= {{ cs_date_add('customer_months.snapshot_date', var('churn_horizon_days')) }}
                then 1 else 0
        end) as {{ cs_type('int') }}) as churn_status
    from customer_months
    left join churns
        on customer_months.customer_id = churns.customer_id
    group by
        customer_months.customer_id,
        customer_months.snapshot_date

),

final as (

    select
        churns_within_horizon.customer_id,
        churns_within_horizon.snapshot_date,
        churns_within_horizon.churn_status,
        (
            {{ cs_date_add('churns_within_horizon.snapshot_date', var('churn_horizon_days')) }}
            <= calendar.as_of_date
        ) as is_label_complete
    from churns_within_horizon
    cross join calendar

)

select * from final
