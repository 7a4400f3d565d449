{#
    The fingerprint stored with each incremental model (warehouse/dbt_fingerprints.py):
    a hash of everything its rows depend on (its SQL and every upstream model's, the
    macros they call, the vars they read), put in the model's meta by
    `python -m warehouse.dbt` before a build. A model whose stored fingerprint differs
    from the current one is rebuilt in full by the next build, which says why.

    The table is created once before a run (on-run-start). Each incremental model
    replaces its row in a post-hook, inside the transaction that writes its rows
    (DuckDB), so a run killed between the two leaves neither. A model run without a
    fingerprint (plain dbt, outside the wrapper) deletes its row: the next wrapper
    build rebuilds it rather than trust rows it cannot vouch for.
#}
{% macro fingerprint_relation() -%}
    {{ target.schema }}.incremental_fingerprints
{%- endmacro %}


{% macro create_fingerprint_table() -%}
    create table if not exists {{ fingerprint_relation() }} (
        model_name {{ cs_type('string') }},
        fingerprint {{ cs_type('string') }},
        components {{ cs_type('string') }},
        stored_at {{ cs_type('timestamp') }}
    )
{%- endmacro %}


{% macro forget_fingerprint() -%}
    {%- if config.get('materialized') == 'incremental' -%}
    delete from {{ fingerprint_relation() }} where model_name = '{{ this.identifier }}'
    {%- endif -%}
{%- endmacro %}


{% macro store_fingerprint() -%}
    {%- set meta = config.get('meta') or {} -%}
    {%- if config.get('materialized') == 'incremental' and meta.get('fingerprint') -%}
    insert into {{ fingerprint_relation() }} (model_name, fingerprint, components, stored_at)
    values (
        '{{ this.identifier }}',
        '{{ meta.get('fingerprint') }}',
        '{{ meta.get('fingerprint_components', '{}') }}',
        {{ cs_run_started_at() }}
    )
    {%- endif -%}
{%- endmacro %}
