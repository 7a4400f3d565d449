with

source as (

    select * from {{ source('erp', 'faturas') }}

),

renamed as (

    select

        ----------  ids
        nullif(trim(id_fatura), '') as invoice_id,
        nullif(trim(id_cliente), '') as customer_id,
        nullif(trim(id_contrato), '') as contract_id,

        ----------  strings
        {{ cs_normalize_enum('status', cs_enum_values('invoice_status')) }} as invoice_status,

        ----------  numerics
        {{ cs_parse_brl('valor') }} as amount,

        ----------  dates
        {{ cs_parse_date("trim(competencia) || '-01'") }} as billing_month,
        {{ cs_parse_date('data_emissao') }} as issued_date,
        {{ cs_parse_date('data_vencimento') }} as due_date,
        {{ cs_parse_date('data_pagamento') }} as paid_date,
        {{ cs_utc_timestamp('updated_at') }} as updated_at,

        ----------  raw text kept for flags
        valor as amount_raw,
        data_vencimento as due_date_raw,
        data_pagamento as paid_date_raw,

        ----------  lineage
        _batch_id as batch_id,
        _source_file as source_file,
        {{ cs_utc_timestamp('_loaded_at') }} as loaded_at,
        {{ cs_json_object([
            'id_fatura', 'id_cliente', 'id_contrato', 'competencia', 'data_emissao',
            'data_vencimento', 'data_pagamento', 'valor', 'status', ['updated_at', cs_timestamp_text('updated_at')],
        ]) }} as raw_values

    from source

),

flagged as (

    select
        *,

        ----------  booleans
        {{ cs_is_unparsed('paid_date_raw', 'paid_date') }} as has_invalid_paid_date,

        ----------  the reason to quarantine the row, if any
        case
            when invoice_id is null then 'missing_invoice_id'
            when customer_id is null then 'missing_customer_id'
            when amount is null then 'invalid_money'
            when amount < 0 then 'negative_value'
            when amount > {{ var('max_monthly_value_brl') }} then 'absurd_value'
            when due_date is null then 'invalid_due_date'
        end as invalid_reason

    from renamed

)

select * from flagged
