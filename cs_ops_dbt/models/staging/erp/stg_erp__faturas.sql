with

source as (

    select * from {{ source('erp', 'faturas') }}

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
        {{ cs_normalize_id('id_fatura') }} as invoice_id,
        {{ cs_normalize_id('id_cliente') }} as customer_id,
        {{ cs_normalize_id('id_contrato') }} as contract_id,

        ----------  strings
        {{ cs_normalize_enum('status', cs_enum_values('invoice_status')) }} as invoice_status,

        ----------  numerics
        {{ cs_parse_brl('valor') }} as amount,

        ----------  dates
        {{ cs_parse_date("concat(" ~ cs_clean_text('competencia') ~ ", '-01')") }} as billing_month,
        {{ cs_parse_date('data_emissao') }} as issued_date,
        {{ cs_parse_date('data_vencimento') }} as due_date,
        {{ cs_parse_date('data_pagamento') }} as paid_date,
        {{ cs_utc_timestamp('updated_at') }} as updated_at,

        ----------  raw text kept for flags
        id_fatura as invoice_id_raw,
        id_cliente as customer_id_raw,
        id_contrato as contract_id_raw,
        status as invoice_status_raw,
        competencia as billing_month_raw,
        data_emissao as issued_date_raw,
        valor as amount_raw,
        data_vencimento as due_date_raw,
        data_pagamento as paid_date_raw,

        ----------  lineage
        _batch_id as batch_id,
        batch_periods.period_end_date as batch_period_end_date,
        _source_file as source_file,
        {{ cs_utc_timestamp('_loaded_at') }} as loaded_at,
        {{ cs_json_object([
            'id_fatura', 'id_cliente', 'id_contrato', 'competencia', 'data_emissao',
            'data_vencimento', 'data_pagamento', 'valor', 'status', ['updated_at', cs_timestamp_text('updated_at')],
        ]) }} as raw_values

    from source
    left join batch_periods
        on source._batch_id = batch_periods.batch_id

),

flagged as (

    select
        *,

        ----------  booleans
        {{ cs_is_unparsed('paid_date_raw', 'paid_date') }} as has_invalid_paid_date,

        ----------  the reason to quarantine the row, if any
        {# the first rule a row breaks, in this order; null = none #}
        coalesce(
            {{ cs_id_reason('invoice_id_raw', 'invoice_id') }},
            {{ cs_id_reason('customer_id_raw', 'customer_id') }},
            case when {{ cs_id_problem('contract_id_raw') }} = 'invalid' then 'invalid_contract_id' end,
            {{ cs_money_reason('amount_raw') }},
            case
                when amount < 0 then 'negative_value'
                when amount > {{ var('max_monthly_value_brl') }} then 'absurd_value'
            end,
            {{ cs_date_reason('billing_month_raw', 'billing_month', 'billing_month', 'batch_period_end_date') }},
            {{ cs_date_reason('issued_date_raw', 'issued_date', 'issued_date', 'batch_period_end_date', required=false) }},
            {{ cs_date_reason('due_date_raw', 'due_date', 'due_date', 'batch_period_end_date', scheduled=true) }},
            {{ cs_date_reason('paid_date_raw', 'paid_date', 'paid_date', 'batch_period_end_date', required=false) }},
            {{ cs_enum_reason('invoice_status_raw', 'invoice_status', 'invoice_status') }},
            case
                when {{ cs_is_implausible_date('updated_at', 'batch_period_end_date') }} then 'implausible_updated_at'
            end
        ) as invalid_reason

    from renamed

)

select * from flagged
