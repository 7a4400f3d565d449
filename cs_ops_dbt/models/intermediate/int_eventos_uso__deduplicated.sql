{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
        partition_by=cs_partition_by('known_date'),
        cluster_by=cs_cluster_by(['customer_id']),
    )
}}
{#
    Valid usage events, one row per event id. Events never change, so the first
    version seen (earliest batch, then source file, then the smallest values: rows
    that share an id inside one file are told apart by their content, so every run
    keeps the same one) is kept and later re-sends are duplicates: a new batch only
    appends, and history is never rewritten.
    Incremental runs read only batches after the last one processed.

    is_orphan_candidate: the customer or user id was unknown when the row was
    written. Known ids only ever get added, so every event that is an orphan under
    the final id lists is a candidate: fct_quarentena re-checks only the candidates
    (a few rows) instead of every event. candidate_raw_values: a candidate's values
    as sent (usage_event_raw_values), for the quarantine while it is an orphan; null
    for every other event, so the history stores no raw texts. processed_at (the
    run's start) lets the tests check only the rows written by the latest run.
    event_key, a 32-bit hash of event_id (cs_lookup_key), lets a new batch and the
    tests look its ids up in the history as integers.
#}
{#- the batch ledger, for the partitions of the new batches (read when compiling) #}
{%- set batches = ref('stg_erp__load_batches') %}
{#- the columns the model keeps (event_key, is_orphan_candidate, candidate_raw_values: added below) #}
{%- set columns = [
    'event_id', 'customer_id', 'user_id', 'module', 'feature', 'duration_seconds',
    'occurred_at', 'event_date', 'batch_id', 'known_date', 'loaded_at',
] %}
with

events as (

    select * from {{ ref('int_eventos_uso__checked') }}
    where rejection_reason is null
    {% if is_incremental() %}
        {#- the newest batch kept: each batch's rows sit in its period end's partition #}
        {%- set since = incremental_batch_watermark('known_date', batches, 'period_end_date') %}
        and batch_id > {{ since }}
        {{ cs_new_batch_partitions('loaded_at', 'timestamp', batches, 'loaded_at', since) }}
    {% endif %}

),

known_customers as (

    select customer_id from {{ ref('int_clientes__known') }}

),

known_users as (

    select user_id from {{ ref('int_usuarios__known') }}

),

{#
    Most events arrive once: only ids seen more than once need ranking. Grouping on
    a hash of the id (cs_lookup_key) is much cheaper than on the text; a hash collision
    only sends two different ids down the ranking path, which compares the ids themselves.
    events_hashed is read three times, so DuckDB materializes it: it holds only the
    columns kept (and source_file, for the ranking), not the raw texts and reasons;
    the raw values only as the JSON of the few candidates.
    The orphan candidates are flagged in a subquery, not a CTE: DuckDB would
    materialize such a CTE with every raw column of every event (+0.7 GB at 6M events).
    in (subquery) looks the ids up in hash tables of the known ids; a left join let
    the engine hash the new batch with all its columns instead (~0.3 s per 1M rows).
    A null or unknown id is a candidate.
#}
events_hashed as (

    select
        {{ columns | join(', ') }},
        source_file,
        {{ cs_lookup_key('event_id') }} as event_key,
        is_orphan_candidate,
        case when is_orphan_candidate then {{ usage_event_raw_values() }} end as candidate_raw_values
    from (
        select
            *,
            (
                not coalesce(customer_id in (select customer_id from known_customers), false)
                or not coalesce(user_id in (select user_id from known_users), false)
            ) as is_orphan_candidate
        from events
    ) as events_flagged

),

repeated_keys as (

    select event_key
    from events_hashed
    group by event_key
    having count(*) > 1

),

arrived_once as (

    select events_hashed.*
    from events_hashed
    left join repeated_keys
        on events_hashed.event_key = repeated_keys.event_key
    where repeated_keys.event_key is null

),

repeated_ranked as (

    select
        events_hashed.*,
        row_number() over (
            partition by events_hashed.event_id
            order by
                events_hashed.batch_id,
                events_hashed.source_file,
                {#- candidate_raw_values last: rows equal once cleaned but sent differently keep the same one every run #}
                {%- for column in ['customer_id', 'user_id', 'module', 'feature', 'occurred_at', 'duration_seconds', 'candidate_raw_values'] %}
                events_hashed.{{ column }} nulls last{{ ',' if not loop.last }}
                {%- endfor %}
        ) as version_rank
    from events_hashed
    inner join repeated_keys
        on events_hashed.event_key = repeated_keys.event_key

),

candidates as (

    select {{ columns | join(', ') }}, event_key, is_orphan_candidate, candidate_raw_values from arrived_once
    union all
    select {{ columns | join(', ') }}, event_key, is_orphan_candidate, candidate_raw_values from repeated_ranked where version_rank = 1

),

{% if is_incremental() %}
{#
    Ids of the new batch already kept by an earlier one. The stored hash of the id
    (event_key) is matched first: the history is scanned as integers, not as text,
    and only the few rows whose hash matches a new one bring their id along, which
    is then compared itself (a hash collision never drops an event).
#}
seen_before as (

    select distinct event_id
    from {{ this }}
    where event_key in (select event_key from candidates)

),

{# not exists: the engine hashes the few ids seen before, not the new batch #}
first_seen as (

    select candidates.*
    from candidates
    where not exists (
        select 1
        from seen_before
        where seen_before.event_id = candidates.event_id
    )

),
{% else %}
first_seen as (

    select * from candidates

),
{% endif %}

final as (

    select
        first_seen.*,
        {{ cs_run_started_at() }} as processed_at
    from first_seen

)

select * from final
