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

{#
    Two imports of the same model, one per branch: a CTE read twice is materialized
    (DuckDB), which would copy every event with all its columns before filtering.
    Read once each, a count per batch reads just the columns it needs.
#}
non_candidates as (

    select * from {{ ref('int_eventos_uso__deduplicated') }}
    where not is_orphan_candidate

),

candidates as (

    select * from {{ ref('int_eventos_uso__deduplicated') }}
    where is_orphan_candidate

),

orphans as (

    select * from {{ ref('int_eventos_uso__orfaos') }}

),

known_candidates as (

    select candidates.*
    from candidates
    left join orphans
        on candidates.event_id = orphans.event_id
    where orphans.event_id is null

),

final as (

    select {{ columns | join(', ') }}
    from non_candidates
    union all
    select {{ columns | join(', ') }}
    from known_candidates

)

select * from final
