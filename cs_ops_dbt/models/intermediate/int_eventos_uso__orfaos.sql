{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
        pre_hook=[
            "{{ recheck_event_orphans('customers') }}",
            "{{ recheck_event_orphans('users') }}",
        ],
    )
}}
{#
    First-seen usage events whose customer or user id matches no known record
    (checked against the final id lists), with the reason. Only the rows flagged
    is_orphan_candidate when written can be orphans (known ids only get added), so
    this reads a handful of rows, not the whole history.
    Incremental: the pre-hooks re-check the stored orphans (one whose customer
    arrived becomes orphan_user, one whose user arrived too leaves) and the model adds
    the orphans of the batches after the last one stored. An older batch with no
    orphan stored had none when it was processed, so it never has one later.
#}
with

candidates as (

    select * from {{ ref('int_eventos_uso__deduplicated') }}
    where is_orphan_candidate
    {% if is_incremental() %}
        and batch_id > {{ incremental_max_literal('batch_id', "''") }}
    {% endif %}

),

known_customers as (

    select * from {{ ref('int_clientes__known') }}

),

known_users as (

    select * from {{ ref('int_usuarios__known') }}

),

final as (

    select
        candidates.event_id,
        candidates.customer_id,
        candidates.user_id,
        candidates.module,
        candidates.feature,
        candidates.occurred_at,
        candidates.duration_seconds,
        candidates.batch_id,
        case
            when known_customers.customer_id is null then 'orphan_customer'
            else 'orphan_user'
        end as rejection_reason
    from candidates
    left join known_customers
        on candidates.customer_id = known_customers.customer_id
    left join known_users
        on candidates.user_id = known_users.user_id
    where known_customers.customer_id is null
        or known_users.user_id is null

)

select * from final
