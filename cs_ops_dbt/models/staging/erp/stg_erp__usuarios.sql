with

source as (

    select * from {{ source('erp', 'usuarios') }}

),

renamed as (

    select

        ----------  ids
        nullif(trim(id_usuario), '') as user_id,
        nullif(trim(id_cliente), '') as customer_id,

        ----------  strings
        trim(nome) as user_name,
        {{ cs_normalize_email('email') }} as email,
        trim(cargo) as job_title,
        {{ cs_normalize_enum('status', cs_enum_values('user_status')) }} as user_status,

        ----------  dates
        {{ cs_parse_date('data_criacao') }} as created_date,
        {{ cs_utc_timestamp('updated_at') }} as updated_at,

        ----------  raw text kept for flags
        data_criacao as created_date_raw,

        ----------  lineage
        _batch_id as batch_id,
        _source_file as source_file,
        {{ cs_utc_timestamp('_loaded_at') }} as loaded_at,
        {{ cs_json_object([
            'id_usuario', 'id_cliente', 'nome', 'email', 'cargo', 'data_criacao', 'status', ['updated_at', cs_timestamp_text('updated_at')],
        ]) }} as raw_values

    from source

),

flagged as (

    select
        *,

        ----------  booleans
        {{ cs_is_valid_email('email') }} as is_valid_email,
        {{ cs_is_unparsed('created_date_raw', 'created_date') }} as has_invalid_created_date,

        ----------  the reason to quarantine the row, if any
        case
            when user_id is null then 'missing_user_id'
            when customer_id is null then 'missing_customer_id'
        end as invalid_reason

    from renamed

)

select * from flagged
