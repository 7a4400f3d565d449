{#
    Date helpers with one meaning on every engine. dbt's own date_trunc/dateadd
    return timestamps or datetimes on some engines; these keep dates as dates.
#}

{# first day of the month of a date #}
{% macro cs_month_start(date_expression) -%}
    {{ return(adapter.dispatch('cs_month_start', 'cs_ops_dbt')(date_expression)) }}
{%- endmacro %}

{% macro default__cs_month_start(date_expression) -%}
    date_trunc(cast({{ date_expression }} as date), month)
{%- endmacro %}

{% macro duckdb__cs_month_start(date_expression) -%}
    cast(date_trunc('month', cast({{ date_expression }} as date)) as date)
{%- endmacro %}


{# last day of the month of a date #}
{% macro cs_month_end(date_expression) -%}
    {{ return(adapter.dispatch('cs_month_end', 'cs_ops_dbt')(date_expression)) }}
{%- endmacro %}

{% macro default__cs_month_end(date_expression) -%}
    last_day(cast({{ date_expression }} as date), month)
{%- endmacro %}

{% macro duckdb__cs_month_end(date_expression) -%}
    last_day(cast({{ date_expression }} as date))
{%- endmacro %}


{# date + n units (unit: day, month, year); the result is a date #}
{% macro cs_date_add(date_expression, amount, unit='day') -%}
    {{ return(adapter.dispatch('cs_date_add', 'cs_ops_dbt')(date_expression, amount, unit)) }}
{%- endmacro %}

{% macro default__cs_date_add(date_expression, amount, unit) -%}
    date_add(cast({{ date_expression }} as date), interval ({{ amount }}) {{ unit }})
{%- endmacro %}

{% macro duckdb__cs_date_add(date_expression, amount, unit) -%}
    cast(cast({{ date_expression }} as date) + to_{{ unit }}s(cast({{ amount }} as integer)) as date)
{%- endmacro %}


{# whole units (day, month, year) boundaries crossed from start_date to end_date #}
{% macro cs_date_diff(start_date, end_date, unit='day') -%}
    {{ return(adapter.dispatch('cs_date_diff', 'cs_ops_dbt')(start_date, end_date, unit)) }}
{%- endmacro %}

{% macro default__cs_date_diff(start_date, end_date, unit) -%}
    date_diff(cast({{ end_date }} as date), cast({{ start_date }} as date), {{ unit }})
{%- endmacro %}

{% macro duckdb__cs_date_diff(start_date, end_date, unit) -%}
    date_diff('{{ unit }}', cast({{ start_date }} as date), cast({{ end_date }} as date))
{%- endmacro %}


{# seconds from start_timestamp to end_timestamp #}
{% macro cs_timestamp_diff_seconds(start_timestamp, end_timestamp) -%}
    {{ return(adapter.dispatch('cs_timestamp_diff_seconds', 'cs_ops_dbt')(start_timestamp, end_timestamp)) }}
{%- endmacro %}

{% macro default__cs_timestamp_diff_seconds(start_timestamp, end_timestamp) -%}
    timestamp_diff({{ end_timestamp }}, {{ start_timestamp }}, second)
{%- endmacro %}

{% macro duckdb__cs_timestamp_diff_seconds(start_timestamp, end_timestamp) -%}
    date_diff('second', {{ start_timestamp }}, {{ end_timestamp }})
{%- endmacro %}


{#
    A from-clause item with one row per month start between two month-start dates
    (inclusive), as column `alias`; correlate it with a preceding table:
    from bounds cross join {{ cs_unnest_month_starts('bounds.first_month', 'bounds.last_month', 'month_start') }}
    Cast the column to date when using it (DuckDB produces timestamps).
#}
{% macro cs_unnest_month_starts(first_month, last_month, alias) -%}
    {{ return(adapter.dispatch('cs_unnest_month_starts', 'cs_ops_dbt')(first_month, last_month, alias)) }}
{%- endmacro %}

{% macro default__cs_unnest_month_starts(first_month, last_month, alias) -%}
    unnest(generate_date_array({{ first_month }}, {{ last_month }}, interval 1 month)) as {{ alias }}
{%- endmacro %}

{% macro duckdb__cs_unnest_month_starts(first_month, last_month, alias) -%}
    unnest(generate_series(cast({{ first_month }} as date), cast({{ last_month }} as date), interval 1 month)) as months_series({{ alias }})
{%- endmacro %}
