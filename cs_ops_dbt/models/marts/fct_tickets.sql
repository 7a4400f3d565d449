{{ config(materialized='view') }}
{#
    A view over the clean rows of int_tickets__classified:
    nothing is copied, and it always shows what its source holds.
#}
with

tickets as (

    select * from {{ ref('int_tickets__classified') }}
    where record_status = 'clean'

),

final as (

    select
        ticket_id,
        customer_id,
        priority,
        category,
        ticket_status,
        opened_at,
        first_response_at,
        resolved_at,
        csat,
        {{ cs_timestamp_diff_seconds('opened_at', 'first_response_at') }} / 3600.0 as first_response_hours,
        {{ cs_timestamp_diff_seconds('opened_at', 'resolved_at') }} / 3600.0 as resolution_hours,
        has_invalid_csat,
        has_invalid_timestamp,
        has_time_before_opening,
        updated_at,
        batch_id
    from tickets

)

select * from final
