{#
    MRR bridge: for every month,
    MRR(t) = MRR(t-1) + new + expansion + reactivation - contraction - churned.
    Returns the months where it does not hold (beyond rounding).
#}
with

kpis as (

    select * from {{ ref('fct_kpis_mensais') }}

),

bridged as (

    select
        month,
        mrr,
        coalesce(lag(mrr) over (order by month), 0)
            + new_mrr + expansion_mrr + reactivation_mrr - contraction_mrr - churned_mrr as bridged_mrr
    from kpis

)

select *
from bridged
where abs(mrr - bridged_mrr) > 0.01
