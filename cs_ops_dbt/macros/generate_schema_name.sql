{#
    Models land in the target schema as it is (cs_ops_analytics), never prefixed
    with the target name: the DuckDB schema and the BigQuery dataset have the same name.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
