{#
    Incremental fct_quarentena. The event rejects of a batch never change once written;
    everything else a batch can change: rows of the small raw tables (reclassified),
    and the event orphans (re-checked against the final id lists).
    quarantined_events_since: the last batch whose event rejects the table holds (a
    literal read before the pre-hook runs); the rejects of later batches are inserted.
#}
{% macro quarantined_events_since() -%}
    {%- if not execute -%}
        {{ return("''") }}
    {%- endif -%}
    {%- set result = run_query(
        "select max(batch_id) from " ~ this
        ~ " where table_name = 'eventos_uso' and reason not in (" ~ event_orphan_reasons() ~ ")"
    ) -%}
    {%- set value = result.columns[0].values()[0] if result is not none else none -%}
    {{ return("''" if value is none else "'" ~ value ~ "'") }}
{%- endmacro %}


{# the reasons int_eventos_uso__orfaos gives (the row rules never give them) #}
{% macro event_orphan_reasons() -%}
    'orphan_customer', 'orphan_user'
{%- endmacro %}


{# The pre-hook: deletes the rows the model writes again. Nothing on a full refresh. #}
{% macro delete_rewritten_quarantine() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where table_name <> 'eventos_uso'
        or reason in ({{ event_orphan_reasons() }})
        or batch_id > {{ quarantined_events_since() }}
    {%- endif -%}
{%- endmacro %}
