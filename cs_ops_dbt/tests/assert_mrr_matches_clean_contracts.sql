{#
    The monthly MRR equals the sum of the clean contract terms in force on each
    month's measuring day, counted independently of fct_mrr_mensal. Returns mismatches.
#}
with

kpis as (

    select * from {{ ref('fct_kpis_mensais') }}

),

contracts as (

    select * from {{ ref('fct_contratos') }}

),

calendar as (

    select * from {{ ref('int_calendario__as_of') }}

),

measured as (

    select
        kpis.month,
        kpis.mrr,
        case
            when {{ cs_month_end('kpis.month') }} > calendar.as_of_date then calendar.as_of_date
            else {{ cs_month_end('kpis.month') }}
        end as measured_date
    from kpis
    cross join calendar

),

contracts_in_force as (

    select
        measured.month,
        sum(contracts.mrr) as contracts_mrr
    from measured
    inner join contracts
        on contracts.start_date <= measured.measured_date
        and (contracts.effective_end_date is null or contracts.effective_end_date >= measured.measured_date)
    group by measured.month

),

expected as (

    select
        measured.month,
        measured.mrr,
        coalesce(contracts_in_force.contracts_mrr, 0) as contracts_mrr
    from measured
    left join contracts_in_force
        on measured.month = contracts_in_force.month

)

select *
from expected
where abs(mrr - contracts_mrr) > 0.01
