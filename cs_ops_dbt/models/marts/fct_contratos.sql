{{ config(materialized='view') }}
{#
    A view over the int_contratos__vigencias (a projection of its columns):
    nothing is copied, and it always shows what its source holds.
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
