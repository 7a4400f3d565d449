{{ config(materialized='view') }}
{#
    Clean usage events: deduplicated, valid, and of a known customer and user. A view
    over the incremental int_eventos_uso__deduplicated, so a new batch is never
    re-copied. Only rows flagged is_orphan_candidate can be orphans, so the rest pass
    on a boolean and the candidates are checked against int_eventos_uso__orfaos.
#}
{%- set columns = [
    'event_id', 'customer_id', 'user_id', 'module', 'feature', 'duration_seconds',
    'occurred_at', 'event_date', 'batch_id', 'known_date', 'loaded_at',
] %}
with

events as (

    select * from {{ ref('int_eventos_uso__deduplicated') }}

),

orphans as (

    select * from {{ ref('int_eventos_uso__orfaos') }}

),

known_candidates as (

    select events.*
    from events
    left join orphans
        on events.event_id = orphans.event_id
    where events.is_orphan_candidate
        and orphans.event_id is null

),

final as (

    select {{ columns | join(', ') }}
    from events
    where not events.is_orphan_candidate
    union all
    select {{ columns | join(', ') }}
    from known_candidates

)

select * from final
