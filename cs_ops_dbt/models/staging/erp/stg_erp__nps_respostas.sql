with

source as (

    select * from {{ source('erp', 'nps_respostas') }}

),

renamed as (

    select

        ----------  ids
        nullif(trim(id_resposta), '') as response_id,
        nullif(trim(id_cliente), '') as customer_id,
        nullif(trim(id_usuario), '') as user_id,

        ----------  strings
        comentario as comment,

        ----------  numerics
        nota as score,

        ----------  dates
        {{ cs_parse_date('respondido_em') }} as answered_date,
        {{ cs_utc_timestamp('updated_at') }} as updated_at,

        ----------  lineage
        _batch_id as batch_id,
        _source_file as source_file,
        {{ cs_utc_timestamp('_loaded_at') }} as loaded_at,
        {{ cs_json_object([
            'id_resposta', 'id_cliente', 'id_usuario', 'respondido_em', 'nota', 'comentario', ['updated_at', cs_timestamp_text('updated_at')],
        ]) }} as raw_values

    from source

),

flagged as (

    select
        *,

        ----------  the reason to quarantine the row, if any
        case
            when response_id is null then 'missing_response_id'
            when customer_id is null then 'missing_customer_id'
            when answered_date is null then 'invalid_answered_date'
            when score is null then 'missing_score'
            when score not between 0 and 10 then 'score_out_of_range'
        end as invalid_reason

    from renamed

)

select * from flagged
