{#
    Every raw faturas row exactly once, classified as clean (the version kept),
    duplicate (an older or repeated version) or quarantined (fails validation,
    points to an unknown customer).
    Deduplication: latest updated_at, then latest batch, then source file.
#}
with

records as (

    select * from {{ ref('stg_erp__faturas') }}

),

batches as (

    select * from {{ ref('stg_erp__load_batches') }}

),

known_customers as (

    select distinct customer_id
    from {{ ref('stg_erp__clientes') }}
    where invalid_reason is null

),

checked as (

    select
        records.*,
        batches.period_end_date as known_date,
        case
            when records.invalid_reason is not null then records.invalid_reason
            when known_customers.customer_id is null then 'orphan_customer'
        end as rejection_reason
    from records
    left join batches
        on records.batch_id = batches.batch_id
    left join known_customers
        on records.customer_id = known_customers.customer_id

),

{{ classify_versions('invoice_id') }}
