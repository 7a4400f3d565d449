{#
    The user ids that exist: those with at least one raw version that passes the row
    rules, with the end of the first batch period that brought one (first_known_date).
    Usage events that name another user are quarantined as orphan_user.
#}
with

users as (

    select * from {{ ref('stg_erp__usuarios') }}
    where invalid_reason is null

),

batches as (

    select * from {{ ref('stg_erp__load_batches') }}

),

final as (

    select
        users.user_id,
        min(batches.period_end_date) as first_known_date
    from users
    left join batches
        on users.batch_id = batches.batch_id
    group by users.user_id

)

select * from final
