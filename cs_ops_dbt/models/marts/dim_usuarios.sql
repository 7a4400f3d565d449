{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
        pre_hook="{{ delete_rewritten_users() }}",
    )
}}
{#
    One row per clean user. Incremental: the users whose rows int_usuarios__classified
    wrote in its latest run (rewritten_users) are deleted by the pre-hook and inserted
    again, so the table always equals a full refresh.
#}
with

users as (

    select * from {{ ref('int_usuarios__classified') }}
    where record_status = 'clean'
    {% if is_incremental() %}
        and user_id in ({{ rewritten_users() }})
    {% endif %}

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
