with

source as (

    select * from {{ source('erp', 'tickets') }}

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
        {{ cs_normalize_id('id_ticket') }} as ticket_id,
        {{ cs_normalize_id('id_cliente') }} as customer_id,

        ----------  strings
        {{ cs_normalize_enum('prioridade', cs_enum_values('ticket_priority')) }} as priority,
        {{ cs_normalize_enum('categoria', cs_enum_values('ticket_category')) }} as category,
        {{ cs_normalize_enum('status', cs_enum_values('ticket_status')) }} as ticket_status,

        ----------  numerics
        csat as csat_raw,

        ----------  timestamps
        {{ cs_parse_timestamp('aberto_em') }} as opened_at,
        {{ cs_parse_timestamp('primeira_resposta_em') }} as first_response_at,
        {{ cs_parse_timestamp('resolvido_em') }} as resolved_at,
        {{ cs_utc_timestamp('updated_at') }} as updated_at,

        ----------  raw text kept for flags
        id_ticket as ticket_id_raw,
        id_cliente as customer_id_raw,
        prioridade as priority_raw,
        aberto_em as opened_at_raw,
        primeira_resposta_em as first_response_at_raw,
        resolvido_em as resolved_at_raw,

        ----------  lineage
        _batch_id as batch_id,
        batch_periods.period_end_date as batch_period_end_date,
        _source_file as source_file,
        {{ cs_utc_timestamp('_loaded_at') }} as loaded_at,
        {{ cs_json_object([
            'id_ticket', 'id_cliente', 'prioridade', 'categoria', 'aberto_em', 'primeira_resposta_em',
            'resolvido_em', 'status', 'csat', ['updated_at', cs_timestamp_text('updated_at')],
        ]) }} as raw_values

    from source
    left join batch_periods
        on source._batch_id = batch_periods.batch_id

),

flagged as (

    select
        *,

        ----------  numerics
        {{ cs_integer_in_range('csat_raw', 1, 5) }} as csat,

        ----------  booleans
        (csat_raw is not null and {{ cs_integer_in_range('csat_raw', 1, 5) }} is null) as has_invalid_csat,
        (priority is null and {{ cs_clean_text('priority_raw') }} is not null) as has_unknown_priority,
        (
            {{ cs_is_unparsed('first_response_at_raw', 'first_response_at') }}
            or {{ cs_is_unparsed('resolved_at_raw', 'resolved_at') }}
        ) as has_invalid_timestamp,
        (first_response_at < opened_at or resolved_at < opened_at) as has_time_before_opening,

        ----------  the reason to quarantine the row, if any
        {# the first rule a row breaks, in this order; null = none #}
        coalesce(
            {{ cs_id_reason('ticket_id_raw', 'ticket_id') }},
            {{ cs_id_reason('customer_id_raw', 'customer_id') }},
            {{ cs_date_reason('opened_at_raw', 'opened_at', 'opened_at', 'batch_period_end_date') }},
            {{ cs_date_reason('first_response_at_raw', 'first_response_at', 'first_response_at', 'batch_period_end_date', required=false) }},
            {{ cs_date_reason('resolved_at_raw', 'resolved_at', 'resolved_at', 'batch_period_end_date', required=false) }},
            {{ cs_enum_reason('priority_raw', 'priority', 'priority') }},
            case
                when {{ cs_is_implausible_date('updated_at', 'batch_period_end_date') }} then 'implausible_updated_at'
            end
        ) as invalid_reason

    from renamed

)

select * from flagged
