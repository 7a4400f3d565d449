with

source as (

    select * from {{ source('erp', 'nps_respostas') }}

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
        {{ cs_normalize_id('id_resposta') }} as response_id,
        {{ cs_normalize_id('id_cliente') }} as customer_id,
        {{ cs_normalize_id('id_usuario') }} as user_id,

        ----------  strings
        {{ cs_clean_text('comentario') }} as comment,

        ----------  numerics
        nota as score,

        ----------  dates
        {{ cs_parse_date('respondido_em') }} as answered_date,
        {{ cs_utc_timestamp('updated_at') }} as updated_at,

        ----------  raw text kept for flags
        id_resposta as response_id_raw,
        id_cliente as customer_id_raw,
        id_usuario as user_id_raw,
        respondido_em as answered_date_raw,

        ----------  lineage
        _batch_id as batch_id,
        batch_periods.period_end_date as batch_period_end_date,
        _source_file as source_file,
        {{ cs_utc_timestamp('_loaded_at') }} as loaded_at,
        {{ cs_json_object([
            'id_resposta', 'id_cliente', 'id_usuario', 'respondido_em', 'nota', 'comentario', ['updated_at', cs_timestamp_text('updated_at')],
        ]) }} as raw_values

    from source
    left join batch_periods
        on source._batch_id = batch_periods.batch_id

),

flagged as (

    select
        *,

        ----------  the reason to quarantine the row, if any
        {# the first rule a row breaks, in this order; null = none #}
        coalesce(
            {{ cs_id_reason('response_id_raw', 'response_id') }},
            {{ cs_id_reason('customer_id_raw', 'customer_id') }},
            case when {{ cs_id_problem('user_id_raw') }} = 'invalid' then 'invalid_user_id' end,
            {{ cs_date_reason('answered_date_raw', 'answered_date', 'answered_date', 'batch_period_end_date') }},
            case
                when score is null then 'missing_score'
                when score not between 0 and 10 then 'score_out_of_range'
                when {{ cs_is_implausible_date('updated_at', 'batch_period_end_date') }} then 'implausible_updated_at'
            end
        ) as invalid_reason

    from renamed

)

select * from flagged
