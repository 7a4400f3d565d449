{%- set last_snapshot = incremental_max_literal('snapshot_date', "'1900-01-01'") if is_incremental() else none -%}
{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
        pre_hook=[
            "{{ delete_changed_snapshot_rows(['open_overdue_invoices', 'max_days_overdue_open']) }}",
            "{{ update_snapshot_labels() }}",
        ],
    )
}}
-- depends_on: {{ ref('int_clientes__classified') }}
-- depends_on: {{ ref('int_contratos__classified') }}
-- depends_on: {{ ref('int_faturas__classified') }}
{#
    The ML input: one row per customer and month end while the customer is active
    (MRR > 0 on that date). Features use only data known by snapshot_date; the label
    churn_status = 1 when the customer churns within var('churn_horizon_days') days
    after it; is_label_complete when that whole horizon lies before the as-of date.
    Incremental (macros/business/recomputed_customer_months.sql): the pre-hooks delete
    the rows of the customers the new batches touch that differ from their source row
    and update the labels within the churn horizon; the model inserts the new snapshot
    months and the touched customers' source rows that have no mart row.
#}
with

customer_months as (

    select * from {{ ref('int_clientes__mensal') }}

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
        health_score,
        health_tier,
        score_usage,
        score_adoption,
        score_support,
        score_nps,
        score_billing,
        events_prev_30d,
        usage_minutes_30d,
        churn_status,
        is_label_complete
    from customer_months
    left join open_invoices
        on customer_months.customer_id = open_invoices.customer_id
        and customer_months.snapshot_date = open_invoices.snapshot_date
    where customer_months.is_active
    {% if is_incremental() %}
        and (
            customer_months.snapshot_date > cast({{ last_snapshot }} as date)
            or customer_months.customer_id in ({{ touched_customers(last_snapshot) }})
        )
        and not exists (
            select 1
            from {{ this }} as kept
            where kept.customer_id = customer_months.customer_id
                and kept.snapshot_date = customer_months.snapshot_date
        )
    {% endif %}

)

select * from final
