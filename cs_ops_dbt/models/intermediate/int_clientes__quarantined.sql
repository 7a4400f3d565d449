{#
    The customers that were sent but are in quarantine: ids read from at least one raw
    customer row, none of whose versions passes the row rules (so not in
    int_clientes__known). A row of another table naming one is customer_quarantined,
    not orphan_customer: the customer exists, its record was set aside (its reason is in
    fct_quarentena), and the row comes back once a valid version of the customer arrives.
#}
with

customers as (

    select * from {{ ref('int_clientes__classified') }}
    where customer_id is not null

),

known_customers as (

    select * from {{ ref('int_clientes__known') }}

),

final as (

    select distinct customers.customer_id
    from customers
    left join known_customers
        on customers.customer_id = known_customers.customer_id
    where known_customers.customer_id is null

)

select * from final
