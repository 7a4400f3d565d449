{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
    )
}}
{#
    Usage per customer as of each month end (snapshot_date): events, active users,
    modules and minutes in the 30 days up to the snapshot date, and events in the
    30 days before those (for the trend). Point in time: an event counts only from
    the end of the batch period it arrived in (known_date), so late-arriving events
    never change a past snapshot. A new batch therefore only adds snapshot dates
    after the last one computed: incremental runs append, history stays untouched.
#}
with

events as (

    select * from {{ ref('int_eventos_uso__deduplicated') }}

),

calendar as (

    select * from {{ ref('int_calendario__as_of') }}

),

{% if is_incremental() %}
computed as (

    select cast({{ incremental_max_literal('snapshot_date', "'1900-01-01'") }} as date) as last_computed_date

),
{% endif %}

daily as (

    select
        events.customer_id,
        events.user_id,
        events.module,
        events.event_date,
        events.known_date,
        count(*) as events,
        {{ cs_sum_int('events.duration_seconds') }} as duration_seconds
    from events
    {% if is_incremental() %}
    where events.event_date > {{ cs_date_add("cast(" ~ incremental_max_literal('snapshot_date', "'1900-01-01'") ~ " as date)", -62) }}
    {% endif %}
    group by
        events.customer_id,
        events.user_id,
        events.module,
        events.event_date,
        events.known_date

),

month_offsets as (

    select 0 as month_offset
    union all
    select 1 as month_offset
    union all
    select 2 as month_offset

),

candidate_snapshots as (

    {# the month ends 0, 1 and 2 months after the event's month: the only ones within 59 days #}
    select
        daily.*,
        {{ cs_month_end(cs_date_add(cs_month_start('daily.event_date'), 'month_offsets.month_offset', 'month')) }} as snapshot_date
    from daily
    cross join month_offsets

),

windows as (

    select
        candidate_snapshots.*,
        {{ cs_date_diff('candidate_snapshots.event_date', 'candidate_snapshots.snapshot_date') }} as days_before_snapshot
    from candidate_snapshots
    cross join calendar
    {% if is_incremental() %}
    cross join computed
    {% endif %}
    where candidate_snapshots.snapshot_date <= calendar.last_snapshot_date
        and candidate_snapshots.known_date <= candidate_snapshots.snapshot_date
        {% if is_incremental() %}
        and candidate_snapshots.snapshot_date > computed.last_computed_date
        {% endif %}

),

aggregated as (

    select
        customer_id,
        snapshot_date,
        {{ cs_sum_int('case when days_before_snapshot < 30 then events else 0 end') }} as events_30d,
        {{ cs_sum_int('case when days_before_snapshot >= 30 then events else 0 end') }} as events_prev_30d,
        count(distinct case when days_before_snapshot < 30 then user_id end) as active_users_30d,
        count(distinct case when days_before_snapshot < 30 then module end) as modules_used_30d,
        sum(case when days_before_snapshot < 30 then duration_seconds else 0 end) / 60.0 as usage_minutes_30d
    from windows
    where days_before_snapshot between 0 and 59
    group by
        customer_id,
        snapshot_date

)

select * from aggregated
