{#
    Row accounting per raw table and batch: every raw row is exactly one of clean
    (kept in the marts), duplicate (an older or repeated version) or quarantined.
    Each count comes from a different model, so the singular test
    assert_quality_reconciles catches any row lost or doubled on the way.
#}
with

raw_counts as (

    {% for entity in entity_tables() %}
    select '{{ entity.table }}' as table_name, batch_id, count(*) as raw_rows
    from {{ ref('stg_erp__' ~ entity.table) }}
    group by batch_id
    union all
    {% endfor %}
    {# counted once per batch when the batch was processed #}
    select 'eventos_uso' as table_name, batch_id, raw_rows
    from {{ ref('int_eventos_uso__lotes') }}

),

clean_counts as (

    {% for entity in entity_tables() %}
    select '{{ entity.table }}' as table_name, batch_id, count(*) as clean_rows
    from {{ ref(entity.clean_model) }}
    group by batch_id
    union all
    {% endfor %}
    select 'eventos_uso' as table_name, batch_id, count(*) as clean_rows
    from {{ ref('fct_eventos_uso') }}
    group by batch_id

),

duplicate_counts as (

    {% for entity in entity_tables() %}
    select '{{ entity.table }}' as table_name, batch_id, count(*) as duplicate_rows
    from {{ ref('int_' ~ entity.table ~ '__classified') }}
    where record_status = 'duplicate'
    group by batch_id
    union all
    {% endfor %}
    {# valid rows (counted on the raw batch) that were not the first version seen #}
    select 'eventos_uso' as table_name, batch_id, valid_rows - first_seen_rows as duplicate_rows
    from {{ ref('int_eventos_uso__lotes') }}

),

quarantine_counts as (

    select table_name, batch_id, count(*) as quarantined_rows
    from {{ ref('fct_quarentena') }}
    group by table_name, batch_id

),

owner_change_counts as (

    select table_name, batch_id, count(*) as owner_changes
    from {{ ref('fct_mudancas_de_cliente') }}
    group by table_name, batch_id

),

ledger as (

    select table_name, batch_id, {{ cs_sum_int('row_count') }} as ledger_rows
    from {{ ref('stg_erp__load_ledger') }}
    group by table_name, batch_id

),

final as (

    select
        raw_counts.table_name,
        raw_counts.batch_id,
        raw_counts.raw_rows,
        coalesce(clean_counts.clean_rows, 0) as clean_rows,
        coalesce(duplicate_counts.duplicate_rows, 0) as duplicate_rows,
        coalesce(quarantine_counts.quarantined_rows, 0) as quarantined_rows,
        ledger.ledger_rows,
        {# updates in this batch that moved a record to another customer (fct_mudancas_de_cliente) #}
        coalesce(owner_change_counts.owner_changes, 0) as owner_changes,
        raw_counts.table_name || ':' || raw_counts.batch_id as table_batch_id
    from raw_counts
    left join clean_counts
        on raw_counts.table_name = clean_counts.table_name
        and raw_counts.batch_id = clean_counts.batch_id
    left join duplicate_counts
        on raw_counts.table_name = duplicate_counts.table_name
        and raw_counts.batch_id = duplicate_counts.batch_id
    left join quarantine_counts
        on raw_counts.table_name = quarantine_counts.table_name
        and raw_counts.batch_id = quarantine_counts.batch_id
    left join owner_change_counts
        on raw_counts.table_name = owner_change_counts.table_name
        and raw_counts.batch_id = owner_change_counts.batch_id
    left join ledger
        on raw_counts.table_name = ledger.table_name
        and raw_counts.batch_id = ledger.batch_id

)

select * from final
