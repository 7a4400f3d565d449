{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
    )
}}
{#
    Valid usage events, one row per event id. Events never change, so the first
    version seen (earliest batch, then source file) is kept and later re-sends are
    duplicates: a new batch only appends, and history is never rewritten.
    Incremental runs read only batches after the last one processed.
#}
with

events as (

    select * from {{ ref('int_eventos_uso__checked') }}
    where rejection_reason is null
    {% if is_incremental() %}
        and batch_id > (select max(batch_id) from {{ this }})
    {% endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by event_id
            order by batch_id, source_file
        ) as version_rank
    from events

),

first_seen as (

    select
        event_id,
        customer_id,
        user_id,
        module,
        feature,
        duration_seconds,
        occurred_at,
        event_date,
        batch_id,
        known_date,
        loaded_at
    from ranked
    where version_rank = 1
    {% if is_incremental() %}
        and not exists (
            select 1
            from {{ this }} as existing
            where existing.event_id = ranked.event_id
        )
    {% endif %}

)

select * from first_seen
