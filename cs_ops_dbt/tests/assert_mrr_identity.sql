{#
    MRR bridge: for every month,
    MRR(t) = starting MRR(t) + new + expansion + reactivation - contraction - churned,
    and starting MRR(t) = MRR(t-1) for every month after the first. The first month's
    starting MRR is the opening balance (MRR already in force before the first loaded
    batch), so the history does not open with a burst of "new" MRR.
    Returns the months where either does not hold (beyond rounding).
#}
with

kpis as (

    select * from {{ ref('fct_kpis_mensais') }}

),

bridged as (

    select
        month,
        mrr,
        starting_mrr,
        lag(mrr) over (order by month) as previous_month_mrr,
        starting_mrr + new_mrr + expansion_mrr + reactivation_mrr - contraction_mrr - churned_mrr as bridged_mrr
    from kpis

)

select *
from bridged
where abs(mrr - bridged_mrr) > 0.01
    or abs(starting_mrr - coalesce(previous_month_mrr, starting_mrr)) > 0.01
