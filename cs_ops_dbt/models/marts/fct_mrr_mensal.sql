{#
    One row per customer and month (1st of the month) in which the customer had MRR
    or lost it. MRR is measured on the month's last day (or the as-of date for the
    current month) as the sum of the monthly-normalised value of the terms in force.
    Movements, in this precedence: new (first MRR ever), reactivation (MRR again after
    a month at zero), churn (MRR went to zero: the month after the last active month),
    expansion, contraction, retained.
    Months start at the first month covered by a loaded batch: MRR already in force
    then (customers who signed up before the first batch) is the opening balance
    (previous_mrr of that month), never new MRR. Earlier months are still used to
    classify (a customer active before counts as reactivated, not new).
#}
with

contract_terms as (

    select * from {{ ref('int_contratos__vigencias') }}

),

calendar as (

    select * from {{ ref('int_calendario__as_of') }}

),

customer_bounds as (

    select
        contract_terms.customer_id,
        {{ cs_month_start('min(contract_terms.start_date)') }} as first_month,
        calendar.as_of_month as last_month,
        calendar.as_of_date
    from contract_terms
    cross join calendar
    group by
        contract_terms.customer_id,
        calendar.as_of_month,
        calendar.as_of_date

),

customer_months as (

    select
        customer_bounds.customer_id,
        cast(month_start as date) as month,
        case
            when {{ cs_month_end('month_start') }} > customer_bounds.as_of_date then customer_bounds.as_of_date
            else {{ cs_month_end('month_start') }}
        end as measured_date
    from customer_bounds
    cross join {{ cs_unnest_month_starts('customer_bounds.first_month', 'customer_bounds.last_month', 'month_start') }}

),

mrr_by_month as (

    select
        customer_months.customer_id,
        customer_months.month,
        round(coalesce(sum(contract_terms.mrr), 0), 2) as mrr
    from customer_months
    left join contract_terms
        on customer_months.customer_id = contract_terms.customer_id
        and contract_terms.start_date <= customer_months.measured_date
        and (
            contract_terms.effective_end_date is null
            or contract_terms.effective_end_date >= customer_months.measured_date
        )
    group by
        customer_months.customer_id,
        customer_months.month

),

with_previous as (

    select
        customer_id,
        month,
        mrr,
        coalesce(lag(mrr) over (partition by customer_id order by month), 0) as previous_mrr,
        coalesce(
            max(case when mrr > 0 then 1 else 0 end) over (
                partition by customer_id
                order by month
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as was_active_before
    from mrr_by_month

),

classified as (

    select
        customer_id,
        month,
        mrr,
        previous_mrr,
        case
            when mrr > 0 and previous_mrr = 0 and was_active_before = 0 then 'new'
            when mrr > 0 and previous_mrr = 0 then 'reactivation'
            when mrr = 0 and previous_mrr > 0 then 'churn'
            when mrr > previous_mrr then 'expansion'
            when mrr < previous_mrr then 'contraction'
            else 'retained'
        end as movement
    from with_previous
    where mrr > 0 or previous_mrr > 0

),

final as (

    select
        customer_id,
        month,
        mrr,
        previous_mrr,
        movement,
        case when movement = 'new' then mrr else 0 end as new_mrr,
        case when movement = 'expansion' then round(mrr - previous_mrr, 2) else 0 end as expansion_mrr,
        case when movement = 'contraction' then round(previous_mrr - mrr, 2) else 0 end as contraction_mrr,
        case when movement = 'churn' then previous_mrr else 0 end as churned_mrr,
        case when movement = 'reactivation' then mrr else 0 end as reactivation_mrr
    from classified
    cross join calendar
    where classified.month >= {{ cs_month_start('calendar.first_batch_date') }}

)

select * from final
