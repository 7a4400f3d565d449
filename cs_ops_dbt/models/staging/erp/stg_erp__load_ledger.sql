with

source as (

    select * from {{ source('erp', 'load_ledger') }}

),

renamed as (

    select

        ----------  ids
        batch_id,
        table_name,

        ----------  strings
        source_file,
        sha256,
        status as load_status,

        ----------  numerics
        row_count,

        ----------  timestamps
        {{ cs_utc_timestamp('loaded_at') }} as loaded_at

    from source

)

select * from renamed
