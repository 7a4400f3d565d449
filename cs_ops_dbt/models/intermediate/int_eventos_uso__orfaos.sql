{#
    First-seen usage events whose customer or user id matches no known record
    (checked against the final id lists), with the reason: customer_quarantined when
    the customer was sent but is in quarantine (int_clientes__quarantined),
    orphan_customer when it is otherwise unknown, else orphan_user; and the raw
    values as sent, which int_eventos_uso__deduplicated keeps for the candidates.
    Only the rows flagged is_orphan_candidate when written can be orphans (known ids
    only get added), so this reads a handful of rows, not the whole history; rebuilt
    in full on every run, so an orphan whose customer or user arrived later leaves
    or changes its reason at once.
#}
with

candidates as (

    select * from {{ ref('int_eventos_uso__deduplicated') }}
    where is_orphan_candidate

),

known_customers as (

    select * from {{ ref('int_clientes__known') }}

),

quarantined_customers as (

    select * from {{ ref('int_clientes__quarantined') }}

),

known_users as (

    select * from {{ ref('int_usuarios__known') }}

),

final as (

    select
        candidates.event_id,
        candidates.customer_id,
        candidates.user_id,
        candidates.batch_id,
        candidates.candidate_raw_values as raw_values,
        case
            when quarantined_customers.customer_id is not null then 'customer_quarantined'
            when known_customers.customer_id is null then 'orphan_customer'
            else 'orphan_user'
        end as rejection_reason
    from candidates
    left join known_customers
        on candidates.customer_id = known_customers.customer_id
    left join quarantined_customers
        on candidates.customer_id = quarantined_customers.customer_id
    left join known_users
        on candidates.user_id = known_users.user_id
    where known_customers.customer_id is null
        or known_users.user_id is null

)

select * from final
