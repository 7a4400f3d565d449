{#
    Every date a customer stopped paying (latest knowledge): the day after a term
    ends when no other term of the customer is in force that day. A customer who
    comes back and leaves again has two churn dates. Only churns up to the as-of date.
#}
with

contract_terms as (

    select * from {{ ref('int_contratos__vigencias') }}

),

calendar as (

    select * from {{ ref('int_calendario__as_of') }}

),

term_ends as (

    select distinct
        customer_id,
        {{ cs_date_add('effective_end_date', 1) }} as churned_date
    from contract_terms
    where effective_end_date is not null
        and effective_end_date >= start_date

),

uncovered as (

    select term_ends.*
    from term_ends
    where not exists (
        select 1
        from contract_terms
        where contract_terms.customer_id = term_ends.customer_id
            and contract_terms.start_date <= term_ends.churned_date
            and (
                contract_terms.effective_end_date is null
                or contract_terms.effective_end_date >= term_ends.churned_date
            )
    )

),

final as (

    select uncovered.*
    from uncovered
    cross join calendar
    where uncovered.churned_date <= calendar.as_of_date

)

select * from final
