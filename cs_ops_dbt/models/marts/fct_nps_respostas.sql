{{ config(materialized='view') }}
{#
    A view over the clean rows of int_nps_respostas__classified:
    nothing is copied, and it always shows what its source holds.
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
