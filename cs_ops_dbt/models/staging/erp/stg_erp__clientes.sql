with

source as (

    select * from {{ source('erp', 'clientes') }}

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
        {{ cs_normalize_id('id_cliente') }} as customer_id,

        ----------  strings
        {{ cs_clean_text('razao_social') }} as company_name,
        {{ cs_normalize_cnpj('cnpj') }} as cnpj,
        {{ cs_normalize_enum('segmento', cs_enum_values('segment')) }} as segment,
        {{ cs_normalize_enum('porte', cs_enum_values('company_size')) }} as company_size,
        upper({{ cs_clean_text('uf') }}) as uf,
        {{ cs_clean_text('cidade') }} as city,
        {{ cs_clean_text('csm_responsavel') }} as csm_owner,
        {{ cs_normalize_email('email_contato') }} as contact_email,
        {{ cs_normalize_enum('status', cs_enum_values('account_status')) }} as account_status,

        ----------  dates
        {{ cs_parse_date('data_cadastro') }} as signup_date,
        {{ cs_utc_timestamp('updated_at') }} as updated_at,

        ----------  raw text kept for flags
        id_cliente as customer_id_raw,
        cnpj as cnpj_raw,
        segmento as segment_raw,
        porte as company_size_raw,
        data_cadastro as signup_date_raw,

        ----------  lineage
        _batch_id as batch_id,
        batch_periods.period_end_date as batch_period_end_date,
        _source_file as source_file,
        {{ cs_utc_timestamp('_loaded_at') }} as loaded_at,
        {{ cs_json_object([
            'id_cliente', 'razao_social', 'cnpj', 'segmento', 'porte', 'uf', 'cidade',
            'csm_responsavel', 'data_cadastro', 'email_contato', 'status', ['updated_at', cs_timestamp_text('updated_at')],
        ]) }} as raw_values

    from source
    left join batch_periods
        on source._batch_id = batch_periods.batch_id

),

flagged as (

    select
        *,

        ----------  booleans
        {{ cs_is_valid_cnpj('cnpj') }} as is_valid_cnpj,
        {{ cs_is_valid_email('contact_email') }} as is_valid_email,
        {{ cs_is_unparsed('signup_date_raw', 'signup_date') }} as has_invalid_signup_date,
        (segment is null and {{ cs_clean_text('segment_raw') }} is not null) as has_unknown_segment,
        (company_size is null and {{ cs_clean_text('company_size_raw') }} is not null) as has_unknown_company_size,

        ----------  the reason to quarantine the row, if any
        {# the first rule a row breaks, in this order; null = none #}
        coalesce(
            {{ cs_id_reason('customer_id_raw', 'customer_id') }},
            {{ cs_date_reason('signup_date_raw', 'signup_date', 'signup_date', 'batch_period_end_date') }},
            case
                when {{ cs_is_implausible_date('updated_at', 'batch_period_end_date') }} then 'implausible_updated_at'
            end
        ) as invalid_reason

    from renamed

)

select * from flagged
