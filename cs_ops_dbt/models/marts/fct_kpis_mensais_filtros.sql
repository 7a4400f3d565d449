{#
    The one definition of the executive KPIs: every KPI per month for every filter of
    the Visão executiva (segment, company_size, uf, csm_owner; each a value or '*' = all
    customers). fct_kpis_mensais is the all-'*' rows; the app reads the row of the
    chosen filters, so filtered and unfiltered numbers use the same formulas.
    Customers are placed by their current attributes (dim_clientes).
    Monthly rates divide by the start of the month (the previous month's MRR / the
    customers with MRR then); reactivated customers were not in that base, so
    reactivation counts in the quick ratio only, never in NRR or churn:
      logo_churn_rate      = churned customers / starting customers
      gross_mrr_churn_rate = (churned + contraction) / starting MRR
      net_mrr_churn_rate   = (churned + contraction - expansion) / starting MRR
      grr                  = (starting MRR - churned - contraction) / starting MRR
      nrr                  = (starting MRR + expansion - churned - contraction) / starting MRR
      quick_ratio          = (new + expansion + reactivation) / (churned + contraction)
      arr                  = MRR x 12
    Trailing twelve months (null until twelve loaded months lie behind the month):
      nrr_t12m = MRR now of the customers with MRR twelve months before / their MRR then
      grr_t12m = the same, each customer counted at most at its MRR then
#}
{%- set dimensions = ['segment', 'company_size', 'uf', 'csm_owner'] -%}
{%- set additive = [
    'mrr', 'starting_mrr', 'new_mrr', 'expansion_mrr', 'contraction_mrr', 'churned_mrr',
    'reactivation_mrr', 'mrr_12_months_before', 'retained_mrr_t12m', 'kept_mrr_t12m',
] -%}
{%- set counts = [
    'active_customers', 'starting_customers', 'new_customers', 'reactivated_customers', 'churned_customers',
] -%}
with

mrr_movements as (

    select * from {{ ref('fct_mrr_mensal') }}

),

customers as (

    select * from {{ ref('dim_clientes') }}

),

{# each customer's MRR twelve months before a month, and what is left of it in that month #}
twelve_months_before as (

    select
        cohort.customer_id,
        {{ cs_date_add('cohort.month', 12, 'month') }} as month,
        cohort.mrr as mrr_12_months_before,
        coalesce(later.mrr, 0) as retained_mrr_t12m,
        case when coalesce(later.mrr, 0) < cohort.mrr then coalesce(later.mrr, 0) else cohort.mrr end
            as kept_mrr_t12m
    from mrr_movements as cohort
    left join mrr_movements as later
        on later.customer_id = cohort.customer_id
        and later.month = {{ cs_date_add('cohort.month', 12, 'month') }}
    where cohort.mrr > 0
        and {{ cs_date_add('cohort.month', 12, 'month') }} <= (select max(month) from mrr_movements)

),

customer_months as (

    select
        customer_id,
        month,
        mrr,
        previous_mrr as starting_mrr,
        new_mrr,
        expansion_mrr,
        contraction_mrr,
        churned_mrr,
        reactivation_mrr,
        0 as mrr_12_months_before,
        0 as retained_mrr_t12m,
        0 as kept_mrr_t12m,
        case when mrr > 0 then 1 else 0 end as active_customers,
        case when previous_mrr > 0 then 1 else 0 end as starting_customers,
        case when movement = 'new' then 1 else 0 end as new_customers,
        case when movement = 'reactivation' then 1 else 0 end as reactivated_customers,
        case when movement = 'churn' then 1 else 0 end as churned_customers
    from mrr_movements

    union all

    select
        customer_id,
        month,
        0, 0, 0, 0, 0, 0, 0,
        mrr_12_months_before,
        retained_mrr_t12m,
        kept_mrr_t12m,
        0, 0, 0, 0, 0
    from twelve_months_before

),

{# the additive components per month x segment x size x UF x CSM #}
components as (

    select
        customer_months.month,
        {%- for dimension in dimensions %}
        customers.{{ dimension }},
        {%- endfor %}
        {%- for column in additive %}
        sum(customer_months.{{ column }}) as {{ column }},
        {%- endfor %}
        {%- for column in counts %}
        {{ cs_sum_int('customer_months.' ~ column) }} as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from customer_months
    left join customers
        on customer_months.customer_id = customers.customer_id
    group by
        customer_months.month,
        customers.segment,
        customers.company_size,
        customers.uf,
        customers.csm_owner

),

{# every filter combination: each dimension grouped by or '*' (all), 16 in all #}
filter_combinations as (

    {%- for combination in range(2 ** (dimensions | length)) %}
    {%- set grouped = [] %}
    {%- for position in range(dimensions | length) %}
        {%- if (combination // (2 ** position)) % 2 == 1 %}{% do grouped.append(dimensions[position]) %}{% endif %}
    {%- endfor %}

    select
        month,
        {%- for dimension in dimensions %}
        {{ dimension if dimension in grouped else "'*'" }} as {{ dimension }},
        {%- endfor %}
        {%- for column in additive %}
        round(sum({{ column }}), 2) as {{ column }},
        {%- endfor %}
        {%- for column in counts %}
        {{ cs_sum_int(column) }} as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from components
    group by month{% for dimension in grouped %}, {{ dimension }}{% endfor %}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select
        month,
        {%- for dimension in dimensions %}
        {{ dimension }},
        {%- endfor %}
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
        reactivated_customers,
        round(mrr * 12, 2) as arr,
        round({{ cs_safe_divide('retained_mrr_t12m', 'mrr_12_months_before') }}, 6) as nrr_t12m,
        round({{ cs_safe_divide('kept_mrr_t12m', 'mrr_12_months_before') }}, 6) as grr_t12m,
        mrr_12_months_before,
        retained_mrr_t12m,
        kept_mrr_t12m
    from filter_combinations

)

select * from final
