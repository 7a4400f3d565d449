{#
    Incremental fct_quarentena. The event rejects of a batch never change once written;
    everything else a batch can change: rows of the small raw tables (reclassified),
    and the event orphans (re-checked against the final id lists, per batch).
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


{#
    The pre-hook: deletes the rows the model writes again. Nothing on a full refresh.
    Event orphans are rewritten per batch (their sequence numbers depend on each
    other), and only for the batches whose orphans differ from int_eventos_uso__orfaos
    (an orphan left, changed reason, or a new batch): most runs change none.
#}
{% macro delete_rewritten_quarantine() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where table_name <> 'eventos_uso'
        or batch_id > {{ quarantined_events_since() }}
        or (
            reason in ({{ event_orphan_reasons() }})
            and batch_id in ({{ changed_orphan_batches() }})
        )
    {%- endif -%}
{%- endmacro %}


{# the batches whose stored event orphans are not exactly int_eventos_uso__orfaos' #}
{% macro changed_orphan_batches() -%}
    select coalesce(stored.batch_id, current_orphans.batch_id) as batch_id
    from (
        select batch_id, record_key, reason
        from {{ this }}
        where table_name = 'eventos_uso'
            and reason in ({{ event_orphan_reasons() }})
    ) as stored
    full outer join {{ ref('int_eventos_uso__orfaos') }} as current_orphans
        on stored.batch_id = current_orphans.batch_id
        and stored.record_key = current_orphans.event_id
        and stored.reason = current_orphans.rejection_reason
    where stored.record_key is null
        or current_orphans.event_id is null
{%- endmacro %}


{#
    Pre-hooks of the incremental int_eventos_uso__orfaos: re-check the stored orphans
    against the final id lists (known ids only get added, so an orphan can only
    leave, or become orphan_user when its customer arrives). Nothing on a full refresh.
#}
{% macro recheck_event_orphans(step) -%}
    {%- if is_incremental() -%}
    {%- if step == 'customers' -%}
    update {{ this }}
    set rejection_reason = 'orphan_user'
    where rejection_reason = 'orphan_customer'
        and customer_id in (select customer_id from {{ ref('int_clientes__known') }})
    {%- else -%}
    delete from {{ this }}
    where rejection_reason = 'orphan_user'
        and user_id in (select user_id from {{ ref('int_usuarios__known') }})
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}
