{#
    Overrides of dbt's DuckDB defaults that bite:
    - dbt-duckdb's safe_cast is a plain cast, which crashes on a bad string;
    - dbt-duckdb's type_float is `float` (32-bit); BigQuery's float64 is 64-bit.
#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{% macro duckdb__type_float() -%}
    double
{%- endmacro %}


{#
    The incremental strategy that only inserts new rows: DuckDB has `append`;
    BigQuery has none, but `merge` without a unique_key only inserts.
#}
{% macro cs_insert_only_strategy() -%}
    {{ return(adapter.dispatch('cs_insert_only_strategy', 'cs_ops_dbt')()) }}
{%- endmacro %}

{% macro default__cs_insert_only_strategy() -%}
    {{ return('append') }}
{%- endmacro %}

{% macro bigquery__cs_insert_only_strategy() -%}
    {{ return('merge') }}
{%- endmacro %}


{#
    dbt-duckdb's incremental materialization builds the new rows into a temporary
    table and then copies them into the model's table (`insert into ... select * from
    the temporary table`): every new row is written twice. A temporary view instead
    runs the model's query once, inside that insert, straight into the table (the
    schema check reads the view's columns the same way). Only for the append strategy:
    its one insert is the view's only reader (delete+insert would run the query twice, the
    second time after its delete). Everything else (tables,
    full refreshes, unit tests, contracts, Python models) is dbt-duckdb's own
    create_table_as (unit tests drop their temporary relation as a table).
#}
{% macro duckdb__create_table_as(temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none) -%}
    {%- set contract = config.get('contract') -%}
    {%- set incremental_rows = temporary and language == 'sql'
        and model.resource_type == 'model' and config.get('materialized') == 'incremental'
        and config.get('incremental_strategy') == 'append'
        and not (contract and contract.enforced) and not partitioned_by and not sorted_by -%}
    {%- if incremental_rows -%}
    create temporary view {{ relation.include(database=false, schema=false) }} as (
        {{ compiled_code }}
    )
    {%- else -%}
    {{ dbt.duckdb__create_table_as(temporary, relation, compiled_code, language, partitioned_by, sorted_by) }}
    {%- endif -%}
{%- endmacro %}
