{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
    )
}}
{#
    Row counts of the usage events per batch, written once when the batch is
    processed: raw rows, rows that pass the row rules (valid) and valid rows seen for
    the first time (kept in int_eventos_uso__deduplicated; the rest are re-sends).
    Batches never change once loaded, so a new batch only appends its own row and
    the data-quality mart never re-counts the whole event history.
#}
{%- set since = incremental_max_literal('batch_id', "''") if is_incremental() else none %}
{#- the batch ledger, for the partitions of the new batches (read when compiling) #}
{%- set batches = ref('stg_erp__load_batches') %}
with

checked as (

    select batch_id, rejection_reason
    from {{ ref('int_eventos_uso__checked') }}
    {% if since is not none %}
    where batch_id > {{ since }}
        {{ cs_new_batch_partitions('loaded_at', 'timestamp', batches, 'loaded_at', since) }}
    {% endif %}

),

first_seen as (

    select batch_id, count(*) as first_seen_rows
    from {{ ref('int_eventos_uso__deduplicated') }}
    {% if since is not none %}
    where batch_id > {{ since }}
        {{ cs_new_batch_partitions('known_date', 'date', batches, 'period_end_date', since) }}
    {% endif %}
    group by batch_id

),

raw_counts as (

    select
        batch_id,
        count(*) as raw_rows,
        {{ cs_count_if('rejection_reason is null') }} as valid_rows
    from checked
    group by batch_id

),

final as (

    select
        raw_counts.batch_id,
        raw_counts.raw_rows,
        raw_counts.valid_rows,
        coalesce(first_seen.first_seen_rows, 0) as first_seen_rows
    from raw_counts
    left join first_seen
        on raw_counts.batch_id = first_seen.batch_id

)

select * from final
