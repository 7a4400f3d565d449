with

source as (

    select * from {{ source('erp', 'usuarios') }}

),

batch_periods as (

    select
        batch_id,
        cast(period_end as date) as period_end_date
    from {{ source('erp', 'load_batches') }}

),

renamed as (

    select

        ----------  ids
        {{ cs_normalize_id('id_usuario') }} as user_id,
        {{ cs_normalize_id('id_cliente') }} as customer_id,

        ----------  strings
        {{ cs_clean_text('nome') }} as user_name,
        {{ cs_normalize_email('email') }} as email,
        {{ cs_clean_text('cargo') }} as job_title,
        {{ cs_normalize_enum('status', cs_enum_values('user_status')) }} as user_status,

        ----------  dates
        {{ cs_parse_date('data_criacao') }} as created_date,
        {{ cs_utc_timestamp('updated_at') }} as updated_at,

        ----------  raw text kept for flags
        id_usuario as user_id_raw,
        id_cliente as customer_id_raw,
        data_criacao as created_date_raw,

        ----------  lineage
        _batch_id as batch_id,
        batch_periods.period_end_date as batch_period_end_date,
        _source_file as source_file,
        {{ cs_utc_timestamp('_loaded_at') }} as loaded_at,
        {{ cs_json_object([
            'id_usuario', 'id_cliente', 'nome', 'email', 'cargo', 'data_criacao', 'status', ['updated_at', cs_timestamp_text('updated_at')],
        ]) }} as raw_values

    from source
    left join batch_periods
        on source._batch_id = batch_periods.batch_id

),

flagged as (

    select
        *,

        ----------  booleans
        {{ cs_is_valid_email('email') }} as is_valid_email,
        {# descriptive only (no fact uses it): an unreadable or implausible creation date is flagged, not quarantined #}
        (
            {{ cs_is_unparsed('created_date_raw', 'created_date') }}
            or {{ cs_is_implausible_date('created_date', 'batch_period_end_date') }}
        ) as has_invalid_created_date,

        ----------  the reason to quarantine the row, if any
        {# the first rule a row breaks, in this order; null = none #}
        coalesce(
            {{ cs_id_reason('user_id_raw', 'user_id') }},
            {{ cs_id_reason('customer_id_raw', 'customer_id') }},
            case
                when {{ cs_is_implausible_date('updated_at', 'batch_period_end_date') }} then 'implausible_updated_at'
            end
        ) as invalid_reason

    from renamed

)

select * from flagged
