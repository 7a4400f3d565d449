{#
    Logo retention by signup-month cohort: of the customers who signed up in
    cohort_month, how many had MRR in the month months_since_signup later.
#}
with

customers as (

    select * from {{ ref('dim_clientes') }}

),

mrr_movements as (

    select * from {{ ref('fct_mrr_mensal') }}

),

calendar as (

    select * from {{ ref('int_calendario__as_of') }}

),

cohort_members as (

    select
        customer_id,
        {{ cs_month_start('signup_date') }} as cohort_month
    from customers
    where signup_date is not null

),

cohorts as (

    select
        cohort_month,
        count(*) as customers
    from cohort_members
    group by cohort_month

),

cohort_months as (

    select
        cohorts.cohort_month,
        cohorts.customers,
        cast(month_start as date) as month
    from cohorts
    cross join calendar
    cross join {{ cs_unnest_month_starts('cohorts.cohort_month', 'calendar.as_of_month', 'month_start') }}

),

retained as (

    select
        cohort_members.cohort_month,
        mrr_movements.month,
        count(*) as retained_customers
    from cohort_members
    inner join mrr_movements
        on cohort_members.customer_id = mrr_movements.customer_id
    where mrr_movements.mrr > 0
    group by
        cohort_members.cohort_month,
        mrr_movements.month

),

final as (

    select
        cohort_months.cohort_month,
        {{ cs_date_diff('cohort_months.cohort_month', 'cohort_months.month', 'month') }} as months_since_signup,
        cohort_months.customers,
        coalesce(retained.retained_customers, 0) as retained_customers,
        round({{ cs_safe_divide('coalesce(retained.retained_customers, 0)', 'cohort_months.customers') }}, 6)
            as retention_rate
    from cohort_months
    left join retained
        on cohort_months.cohort_month = retained.cohort_month
        and cohort_months.month = retained.month

)

select * from final
