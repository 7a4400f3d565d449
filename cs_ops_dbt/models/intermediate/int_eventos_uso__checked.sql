{{ config(materialized='view') }}
{#
    Usage events with the batch period they arrived in and the reason to reject
    them (row rules from staging, or a timestamp after the end of its batch period).
    Orphan customers are checked later, against the final customer list.
#}
with

events as (

    select * from {{ ref('stg_erp__eventos_uso') }}

),

batches as (

    select * from {{ ref('stg_erp__load_batches') }}

),

checked as (

    select
        events.*,
        cast(events.occurred_at as date) as event_date,
        batches.period_end_date as known_date,
        case
            when events.invalid_reason is not null then events.invalid_reason
            when cast(events.occurred_at as date) > {{ cs_date_add('batches.period_end_date', 1) }}
                then 'future_timestamp'
        end as rejection_reason
    from events
    left join batches
        on events.batch_id = batches.batch_id

)

select * from checked
