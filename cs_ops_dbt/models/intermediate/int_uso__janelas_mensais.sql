{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
        partition_by=cs_partition_by('snapshot_date', 'month'),
        cluster_by=cs_cluster_by(['customer_id']),
    )
}}
{#
    Usage per customer as of each month end (snapshot_date): events, active users,
    modules and minutes in the calendar month that ends on the snapshot date, and
    events in the month before (for the trend). Built from the monthly aggregate
    int_uso__mensal, never from the raw events.
    Point in time: events count only from the end of the batch period they arrived
    in (known_date), and only for users known by the snapshot date (a user row that
    arrives late counts from its own batch), so later batches never change a past
    snapshot. A new batch therefore only adds snapshot dates after the last one
    computed: incremental runs append, history stays untouched.
#}
{%- set last_computed = incremental_max_literal('snapshot_date', "'1900-01-01'") if is_incremental() else none %}
{#- the latest snapshot date of this run (read when compiling, like last_computed): no new month end, no scan #}
{%- set calendar_end = max_literal(ref('int_calendario__as_of'), 'last_snapshot_date', none)
    if last_computed is not none else none %}
with

usage as (

    select * from {{ ref('int_uso__mensal') }}
    {% if last_computed is not none %}
    {# a new snapshot's month, or the month before it, is on or after the last computed month #}
    where usage_month >= {{ cs_month_start('cast(' ~ last_computed ~ ' as date)') }}
    {% if calendar_end is not none %}
        and usage_month <= cast({{ calendar_end }} as date)
        {% if calendar_end <= last_computed %}
        {# no month end after the last computed one: nothing to add #}
        and 1 = 0
        {% endif %}
    {% endif %}
    {% endif %}

),

known_users as (

    select * from {{ ref('int_usuarios__known') }}

),

calendar as (

    select * from {{ ref('int_calendario__as_of') }}

),

month_offsets as (

    select 0 as month_offset
    union all
    select 1 as month_offset

),

windows as (

    {# month_offset 0: the snapshot's own month; 1: the month before it #}
    select
        usage.*,
        month_offsets.month_offset,
        {{ cs_month_end(cs_date_add('usage.usage_month', 'month_offsets.month_offset', 'month')) }} as snapshot_date,
        known_users.first_known_date as user_known_date
    from usage
    cross join month_offsets
    inner join known_users
        on usage.user_id = known_users.user_id
    {% if last_computed is not none %}
    {# the new snapshot dates only, before anything else is joined #}
    where {{ cs_month_end(cs_date_add('usage.usage_month', 'month_offsets.month_offset', 'month')) }}
        > cast({{ last_computed }} as date)
    {% endif %}

),

known_by_snapshot as (

    select windows.*
    from windows
    cross join calendar
    where windows.snapshot_date <= calendar.last_snapshot_date
        and windows.known_date <= windows.snapshot_date
        and windows.user_known_date <= windows.snapshot_date
        {% if last_computed is not none %}
        and windows.snapshot_date > cast({{ last_computed }} as date)
        {% endif %}

),

aggregated as (

    select
        customer_id,
        snapshot_date,
        {{ cs_sum_int('case when month_offset = 0 then events else 0 end') }} as events_30d,
        {{ cs_sum_int('case when month_offset = 1 then events else 0 end') }} as events_prev_30d,
        count(distinct case when month_offset = 0 then user_id end) as active_users_30d,
        cast(bit_count(bit_or(case when month_offset = 0 then modules_mask else 0 end)) as {{ cs_type('int') }}) as modules_used_30d,
        sum(case when month_offset = 0 then duration_seconds else 0 end) / 60.0 as usage_minutes_30d
    from known_by_snapshot
    group by
        customer_id,
        snapshot_date

)

select * from aggregated
