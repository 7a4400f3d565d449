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
