{{ config(materialized='view') }}
{#
    A view over the clean rows of int_faturas__classified:
    nothing is copied, and it always shows what its source holds.
#}
with

invoices as (

    select * from {{ ref('int_faturas__classified') }}
    where record_status = 'clean'

),

final as (

    select
        invoice_id,
        customer_id,
        contract_id,
        billing_month,
        issued_date,
        due_date,
        paid_date,
        amount,
        invoice_status,
        {{ cs_date_diff('due_date', 'paid_date') }} as payment_delay_days,
        (paid_date > due_date) as is_paid_late,
        has_invalid_paid_date,
        updated_at,
        batch_id
    from invoices

)

select * from final
