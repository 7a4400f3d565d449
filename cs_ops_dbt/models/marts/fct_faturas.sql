{{ config(materialized='view') }}
{#
    A view over the clean rows of the incremental int_faturas__classified:
    a new batch never re-copies the whole table, and a view is always equal to a
    full refresh. (An incremental table would pay a delete and an insert of the
    rewritten keys plus their compaction at the next checkpoint; the view pays
    nothing when it is built and a cheap filter when it is read.)
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
