{#
    Every rejected raw row, once, with the reason and its raw values as JSON text.
    Nothing is dropped silently: fct_qualidade_dados reconciles these counts.

    quarantine_id = table:batch:sequence, numbered within a raw table and batch. For the
    usage events, the row-rule rejects of a batch (int_eventos_uso__rejeitados: fixed
    once the batch is processed) come first and its orphans (int_eventos_uso__orfaos:
    re-checked every run, they leave when the customer or user arrives) after them, so
    an orphan leaving never renumbers a reject.
#}
with

{% for entity in entity_tables() %}
{{ entity.table }}_rejected as (

    select
        '{{ entity.table }}' as table_name,
        batch_id,
        source_file,
        {{ entity.key }} as record_key,
        rejection_reason as reason,
        raw_values
    from {{ ref('int_' ~ entity.table ~ '__classified') }}
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
        raw_values
    from {{ ref('int_eventos_uso__orfaos') }}

),

{# the orphans of a batch are numbered after all its row-rule rejects #}
eventos_uso_rejects_per_batch as (

    select batch_id, count(*) as rejected_rows
    from {{ ref('int_eventos_uso__rejeitados') }}
    group by batch_id

),

rejected as (

    {% for entity in entity_tables() %}
    select * from {{ entity.table }}_rejected
    union all
    {% endfor %}
    select * from eventos_uso_rejected

),

{# record_key can be null: nulls last, explicit (BigQuery's default is nulls first) #}
numbered as (

    select
        rejected.*,
        row_number() over (
            partition by table_name, batch_id
            order by record_key nulls last, reason, raw_values, source_file nulls last
        ) as sequence_number
    from rejected
    union all
    select
        eventos_uso_orphans.*,
        coalesce(eventos_uso_rejects_per_batch.rejected_rows, 0) + row_number() over (
            partition by eventos_uso_orphans.batch_id
            order by eventos_uso_orphans.record_key nulls last, eventos_uso_orphans.reason, eventos_uso_orphans.raw_values
        ) as sequence_number
    from eventos_uso_orphans
    left join eventos_uso_rejects_per_batch
        on eventos_uso_orphans.batch_id = eventos_uso_rejects_per_batch.batch_id

),

final as (

    select
        table_name
        || ':' || batch_id
        || ':' || cast(sequence_number as {{ cs_type('string') }}) as quarantine_id,
        table_name,
        batch_id,
        record_key,
        reason,
        raw_values,
        source_file
    from numbered

)

select * from final
