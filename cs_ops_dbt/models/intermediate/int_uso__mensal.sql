{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
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
with

events as (

    select * from {{ ref('int_eventos_uso__deduplicated') }}
    {% if is_incremental() %}
    where batch_id > {{ incremental_max_literal('batch_id', "''") }}
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
