with

source as (

    select * from {{ source('erp', 'contratos') }}

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
        {{ cs_normalize_id('id_contrato') }} as contract_id,
        {{ cs_normalize_id('id_cliente') }} as customer_id,

        ----------  strings
        {{ cs_normalize_enum('plano', cs_enum_values('plan')) }} as plan,
        {{ cs_normalize_module_list('modulos') }} as modules,
        {{ cs_normalize_enum('ciclo_cobranca', cs_enum_values('billing_cycle')) }} as billing_cycle,
        {{ cs_normalize_enum('tipo_movimento', cs_enum_values('contract_movement')) }} as contract_movement,
        {{ cs_normalize_enum('status', cs_enum_values('contract_status')) }} as contract_status,
        {{ cs_clean_text('motivo_cancelamento') }} as cancellation_reason,

        ----------  numerics
        licencas as seats_raw,
        {{ cs_parse_brl('valor_mensal') }} as cycle_value,

        ----------  dates
        {{ cs_parse_date('data_inicio') }} as start_date,
        {{ cs_parse_date('data_fim') }} as end_date,
        {{ cs_parse_date('data_cancelamento') }} as cancelled_date,
        {{ cs_utc_timestamp('updated_at') }} as updated_at,

        ----------  raw text kept for flags
        id_contrato as contract_id_raw,
        id_cliente as customer_id_raw,
        modulos as modules_raw,
        valor_mensal as cycle_value_raw,
        plano as plan_raw,
        data_inicio as start_date_raw,
        data_fim as end_date_raw,
        data_cancelamento as cancelled_date_raw,

        ----------  lineage
        _batch_id as batch_id,
        batch_periods.period_end_date as batch_period_end_date,
        _source_file as source_file,
        {{ cs_utc_timestamp('_loaded_at') }} as loaded_at,
        {{ cs_json_object([
            'id_contrato', 'id_cliente', 'plano', 'modulos', 'licencas', 'valor_mensal',
            'ciclo_cobranca', 'tipo_movimento', 'data_inicio', 'data_fim', 'status',
            'data_cancelamento', 'motivo_cancelamento', ['updated_at', cs_timestamp_text('updated_at')],
        ]) }} as raw_values

    from source
    left join batch_periods
        on source._batch_id = batch_periods.batch_id

),

normalised as (

    select
        *,

        ----------  numerics
        {{ cs_integer_in_range('seats_raw', 0, var('max_seats')) }} as seats,
        case billing_cycle
            when 'Mensal' then 1
            when 'Trimestral' then 3
            when 'Anual' then 12
        end as billing_cycle_months,

        ----------  booleans
        (seats_raw is not null and {{ cs_integer_in_range('seats_raw', 0, var('max_seats')) }} is null) as has_invalid_seats,
        {{ cs_is_unparsed('end_date_raw', 'end_date') }} as has_invalid_end_date,
        {{ cs_is_unparsed('cancelled_date_raw', 'cancelled_date') }} as has_invalid_cancelled_date,
        (plan is null and {{ cs_clean_text('plan_raw') }} is not null) as has_unknown_plan,
        (modules is null and {{ cs_clean_text('modules_raw') }} is not null) as has_invalid_modules

    from renamed

),

flagged as (

    select
        *,
        round({{ cs_safe_divide('cycle_value', 'billing_cycle_months') }}, 2) as mrr,

        ----------  the reason to quarantine the row, if any
        {# the first rule a row breaks, in this order; null = none #}
        coalesce(
            {{ cs_id_reason('contract_id_raw', 'contract_id') }},
            {{ cs_id_reason('customer_id_raw', 'customer_id') }},
            {{ cs_date_reason('start_date_raw', 'start_date', 'start_date', 'batch_period_end_date') }},
            {{ cs_date_reason('end_date_raw', 'end_date', 'end_date', 'batch_period_end_date', scheduled=true) }},
            {{ cs_date_reason('cancelled_date_raw', 'cancelled_date', 'cancelled_date', 'batch_period_end_date', required=false) }},
            {{ cs_money_reason('cycle_value_raw') }},
            case
                when cycle_value < 0 then 'negative_value'
                when cycle_value > {{ var('max_monthly_value_brl') }} then 'absurd_value'
                when billing_cycle_months is null then 'invalid_billing_cycle'
                when end_date < start_date then 'end_before_start'
                when {{ cs_is_implausible_date('updated_at', 'batch_period_end_date') }} then 'implausible_updated_at'
            end
        ) as invalid_reason

    from normalised

)

select * from flagged
