{#
    One row per clean user: the version of each user int_usuarios__classified keeps.
#}
with

users as (

    select * from {{ ref('int_usuarios__classified') }}
    where record_status = 'clean'

),

final as (

    select
        user_id,
        customer_id,
        user_name,
        email,
        job_title,
        user_status,
        created_date,
        is_valid_email,
        updated_at,
        batch_id
    from users

)

select * from final
