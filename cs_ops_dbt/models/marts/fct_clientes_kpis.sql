{#
    One row per customer (every customer in dim_clientes): the features and health
    score as of the last snapshot date (the data's as-of month end), with churn status.
#}
with

customers as (

    select * from {{ ref('dim_clientes') }}

),

customer_months as (

    select * from {{ ref('int_clientes__mensal') }}

),

health_scores as (

    select * from {{ ref('int_clientes__health_scores') }}

),

churns as (

    select * from {{ ref('int_clientes__churns') }}

),

calendar as (

    select * from {{ ref('int_calendario__as_of') }}

),

current_month as (

    select
        customer_months.*,
        health_scores.health_score,
        health_scores.health_tier,
        health_scores.score_usage,
        health_scores.score_adoption,
        health_scores.score_support,
        health_scores.score_nps,
        health_scores.score_billing
    from customer_months
    inner join calendar
        on customer_months.snapshot_date = calendar.last_snapshot_date
    inner join health_scores
        on customer_months.customer_id = health_scores.customer_id
        and customer_months.snapshot_date = health_scores.snapshot_date

),

last_churns as (

    select
        customer_id,
        max(churned_date) as last_churned_date
    from churns
    group by customer_id

),

final as (

    select
        customers.customer_id,
        customers.company_name,
        customers.segment,
        customers.company_size,
        customers.uf,
        customers.csm_owner,
        current_month.plan,
        customers.signup_date,
        current_month.tenure_months,
        coalesce(current_month.mrr, 0) as current_mrr,
        current_month.seats,
        coalesce(current_month.active_users_30d, 0) as active_users_30d,
        current_month.adoption_rate,
        coalesce(current_month.events_30d, 0) as events_30d,
        current_month.usage_trend_pct,
        coalesce(current_month.modules_used_30d, 0) as modules_used_30d,
        coalesce(current_month.tickets_90d, 0) as tickets_90d,
        coalesce(current_month.p1_tickets_90d, 0) as p1_tickets_90d,
        current_month.avg_csat_90d,
        current_month.last_nps,
        coalesce(current_month.late_invoices_90d, 0) as late_invoices_90d,
        coalesce(current_month.avg_payment_delay_days_90d, 0) as avg_payment_delay_days_90d,
        current_month.renewal_date,
        current_month.health_score,
        current_month.health_tier,
        current_month.score_usage,
        current_month.score_adoption,
        current_month.score_support,
        current_month.score_nps,
        current_month.score_billing,
        case when coalesce(current_month.mrr, 0) = 0 then last_churns.last_churned_date end as churned_at,
        cast(case
            when coalesce(current_month.mrr, 0) = 0 and last_churns.last_churned_date is not null then 1
            else 0
        end as {{ cs_type('int') }}) as churn_status,
        current_month.snapshot_date as as_of_snapshot_date,
        current_month.failed_payments_90d,
        current_month.avg_first_response_hours_90d,
        current_month.days_to_renewal
    from customers
    left join current_month
        on customers.customer_id = current_month.customer_id
    left join last_churns
        on customers.customer_id = last_churns.customer_id

)

select * from final
