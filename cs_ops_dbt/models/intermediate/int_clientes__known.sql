{#
    The customer ids that exist: those with at least one raw version that passes the
    row rules, with the end of the first batch period that brought one (first_known_date).
    Every table that references a customer checks its id here (orphan_customer).
    The set only grows as batches arrive, and a late-arriving customer counts only
    from its first_known_date in point-in-time features.
#}
with

customers as (

    select * from {{ ref('stg_erp__clientes') }}
    where invalid_reason is null

),

batches as (

    select * from {{ ref('stg_erp__load_batches') }}

),

final as (

    select
        customers.customer_id,
        min(batches.period_end_date) as first_known_date
    from customers
    left join batches
        on customers.batch_id = batches.batch_id
    group by customers.customer_id

)

select * from final
