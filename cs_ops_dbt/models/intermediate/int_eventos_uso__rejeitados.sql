{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
    )
}}
{#
    Usage events rejected by the row rules (staging) or for a timestamp after their
    batch period, one row per raw row with its raw values as sent, as JSON text
    (usage_event_raw_values: the raw columns, not the cleaned ones). Rejection
    depends only on the row and its batch, so each batch is read once: incremental
    runs read the batches after the last one that had a rejected row.
#}
{#- the batch ledger, for the partitions of the new batches (read when compiling) #}
{%- set batches = ref('stg_erp__load_batches') %}
with

checked as (

    select * from {{ ref('int_eventos_uso__checked') }}
    where rejection_reason is not null
    {% if is_incremental() %}
        {%- set since = incremental_max_literal('batch_id', "''") %}
        and batch_id > {{ since }}
        {{ cs_new_batch_partitions('loaded_at', 'timestamp', batches, 'loaded_at', since) }}
    {% endif %}

),

final as (

    select
        batch_id,
        source_file,
        event_id,
        rejection_reason,
        {{ usage_event_raw_values() }} as raw_values
    from checked

)

select * from final
