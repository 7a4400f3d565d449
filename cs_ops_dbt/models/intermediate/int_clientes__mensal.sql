{#
    One row per customer and month end (snapshot_date) from the customer's first
    month to the last snapshot date: the features as they were known on that date.
    Computed once here; the health score (int_clientes__health_scores) and the churn
    label (int_clientes__churn_labels) are computed from these rows, and the ML
    snapshot and the current-customer KPIs are cuts of the three.

    Point in time: a source row counts for a snapshot only if its batch period had
    ended by then (known_date <= snapshot_date), and among the versions of a record
    known by then the latest one is used: the lowest version_rank, the order
    latest_version_first gave the valid versions of each record in its
    int_<table>__classified model (ranking on that one integer, not on the raw row,
    halves this model's time). Event windows come from int_uso__janelas_mensais.
#}
with

customers as (

    select * from {{ ref('dim_clientes') }}

),

customer_versions as (

    select * from {{ ref('int_clientes__classified') }}
    where record_status in ('clean', 'duplicate')

),

contract_versions as (

    select * from {{ ref('int_contratos__classified') }}
    where record_status in ('clean', 'duplicate')

),

invoice_versions as (

    select * from {{ ref('int_faturas__classified') }}
    where record_status in ('clean', 'duplicate')

),

ticket_versions as (

    select * from {{ ref('int_tickets__classified') }}
    where record_status in ('clean', 'duplicate')

),

nps_versions as (

    select * from {{ ref('int_nps_respostas__classified') }}
    where record_status in ('clean', 'duplicate')

),

usage_windows as (

    select * from {{ ref('int_uso__janelas_mensais') }}

),

calendar as (

    select * from {{ ref('int_calendario__as_of') }}

),


{# ---------- the customer x month-end spine ---------- #}

customer_bounds as (

    select
        customers.customer_id,
        customers.signup_date,
        {# the month of the first contract or of the signup, whichever is earlier #}
        {{ cs_month_start(
            'case when customers.first_contract_date < customers.signup_date'
            ~ ' then customers.first_contract_date else customers.signup_date end'
        ) }} as first_month,
        {{ cs_month_start('calendar.last_snapshot_date') }} as last_month
    from customers
    cross join calendar
    where customers.signup_date is not null

),


spine as (

    select
        customer_bounds.customer_id,
        customer_bounds.signup_date,
        {{ cs_month_end('month_start') }} as snapshot_date
    from customer_bounds
    cross join {{ cs_unnest_month_starts('customer_bounds.first_month', 'customer_bounds.last_month', 'month_start') }}

),

snapshot_dates as (

    select distinct snapshot_date from spine

),

{# ---------- customer attributes as known on the snapshot date ---------- #}

customer_attributes_ranked as (

    select
        spine.customer_id,
        spine.snapshot_date,
        customer_versions.segment,
        customer_versions.company_size,
        customer_versions.uf,
        row_number() over (
            partition by spine.customer_id, spine.snapshot_date
            order by
                case when customer_versions.known_date <= spine.snapshot_date then 0 else 1 end,
                case
                    when customer_versions.known_date <= spine.snapshot_date then customer_versions.updated_at
                end desc nulls last,
                {# explicit: nulls sort first by default on BigQuery, last on DuckDB #}
                customer_versions.updated_at nulls last,
                customer_versions.version_rank
        ) as version_rank
    from spine
    inner join customer_versions
        on spine.customer_id = customer_versions.customer_id

),

customer_attributes as (

    select * from customer_attributes_ranked where version_rank = 1

),

{# ---------- contracts in force on the snapshot date ---------- #}

contracts_known_ranked as (

    select
        snapshot_dates.snapshot_date,
        contract_versions.*,
        row_number() over (
            partition by snapshot_dates.snapshot_date, contract_versions.contract_id
            order by contract_versions.version_rank
        ) as known_rank
    from snapshot_dates
    inner join contract_versions
        on contract_versions.known_date <= snapshot_dates.snapshot_date

),

contracts_known as (

    select * from contracts_known_ranked where known_rank = 1

),

contract_terms_known as (

    {{ contract_terms('contracts_known', ['snapshot_date', 'customer_id']) }}

),

contracts_in_force as (

    select
        *,
        row_number() over (
            partition by customer_id, snapshot_date
            order by mrr desc, start_date desc, contract_id
        ) as main_contract_rank
    from contract_terms_known
    where start_date <= snapshot_date
        and (effective_end_date is null or effective_end_date >= snapshot_date)

),

contract_features as (

    select
        customer_id,
        snapshot_date,
        round(sum(mrr), 2) as mrr,
        {{ cs_sum_int('seats') }} as seats,
        max(case when main_contract_rank = 1 then plan end) as plan,
        {# distinct modules licensed on the main term (null = unknown list) #}
        max(case when main_contract_rank = 1 then {{ cs_module_count('modules') }} end) as licensed_modules,
        min(end_date) as renewal_date
    from contracts_in_force
    group by
        customer_id,
        snapshot_date

),

{# ---------- support: tickets opened or resolved in the 90 days up to the snapshot ---------- #}

tickets_known_ranked as (

    select
        snapshot_dates.snapshot_date,
        ticket_versions.*,
        cast(ticket_versions.opened_at as date) as opened_date,
        cast(ticket_versions.resolved_at as date) as resolved_date,
        cast(ticket_versions.first_response_at as date) as first_response_date,
        row_number() over (
            partition by snapshot_dates.snapshot_date, ticket_versions.ticket_id
            order by ticket_versions.version_rank
        ) as known_rank
    from snapshot_dates
    inner join ticket_versions
        on ticket_versions.known_date <= snapshot_dates.snapshot_date
        and cast(ticket_versions.opened_at as date) > {{ cs_date_add('snapshot_dates.snapshot_date', -366) }}

),

ticket_features as (

    select
        customer_id,
        snapshot_date,
        cast(sum(case
            when opened_date > {{ cs_date_add('snapshot_date', -90) }} and opened_date <= snapshot_date
                then 1 else 0
        end) as {{ cs_type('int') }}) as tickets_90d,
        cast(sum(case
            when opened_date > {{ cs_date_add('snapshot_date', -90) }} and opened_date <= snapshot_date
                and priority = 'P1'
                then 1 else 0
        end) as {{ cs_type('int') }}) as p1_tickets_90d,
        avg(case
            when resolved_date > {{ cs_date_add('snapshot_date', -90) }} and resolved_date <= snapshot_date
                then cast(csat as {{ cs_type('float') }})
        end) as avg_csat_90d,
        avg(case
            when opened_date > {{ cs_date_add('snapshot_date', -90) }} and first_response_date <= snapshot_date
                and first_response_at >= opened_at
                then {{ cs_timestamp_diff_seconds('opened_at', 'first_response_at') }}
        end) / 3600.0 as avg_first_response_hours_90d
    from tickets_known_ranked
    where known_rank = 1
    group by
        customer_id,
        snapshot_date

),

{# ---------- billing: invoices due in the 90 days up to the snapshot ---------- #}

invoices_known_ranked as (

    select
        snapshot_dates.snapshot_date,
        invoice_versions.*,
        row_number() over (
            partition by snapshot_dates.snapshot_date, invoice_versions.invoice_id
            order by invoice_versions.version_rank
        ) as known_rank
    from snapshot_dates
    inner join invoice_versions
        on invoice_versions.known_date <= snapshot_dates.snapshot_date
        and invoice_versions.due_date > {{ cs_date_add('snapshot_dates.snapshot_date', -90) }}
        and invoice_versions.due_date < snapshot_dates.snapshot_date

),

invoices_as_of as (

    select
        *,
        {# unpaid on the snapshot date: paid later (or never) #}
        case when paid_date <= snapshot_date then paid_date end as paid_date_as_of
    from invoices_known_ranked
    where known_rank = 1

),

invoice_features as (

    select
        customer_id,
        snapshot_date,
        cast(sum(case
            when paid_date_as_of is null or paid_date_as_of > due_date then 1 else 0
        end) as {{ cs_type('int') }}) as late_invoices_90d,
        avg(case
            when paid_date_as_of is null then {{ cs_date_diff('due_date', 'snapshot_date') }}
            when paid_date_as_of > due_date then {{ cs_date_diff('due_date', 'paid_date_as_of') }}
            else 0
        end) as avg_payment_delay_days_90d,
        {{ cs_count_if("invoice_status = 'Falhou'") }} as failed_payments_90d
    from invoices_as_of
    group by
        customer_id,
        snapshot_date

),

{# ---------- NPS: the latest answer up to the snapshot ---------- #}

nps_known_ranked as (

    select
        snapshot_dates.snapshot_date,
        nps_versions.*,
        row_number() over (
            partition by snapshot_dates.snapshot_date, nps_versions.response_id
            order by nps_versions.version_rank
        ) as known_rank
    from snapshot_dates
    inner join nps_versions
        on nps_versions.known_date <= snapshot_dates.snapshot_date
        and nps_versions.answered_date <= snapshot_dates.snapshot_date

),

nps_latest as (

    select
        customer_id,
        snapshot_date,
        score,
        row_number() over (
            partition by customer_id, snapshot_date
            order by answered_date desc, updated_at desc, response_id desc
        ) as answer_rank
    from nps_known_ranked
    where known_rank = 1

),

nps_features as (

    select
        customer_id,
        snapshot_date,
        score as last_nps
    from nps_latest
    where answer_rank = 1

),

{# ---------- all features side by side ---------- #}

features as (

    select
        spine.customer_id,
        spine.snapshot_date,
        customer_attributes.segment,
        customer_attributes.company_size,
        customer_attributes.uf,
        contract_features.plan,
        {{ cs_date_diff('spine.signup_date', 'spine.snapshot_date', 'month') }} as tenure_months,
        coalesce(contract_features.mrr, 0) as mrr,
        contract_features.seats,
        coalesce(usage_windows.active_users_30d, 0) as active_users_30d,
        round({{ cs_safe_divide('coalesce(usage_windows.active_users_30d, 0)', 'contract_features.seats') }}, 4)
            as adoption_rate,
        coalesce(usage_windows.events_30d, 0) as events_30d,
        coalesce(usage_windows.events_prev_30d, 0) as events_prev_30d,
        round(
            100 * {{ cs_safe_divide(
                'coalesce(usage_windows.events_30d, 0) - usage_windows.events_prev_30d',
                'usage_windows.events_prev_30d'
            ) }},
            1
        ) as usage_trend_pct,
        coalesce(usage_windows.modules_used_30d, 0) as modules_used_30d,
        contract_features.licensed_modules,
        round(coalesce(usage_windows.usage_minutes_30d, 0), 1) as usage_minutes_30d,
        coalesce(ticket_features.tickets_90d, 0) as tickets_90d,
        coalesce(ticket_features.p1_tickets_90d, 0) as p1_tickets_90d,
        round(ticket_features.avg_csat_90d, 2) as avg_csat_90d,
        round(ticket_features.avg_first_response_hours_90d, 2) as avg_first_response_hours_90d,
        nps_features.last_nps,
        coalesce(invoice_features.late_invoices_90d, 0) as late_invoices_90d,
        round(coalesce(invoice_features.avg_payment_delay_days_90d, 0), 2) as avg_payment_delay_days_90d,
        coalesce(invoice_features.failed_payments_90d, 0) as failed_payments_90d,
        contract_features.renewal_date,
        {{ cs_date_diff('spine.snapshot_date', 'contract_features.renewal_date') }} as days_to_renewal,
        (coalesce(contract_features.mrr, 0) > 0) as is_active
    from spine
    left join customer_attributes
        on spine.customer_id = customer_attributes.customer_id
        and spine.snapshot_date = customer_attributes.snapshot_date
    left join contract_features
        on spine.customer_id = contract_features.customer_id
        and spine.snapshot_date = contract_features.snapshot_date
    left join usage_windows
        on spine.customer_id = usage_windows.customer_id
        and spine.snapshot_date = usage_windows.snapshot_date
    left join ticket_features
        on spine.customer_id = ticket_features.customer_id
        and spine.snapshot_date = ticket_features.snapshot_date
    left join invoice_features
        on spine.customer_id = invoice_features.customer_id
        and spine.snapshot_date = invoice_features.snapshot_date
    left join nps_features
        on spine.customer_id = nps_features.customer_id
        and spine.snapshot_date = nps_features.snapshot_date

)

select * from features
