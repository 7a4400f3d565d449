{#
    A usage event as the source sent it, as JSON text under the raw column names (the
    raw_values of the other tables' staging models): the `*_raw` columns of
    stg_erp__eventos_uso, the timestamp as cs_timestamp_text. Built only for the rows
    the quarantine may show (int_eventos_uso__rejeitados; the orphan candidates of
    int_eventos_uso__deduplicated), never for the whole event history.
#}
{% macro usage_event_raw_values() -%}
    {{ cs_json_object([
        ['id_evento', 'event_id_raw'], ['id_cliente', 'customer_id_raw'], ['id_usuario', 'user_id_raw'],
        ['modulo', 'module_raw'], ['funcionalidade', 'feature_raw'],
        ['ocorrido_em', cs_timestamp_text('occurred_at_raw')], ['duracao_segundos', 'duration_seconds_raw'],
    ]) }}
{%- endmacro %}
