{#
    Every raw customer row exactly once, with its rejection reason (a row rule of
    staging, or null) and its record_status (classify_versions): quarantined, clean
    (the version kept) or duplicate (an older or repeated version).
    known_date: the end of the batch period that brought the row.
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
