{#
    Regular expressions (RE2 syntax on both engines). The pattern is a literal
    without single quotes; it is written as a raw string on BigQuery.
#}
{% macro cs_regex_literal(pattern) -%}
    {{ return(adapter.dispatch('cs_regex_literal', 'cs_ops_dbt')(pattern)) }}
{%- endmacro %}

{% macro default__cs_regex_literal(pattern) -%}
    r'{{ pattern }}'
{%- endmacro %}

{% macro duckdb__cs_regex_literal(pattern) -%}
    '{{ pattern }}'
{%- endmacro %}


{# true when the pattern matches somewhere in the text (anchor with ^...$ for a full match) #}
{% macro cs_regex_contains(expression, pattern) -%}
    {{ return(adapter.dispatch('cs_regex_contains', 'cs_ops_dbt')(expression, pattern)) }}
{%- endmacro %}

{% macro default__cs_regex_contains(expression, pattern) -%}
    regexp_contains({{ expression }}, {{ cs_regex_literal(pattern) }})
{%- endmacro %}

{% macro duckdb__cs_regex_contains(expression, pattern) -%}
    regexp_matches({{ expression }}, {{ cs_regex_literal(pattern) }})
{%- endmacro %}


{# the first capture group of the pattern, or null #}
{% macro cs_regex_extract(expression, pattern) -%}
    {{ return(adapter.dispatch('cs_regex_extract', 'cs_ops_dbt')(expression, pattern)) }}
{%- endmacro %}

{% macro default__cs_regex_extract(expression, pattern) -%}
    regexp_extract({{ expression }}, {{ cs_regex_literal(pattern) }})
{%- endmacro %}

{% macro duckdb__cs_regex_extract(expression, pattern) -%}
    nullif(regexp_extract({{ expression }}, {{ cs_regex_literal(pattern) }}, 1), '')
{%- endmacro %}


{# replaces every match #}
{% macro cs_regex_replace(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('cs_regex_replace', 'cs_ops_dbt')(expression, pattern, replacement)) }}
{%- endmacro %}

{% macro default__cs_regex_replace(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ cs_regex_literal(pattern) }}, '{{ replacement }}')
{%- endmacro %}

{% macro duckdb__cs_regex_replace(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ cs_regex_literal(pattern) }}, '{{ replacement }}', 'g')
{%- endmacro %}


{# text without accents (é -> e, ç -> c) #}
{% macro cs_strip_accents(expression) -%}
    {{ return(adapter.dispatch('cs_strip_accents', 'cs_ops_dbt')(expression)) }}
{%- endmacro %}

{% macro default__cs_strip_accents(expression) -%}
    regexp_replace(normalize({{ expression }}, NFD), r'\p{M}', '')
{%- endmacro %}

{% macro duckdb__cs_strip_accents(expression) -%}
    strip_accents({{ expression }})
{%- endmacro %}


{# a value as a JSON string literal ("..." with escapes); null or 'null' for null #}
{% macro cs_json_string(expression) -%}
    {{ return(adapter.dispatch('cs_json_string', 'cs_ops_dbt')(expression)) }}
{%- endmacro %}

{% macro default__cs_json_string(expression) -%}
    to_json_string(cast({{ expression }} as string))
{%- endmacro %}

{% macro duckdb__cs_json_string(expression) -%}
    cast(to_json(cast({{ expression }} as varchar)) as varchar)
{%- endmacro %}


{#
    A JSON object (as text) of the given columns, every value as a string:
    {"id_cliente":"CLI-1","licencas":"-3","email":null}. Keeps quarantined raw values.
    Each item is a column name or a [key, expression] pair. One flat concat() call
    (not a chain of ||), which the BigQuery emulator also handles for wide rows.
#}
{% macro cs_json_object(columns) -%}
    concat(
        '{',
    {%- for column in columns %}
        {%- if column is string %}{% set key, expression = column, column %}{% else %}{% set key, expression = column[0], column[1] %}{% endif %}
        '{{ "," if not loop.first else "" }}"{{ key }}":',
        coalesce({{ cs_json_string(expression) }}, 'null'),
    {%- endfor %}
        '}'
    )
{%- endmacro %}


{#
    A 64-bit hash of a text key, for fast grouping of big tables; collisions are
    possible, so callers must confirm matches on the key itself.
#}
{% macro cs_hash_key(expression) -%}
    {{ return(adapter.dispatch('cs_hash_key', 'cs_ops_dbt')(expression)) }}
{%- endmacro %}

{% macro default__cs_hash_key(expression) -%}
    farm_fingerprint({{ expression }})
{%- endmacro %}

{% macro duckdb__cs_hash_key(expression) -%}
    hash({{ expression }})
{%- endmacro %}
