{#
    The ML input: one row per customer and month end while the customer is active
    (MRR > 0 on that date). Features use only data known by snapshot_date; the label
    churn_status = 1 when the customer churns within var('churn_horizon_days') days
    after it; is_label_complete when that whole horizon lies before the as-of date.
    Features: int_clientes__mensal; health score: int_clientes__health_scores; label:
    int_clientes__churn_labels; open invoices: int_faturas__em_aberto_mensal.
#}
with

customer_months as (

    select * from {{ ref('int_clientes__mensal') }}

),

health_scores as (

    select * from {{ ref('int_clientes__health_scores') }}

),

churn_labels as (

    select * from {{ ref('int_clientes__churn_labels') }}

),

{# invoices open and overdue at the snapshot date (no row = none) #}
open_invoices as (

    select * from {{ ref('int_faturas__em_aberto_mensal') }}

),

final as (

    select
        customer_months.customer_id,
        customer_months.snapshot_date,
        segment,
        company_size,
        uf,
        plan,
        tenure_months,
        mrr,
        seats,
        active_users_30d,
        adoption_rate,
        events_30d,
        usage_trend_pct,
        modules_used_30d,
        licensed_modules,
        tickets_90d,
        p1_tickets_90d,
        avg_csat_90d,
        avg_first_response_hours_90d,
        last_nps,
        late_invoices_90d,
        avg_payment_delay_days_90d,
        failed_payments_90d,
        coalesce(open_invoices.open_overdue_invoices, 0) as open_overdue_invoices,
        coalesce(open_invoices.max_days_overdue_open, 0) as max_days_overdue_open,
        days_to_renewal,
        health_scores.health_score,
        health_scores.health_tier,
        health_scores.score_usage,
        health_scores.score_adoption,
        health_scores.score_support,
        health_scores.score_nps,
        health_scores.score_billing,
        events_prev_30d,
        usage_minutes_30d,
        churn_labels.churn_status,
        churn_labels.is_label_complete
    from customer_months
    inner join health_scores
        on customer_months.customer_id = health_scores.customer_id
        and customer_months.snapshot_date = health_scores.snapshot_date
    inner join churn_labels
        on customer_months.customer_id = churn_labels.customer_id
        and customer_months.snapshot_date = churn_labels.snapshot_date
    left join open_invoices
        on customer_months.customer_id = open_invoices.customer_id
        and customer_months.snapshot_date = open_invoices.snapshot_date
    where customer_months.is_active

)

select * from final
