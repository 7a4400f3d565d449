{#
    Clean contract terms with the period each one is really in force
    (see macro contract_terms), on the latest knowledge. Feeds the MRR history.
#}
with

contracts as (

    select * from {{ ref('int_contratos__classified') }}
    where record_status = 'clean'

),

terms as (

    {{ contract_terms('contracts', ['customer_id']) }}

)

select * from terms
