{#
    Every raw customer row exactly once, classified as clean (the version kept),
    duplicate (an older or repeated version) or quarantined (fails validation).
    Deduplication: latest updated_at, then latest batch, then source file.
#}
with

customers as (

    select * from {{ ref('stg_erp__clientes') }}

),

batches as (

    select * from {{ ref('stg_erp__load_batches') }}

),

checked as (

    select
        customers.*,
        batches.period_end_date as known_date,
        customers.invalid_reason as rejection_reason
    from customers
    left join batches
        on customers.batch_id = batches.batch_id

),

{{ classify_versions('customer_id') }}
