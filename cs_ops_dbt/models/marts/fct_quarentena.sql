{#
    Every rejected raw row, once, with the reason and its raw values as JSON text.
    Nothing is dropped silently: fct_qualidade_dados reconciles these counts.
#}
{%- set tables = [
    ('clientes', 'int_clientes__classified', 'customer_id'),
    ('contratos', 'int_contratos__classified', 'contract_id'),
    ('faturas', 'int_faturas__classified', 'invoice_id'),
    ('usuarios', 'int_usuarios__classified', 'user_id'),
    ('tickets', 'int_tickets__classified', 'ticket_id'),
    ('nps_respostas', 'int_nps_respostas__classified', 'response_id'),
] -%}
with

{% for table_name, model, key in tables %}
{{ table_name }}_rejected as (

    select
        '{{ table_name }}' as table_name,
        batch_id,
        source_file,
        {{ key }} as record_key,
        rejection_reason as reason,
        raw_values
    from {{ ref(model) }}
    where record_status = 'quarantined'

),

{% endfor %}
eventos_uso_rejected as (

    select
        'eventos_uso' as table_name,
        batch_id,
        source_file,
        event_id as record_key,
        rejection_reason as reason,
        raw_values
    from {{ ref('int_eventos_uso__rejeitados') }}

),

eventos_uso_orphans as (

    select
        'eventos_uso' as table_name,
        batch_id,
        {# the deduplicated model keeps no source file; events have one file per batch #}
        cast(null as {{ cs_type('string') }}) as source_file,
        event_id as record_key,
        rejection_reason as reason,
        {{ cs_json_object([
            ['id_evento', 'event_id'], ['id_cliente', 'customer_id'],
            ['id_usuario', 'user_id'], ['modulo', 'module'],
            ['funcionalidade', 'feature'], ['ocorrido_em', 'occurred_at'],
            ['duracao_segundos', 'duration_seconds'],
        ]) }} as raw_values
    from {{ ref('int_eventos_uso__orfaos') }}

),

unioned as (

    {% for table_name, model, key in tables %}
    select * from {{ table_name }}_rejected
    union all
    {% endfor %}
    select * from eventos_uso_rejected
    union all
    select * from eventos_uso_orphans

),

final as (

    select
        table_name
        || ':' || batch_id
        || ':' || cast(row_number() over (
            partition by table_name, batch_id
            order by record_key, reason, raw_values
        ) as {{ cs_type('string') }}) as quarantine_id,
        table_name,
        batch_id,
        record_key,
        reason,
        raw_values,
        source_file
    from unioned

)

select * from final
