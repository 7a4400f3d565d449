{#
    Column types by portable name: string, int (64-bit), float (64-bit), date,
    timestamp (UTC, no zone), bool. Use in casts: cast(x as {{ cs_type('int') }}).
#}
{% macro cs_type(kind) -%}
    {{ return(adapter.dispatch('cs_type', 'cs_ops_dbt')(kind)) }}
{%- endmacro %}

{% macro default__cs_type(kind) -%}
    {%- set types = {
        'string': 'string', 'int': 'int64', 'float': 'float64',
        'date': 'date', 'timestamp': 'timestamp', 'bool': 'bool',
    } -%}
    {{ types[kind] }}
{%- endmacro %}

{% macro duckdb__cs_type(kind) -%}
    {%- set types = {
        'string': 'varchar', 'int': 'bigint', 'float': 'double',
        'date': 'date', 'timestamp': 'timestamp', 'bool': 'boolean',
    } -%}
    {{ types[kind] }}
{%- endmacro %}


{# A cast that returns null instead of failing on a value that does not convert. #}
{% macro cs_safe_cast(expression, kind) -%}
    {{ return(adapter.dispatch('cs_safe_cast', 'cs_ops_dbt')(expression, kind)) }}
{%- endmacro %}

{% macro default__cs_safe_cast(expression, kind) -%}
    safe_cast({{ expression }} as {{ cs_type(kind) }})
{%- endmacro %}

{% macro duckdb__cs_safe_cast(expression, kind) -%}
    try_cast({{ expression }} as {{ cs_type(kind) }})
{%- endmacro %}


{#
    A loaded-at / updated_at column as a UTC timestamp without zone. DuckDB reads
    Parquet UTC timestamps as timestamptz; BigQuery's timestamp already is UTC.
#}
{% macro cs_utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('cs_utc_timestamp', 'cs_ops_dbt')(expression)) }}
{%- endmacro %}

{% macro default__cs_utc_timestamp(expression) -%}
    cast({{ expression }} as timestamp)
{%- endmacro %}

{#
    DuckDB: the UTC wall-clock time is the instant's microseconds since the epoch, read
    without a time zone lookup (timezone() costs ~10x more per row: 1.6 s of the 10M
    usage events); +-infinity, which has no microseconds, goes through timezone().
#}
{% macro duckdb__cs_utc_timestamp(expression) -%}
    coalesce(
        make_timestamp(epoch_us(cast({{ expression }} as timestamptz))),
        cast(timezone('UTC', cast({{ expression }} as timestamptz)) as timestamp)
    )
{%- endmacro %}


{#
    A timestamp as text in UTC with microseconds, 2024-01-15 10:00:00.120000: the same text
    on every engine (a plain cast gives 10:00:00.12+00 on DuckDB, 10:00:00.120+00 on BigQuery).
#}
{% macro cs_timestamp_text(expression) -%}
    {{ return(adapter.dispatch('cs_timestamp_text', 'cs_ops_dbt')(expression)) }}
{%- endmacro %}

{% macro default__cs_timestamp_text(expression) -%}
    format_timestamp('%Y-%m-%d %H:%M:%E6S', {{ expression }}, 'UTC')
{%- endmacro %}

{% macro duckdb__cs_timestamp_text(expression) -%}
    strftime({{ cs_utc_timestamp(expression) }}, '%Y-%m-%d %H:%M:%S.%f')
{%- endmacro %}
