{{ config(materialized='view') }}
{#
    A view over the clean rows of the incremental int_nps_respostas__classified:
    a new batch never re-copies the whole table, and a view is always equal to a
    full refresh. (An incremental table would pay a delete and an insert of the
    rewritten keys plus their compaction at the next checkpoint; the view pays
    nothing when it is built and a cheap filter when it is read.)
#}
with

responses as (

    select * from {{ ref('int_nps_respostas__classified') }}
    where record_status = 'clean'

),

final as (

    select
        response_id,
        customer_id,
        user_id,
        answered_date,
        score,
        case
            when score >= 9 then 'promotor'
            when score >= 7 then 'neutro'
            else 'detrator'
        end as nps_category,
        comment,
        updated_at,
        batch_id
    from responses

)

select * from final
