{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
        partition_by=cs_partition_by('usage_month', 'month'),
        cluster_by=cs_cluster_by(['customer_id']),
    )
}}
{#
    Usage aggregated once per customer, user, calendar month of the event and the
    date the events became known (the end of the batch period they arrived in): the
    one pass over the event history that every usage feature is built from.
    modules_mask has one bit per module used (see cs_module_bit), so the modules used
    by several users combine with bit_or. A batch has a single known_date, so a new
    batch only appends rows and never changes an existing one.
#}
{#- the batch ledger, for the partitions of the new batches (read when compiling) #}
{%- set batches = ref('stg_erp__load_batches') %}
with

events as (

    select * from {{ ref('int_eventos_uso__deduplicated') }}
    {% if is_incremental() %}
    {%- set since = incremental_max_literal('batch_id', "''") %}
    where batch_id > {{ since }}
        {{ cs_new_batch_partitions('known_date', 'date', batches, 'period_end_date', since) }}
    {% endif %}

),

aggregated as (

    select
        customer_id,
        user_id,
        {{ cs_month_start('event_date') }} as usage_month,
        known_date,
        max(batch_id) as batch_id,
        count(*) as events,
        {{ cs_sum_int('duration_seconds') }} as duration_seconds,
        bit_or({{ cs_module_bit('module') }}) as modules_mask,
        {{ cs_run_started_at() }} as processed_at
    from events
    group by
        customer_id,
        user_id,
        {{ cs_month_start('event_date') }},
        known_date

)

select * from aggregated
