{#
    Executive KPIs per month, from the customer-month MRR movements.
    Rates divide by the previous month's MRR / active customers:
      logo_churn_rate      = churned customers / active customers at the start
      gross_mrr_churn_rate = (churned + contraction) / starting MRR
      net_mrr_churn_rate   = (churned + contraction - expansion) / starting MRR
      grr                  = (starting MRR - churned - contraction) / starting MRR
      nrr                  = (starting MRR + expansion - churned - contraction) / starting MRR
      quick_ratio          = (new + expansion + reactivation) / (churned + contraction)
#}
with

mrr_movements as (

    select * from {{ ref('fct_mrr_mensal') }}

),

monthly as (

    select
        month,
        round(sum(mrr), 2) as mrr,
        round(sum(previous_mrr), 2) as starting_mrr,
        round(sum(new_mrr), 2) as new_mrr,
        round(sum(expansion_mrr), 2) as expansion_mrr,
        round(sum(contraction_mrr), 2) as contraction_mrr,
        round(sum(churned_mrr), 2) as churned_mrr,
        round(sum(reactivation_mrr), 2) as reactivation_mrr,
        {{ cs_count_if("mrr > 0") }} as active_customers,
        {{ cs_count_if("previous_mrr > 0") }} as starting_customers,
        {{ cs_count_if("movement = 'new'") }} as new_customers,
        {{ cs_count_if("movement = 'reactivation'") }} as reactivated_customers,
        {{ cs_count_if("movement = 'churn'") }} as churned_customers
    from mrr_movements
    group by month

),

final as (

    select
        month,
        mrr,
        new_mrr,
        expansion_mrr,
        contraction_mrr,
        churned_mrr,
        reactivation_mrr,
        active_customers,
        churned_customers,
        round({{ cs_safe_divide('churned_customers', 'starting_customers') }}, 6) as logo_churn_rate,
        round({{ cs_safe_divide('churned_mrr + contraction_mrr', 'starting_mrr') }}, 6) as gross_mrr_churn_rate,
        round({{ cs_safe_divide('churned_mrr + contraction_mrr - expansion_mrr', 'starting_mrr') }}, 6)
            as net_mrr_churn_rate,
        round({{ cs_safe_divide('starting_mrr + expansion_mrr - churned_mrr - contraction_mrr', 'starting_mrr') }}, 6)
            as nrr,
        round({{ cs_safe_divide('starting_mrr - churned_mrr - contraction_mrr', 'starting_mrr') }}, 6) as grr,
        round({{ cs_safe_divide('new_mrr + expansion_mrr + reactivation_mrr', 'churned_mrr + contraction_mrr') }}, 6)
            as quick_ratio,
        starting_mrr,
        starting_customers,
        new_customers,
        reactivated_customers
    from monthly

)

select * from final
