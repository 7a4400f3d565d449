{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
        pre_hook="{{ delete_recomputed_terms() }}",
    )
}}
-- depends_on: {{ ref('int_contratos__parsed') }}
-- depends_on: {{ ref('int_clientes__parsed') }}
{#
    Clean contract terms with the period each one is really in force
    (see macro contract_terms), on the latest knowledge. Feeds the MRR history.
    Incremental: the terms of the customers whose contracts a new batch reclassifies
    are deleted by the pre-hook and computed again (recomputed_term_customers), so the
    table always equals a full refresh.
#}
with

contracts as (

    select * from {{ ref('int_contratos__classified') }}
    where record_status = 'clean'
    {%- if is_incremental() %}
        and customer_id in ({{ recomputed_term_customers() }})
    {%- endif %}

),

terms as (

    {{ contract_terms('contracts', ['customer_id']) }}

)

select * from terms
