with

customers as (

    select * from {{ ref('int_clientes__classified') }}
    where record_status = 'clean'

),

contract_terms as (

    select * from {{ ref('int_contratos__vigencias') }}

),

first_contracts as (

    select
        customer_id,
        min(start_date) as first_contract_date
    from contract_terms
    group by customer_id

),

final as (

    select
        customers.customer_id,
        customers.company_name,
        customers.cnpj,
        customers.segment,
        customers.company_size,
        customers.uf,
        customers.city,
        customers.csm_owner,
        {# an impossible or missing signup date falls back to the first contract #}
        coalesce(customers.signup_date, first_contracts.first_contract_date) as signup_date,
        customers.contact_email,
        customers.is_valid_cnpj,
        customers.is_valid_email,
        customers.account_status,
        customers.has_invalid_signup_date,
        first_contracts.first_contract_date,
        customers.updated_at,
        customers.batch_id
    from customers
    left join first_contracts
        on customers.customer_id = first_contracts.customer_id

)

select * from final
