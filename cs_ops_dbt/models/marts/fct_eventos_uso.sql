{{ config(materialized='view') }}
{#
    Clean usage events: deduplicated, valid, and of a known customer. A view over
    the incremental int_eventos_uso__deduplicated, so a new batch is never re-copied.
#}
with

events as (

    select * from {{ ref('int_eventos_uso__deduplicated') }}

),

customers as (

    select * from {{ ref('dim_clientes') }}

),

final as (

    select events.*
    from events
    inner join customers
        on events.customer_id = customers.customer_id

)

select * from final
