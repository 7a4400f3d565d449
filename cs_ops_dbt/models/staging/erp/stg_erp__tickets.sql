with

source as (

    select * from {{ source('erp', 'tickets') }}

),

renamed as (

    select

        ----------  ids
        nullif(trim(id_ticket), '') as ticket_id,
        nullif(trim(id_cliente), '') as customer_id,

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
        prioridade as priority_raw,
        aberto_em as opened_at_raw,
        primeira_resposta_em as first_response_at_raw,
        resolvido_em as resolved_at_raw,

        ----------  lineage
        _batch_id as batch_id,
        _source_file as source_file,
        {{ cs_utc_timestamp('_loaded_at') }} as loaded_at,
        {{ cs_json_object([
            'id_ticket', 'id_cliente', 'prioridade', 'categoria', 'aberto_em', 'primeira_resposta_em',
            'resolvido_em', 'status', 'csat', ['updated_at', cs_timestamp_text('updated_at')],
        ]) }} as raw_values

    from source

),

flagged as (

    select
        *,

        ----------  numerics
        case when csat_raw between 1 and 5 then csat_raw end as csat,

        ----------  booleans
        (csat_raw is not null and not csat_raw between 1 and 5) as has_invalid_csat,
        (priority is null and priority_raw is not null) as has_unknown_priority,
        (
            {{ cs_is_unparsed('first_response_at_raw', 'first_response_at') }}
            or {{ cs_is_unparsed('resolved_at_raw', 'resolved_at') }}
        ) as has_invalid_timestamp,
        (first_response_at < opened_at or resolved_at < opened_at) as has_time_before_opening,

        ----------  the reason to quarantine the row, if any
        case
            when ticket_id is null then 'missing_ticket_id'
            when customer_id is null then 'missing_customer_id'
            when opened_at is null then 'invalid_opened_at'
        end as invalid_reason

    from renamed

)

select * from flagged
