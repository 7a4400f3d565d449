with

source as (

    select * from {{ source('erp', 'load_batches') }}

),

renamed as (

    select

        ----------  ids
        batch_id,

        ----------  dates
        cast(period_start as date) as period_start_date,
        cast(period_end as date) as period_end_date,
        {{ cs_utc_timestamp('loaded_at') }} as loaded_at

    from source

)

select * from renamed
