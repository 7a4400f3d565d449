{#
    Every column of the relation read but the ones named:
    select {{ cs_star_except(['segment', 'uf']) }} from kpis_by_filter.
    GoogleSQL writes `* except (...)`, DuckDB `* exclude (...)`.
#}
{% macro cs_star_except(columns) -%}
    {{ return(adapter.dispatch('cs_star_except', 'cs_ops_dbt')(columns)) }}
{%- endmacro %}

{% macro default__cs_star_except(columns) -%}
    * except ({{ columns | join(', ') }})
{%- endmacro %}

{% macro duckdb__cs_star_except(columns) -%}
    * exclude ({{ columns | join(', ') }})
{%- endmacro %}
