with

source as (

    select * from {{ source('erp', 'eventos_uso') }}

),

renamed as (

    select

        ----------  ids
        {{ cs_normalize_id('id_evento') }} as event_id,
        {{ cs_normalize_id('id_cliente') }} as customer_id,
        {{ cs_normalize_id('id_usuario') }} as user_id,

        ----------  strings
        {# machine-written: case and surrounding spaces only, which keeps this 10M-row view cheap #}
        {{ cs_normalize_enum('modulo', cs_enum_values('module'), fold_accents=false) }} as module,
        funcionalidade as feature,

        ----------  numerics
        duracao_segundos as duration_seconds,

        ----------  timestamps
        {{ cs_utc_timestamp('ocorrido_em') }} as occurred_at,

        ----------  raw values as sent: the id texts for the reasons, every column for the quarantine
        {# no raw JSON here (the view is read for every event): the quarantine builds it from these, see usage_event_raw_values #}
        id_evento as event_id_raw,
        id_cliente as customer_id_raw,
        id_usuario as user_id_raw,
        modulo as module_raw,
        funcionalidade as feature_raw,
        ocorrido_em as occurred_at_raw,
        duracao_segundos as duration_seconds_raw,

        ----------  lineage
        _batch_id as batch_id,
        _source_file as source_file,
        {{ cs_utc_timestamp('_loaded_at') }} as loaded_at

    from source

),

flagged as (

    select
        *,

        ----------  the reason to quarantine the row, if any (future events: int_eventos_uso__checked; orphan keys: fct_quarentena)
        case
            when event_id is null then {{ cs_id_reason('event_id_raw', 'event_id') }}
            when customer_id is null then {{ cs_id_reason('customer_id_raw', 'customer_id') }}
            when user_id is null then {{ cs_id_reason('user_id_raw', 'user_id') }}
            when occurred_at is null then 'missing_occurred_at'
            when duration_seconds is null then 'missing_duration'
            when duration_seconds < 0 then 'negative_value'
            when duration_seconds > {{ var('max_event_duration_seconds') }} then 'absurd_value'
        end as invalid_reason

    from renamed

)

select * from flagged
