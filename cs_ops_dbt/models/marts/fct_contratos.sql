{{ config(materialized='view') }}
{#
    A view over the incremental int_contratos__vigencias (a projection of its columns):
    a new batch never re-copies the whole table, and a view is always equal to a
    full refresh. (An incremental table would pay a delete and an insert of the
    rewritten keys plus their compaction at the next checkpoint; the view pays
    nothing when it is built and a cheap filter when it is read.)
#}
with

contract_terms as (

    select * from {{ ref('int_contratos__vigencias') }}

),

final as (

    select
        contract_id,
        customer_id,
        plan,
        modules,
        seats,
        cycle_value,
        billing_cycle,
        billing_cycle_months,
        mrr,
        contract_movement,
        contract_status,
        cancellation_reason,
        start_date,
        end_date,
        cancelled_date,
        effective_end_date,
        has_invalid_seats,
        has_invalid_end_date,
        has_invalid_cancelled_date,
        updated_at,
        batch_id
    from contract_terms

)

select * from final
