{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
        pre_hook="{{ delete_reclassified_keys('int_clientes__parsed', 'customer_id', customer_check=false) }}",
    )
}}
{#
    Every raw customer row exactly once, classified as clean (the version kept),
    duplicate (an older or repeated version) or quarantined (fails validation).
    Deduplication: latest updated_at, then latest batch, then source file.

    Incremental: a new batch reclassifies only the customers it brings (every version of
    each) and the rows without an id, ranked together; the pre-hook deletes those rows
    first, so the table always equals a full refresh.
#}
with

customers as (

    select * from {{ ref('int_clientes__parsed') }}
    {%- if is_incremental() %}
    where {{ reclassified_filter('int_clientes__parsed', 'customer_id', customer_check=false) }}
    {%- endif %}

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
