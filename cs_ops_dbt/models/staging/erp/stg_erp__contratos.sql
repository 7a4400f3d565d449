with

source as (

    select * from {{ source('erp', 'contratos') }}

),

renamed as (

    select

        ----------  ids
        nullif(trim(id_contrato), '') as contract_id,
        nullif(trim(id_cliente), '') as customer_id,

        ----------  strings
        {{ cs_normalize_enum('plano', cs_enum_values('plan')) }} as plan,
        trim(modulos) as modules,
        {{ cs_normalize_enum('ciclo_cobranca', cs_enum_values('billing_cycle')) }} as billing_cycle,
        {{ cs_normalize_enum('tipo_movimento', cs_enum_values('contract_movement')) }} as contract_movement,
        {{ cs_normalize_enum('status', cs_enum_values('contract_status')) }} as contract_status,
        trim(motivo_cancelamento) as cancellation_reason,

        ----------  numerics
        licencas as seats_raw,
        {{ cs_parse_brl('valor_mensal') }} as cycle_value,

        ----------  dates
        {{ cs_parse_date('data_inicio') }} as start_date,
        {{ cs_parse_date('data_fim') }} as end_date,
        {{ cs_parse_date('data_cancelamento') }} as cancelled_date,
        {{ cs_utc_timestamp('updated_at') }} as updated_at,

        ----------  raw text kept for flags
        valor_mensal as cycle_value_raw,
        plano as plan_raw,
        data_inicio as start_date_raw,
        data_fim as end_date_raw,
        data_cancelamento as cancelled_date_raw,

        ----------  lineage
        _batch_id as batch_id,
        _source_file as source_file,
        {{ cs_utc_timestamp('_loaded_at') }} as loaded_at,
        {{ cs_json_object([
            'id_contrato', 'id_cliente', 'plano', 'modulos', 'licencas', 'valor_mensal',
            'ciclo_cobranca', 'tipo_movimento', 'data_inicio', 'data_fim', 'status',
            'data_cancelamento', 'motivo_cancelamento', ['updated_at', cs_timestamp_text('updated_at')],
        ]) }} as raw_values

    from source

),

normalised as (

    select
        *,

        ----------  numerics
        case
            when seats_raw between 0 and {{ var('max_seats') }} then seats_raw
        end as seats,
        case billing_cycle
            when 'Mensal' then 1
            when 'Trimestral' then 3
            when 'Anual' then 12
        end as billing_cycle_months,

        ----------  booleans
        (seats_raw is not null and not seats_raw between 0 and {{ var('max_seats') }}) as has_invalid_seats,
        {{ cs_is_unparsed('end_date_raw', 'end_date') }} as has_invalid_end_date,
        {{ cs_is_unparsed('cancelled_date_raw', 'cancelled_date') }} as has_invalid_cancelled_date,
        (plan is null and plan_raw is not null) as has_unknown_plan

    from renamed

),

flagged as (

    select
        *,
        round({{ cs_safe_divide('cycle_value', 'billing_cycle_months') }}, 2) as mrr,

        ----------  the reason to quarantine the row, if any
        case
            when contract_id is null then 'missing_contract_id'
            when customer_id is null then 'missing_customer_id'
            when start_date is null then 'invalid_start_date'
            when cycle_value is null then 'invalid_money'
            when cycle_value < 0 then 'negative_value'
            when cycle_value > {{ var('max_monthly_value_brl') }} then 'absurd_value'
            when billing_cycle_months is null then 'invalid_billing_cycle'
            when end_date < start_date then 'end_before_start'
        end as invalid_reason

    from normalised

)

select * from flagged
