{#
    Record updates that move a record to another customer: a version of an invoice,
    contract, user, ticket or NPS answer whose customer differs from the version before
    it (versions in the order deduplication ranks them, latest_version_first). The newer
    version still replaces the record (the source says so), but the move is never
    silent: each one is a row here and counted per table and batch in
    fct_qualidade_dados (owner_changes). Only versions that pass the row rules and name a
    known customer count (a version with an orphan customer id is quarantined instead).
    The versions are read from the int_<table>__classified tables (every staged row with
    its invalid_reason), not from the staging views: that would redo the cleaning of every
    entity row a second time in each build.
#}
{%- set tables = [
    ('contratos', 'int_contratos__classified', 'contract_id'),
    ('faturas', 'int_faturas__classified', 'invoice_id'),
    ('usuarios', 'int_usuarios__classified', 'user_id'),
    ('tickets', 'int_tickets__classified', 'ticket_id'),
    ('nps_respostas', 'int_nps_respostas__classified', 'response_id'),
] -%}
with

customers as (

    select * from {{ ref('dim_clientes') }}

),

record_versions as (

    {%- for table_name, classified, key in tables %}
    select
        '{{ table_name }}' as table_name,
        {{ key }} as record_key,
        customer_id,
        updated_at,
        batch_id,
        source_file,
        raw_values
    from {{ ref(classified) }}
    where invalid_reason is null
        and customer_id in (select customer_id from customers)
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

{# only a record whose versions name more than one customer can have moved: the rest skip the ranking #}
moved_records as (

    select
        table_name,
        record_key
    from record_versions
    group by
        table_name,
        record_key
    having min(customer_id) <> max(customer_id)

),

with_previous as (

    select
        record_versions.*,
        {# the version just before this one in the deduplication order #}
        lead(record_versions.customer_id) over (
            partition by record_versions.table_name, record_versions.record_key
            order by {{ latest_version_first('record_versions') }}
        ) as previous_customer_id
    from record_versions
    inner join moved_records
        on record_versions.table_name = moved_records.table_name
        and record_versions.record_key = moved_records.record_key

),

final as (

    select
        concat(
            table_name, ':', record_key, ':', batch_id, ':', cast(updated_at as {{ cs_type('string') }})
        ) as owner_change_id,
        table_name,
        record_key,
        batch_id,
        source_file,
        updated_at,
        previous_customer_id,
        customer_id
    from with_previous
    where previous_customer_id is not null
        and previous_customer_id <> customer_id

)

select * from final
