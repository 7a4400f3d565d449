{#
    Executive KPIs per month for all customers: the rows of fct_kpis_mensais_filtros
    without a filter (every dimension '*'), every column but the four filter columns.
    The definitions, and the same KPIs for every segment / size / UF / CSM filter, live
    there: one formula per KPI for the mart and the app; a KPI added there is here
    too. NRR/GRR are monthly (start of month -> end of month); nrr_t12m/grr_t12m the
    trailing twelve months; arr = mrr x 12. Months start at the first loaded batch,
    whose MRR already in force is the opening balance (starting_mrr), not new MRR.
#}
with

kpis_by_filter as (

    select * from {{ ref('fct_kpis_mensais_filtros') }}

),

final as (

    select {{ cs_star_except(['segment', 'company_size', 'uf', 'csm_owner']) }}
    from kpis_by_filter
    where segment = '*'
        and company_size = '*'
        and uf = '*'
        and csm_owner = '*'

)

select * from final
