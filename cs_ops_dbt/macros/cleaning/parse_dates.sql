{#
    Dates and timestamps exported as text by the source ERP, in any of:
      dd/mm/aaaa            15/01/2024      (day first, as in Brazil)
      ISO                   2024-01-15
      epoch seconds         1705276800
    optionally followed by a time (hh:mm:ss, after a space or 'T') for timestamps.
    Impossible dates (31/02/2024), empty strings and anything else -> null; staging
    compares the result with the raw text to flag the row.
#}

{% macro cs_parse_timestamp(text) -%}
    {{ return(adapter.dispatch('cs_parse_timestamp', 'cs_ops_dbt')(text)) }}
{%- endmacro %}

{% macro default__cs_parse_timestamp(text) -%}
    case
        when {{ cs_regex_contains('trim(' ~ text ~ ')', '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$') }}
            then safe.parse_timestamp('%d/%m/%Y', trim({{ text }}))
        when {{ cs_regex_contains('trim(' ~ text ~ ')', '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}[ T][0-9]{1,2}:[0-9]{2}:[0-9]{2}$') }}
            then safe.parse_timestamp('%d/%m/%Y %H:%M:%S', replace(trim({{ text }}), 'T', ' '))
        when {{ cs_regex_contains('trim(' ~ text ~ ')', '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$') }}
            then safe.parse_timestamp('%Y-%m-%d', trim({{ text }}))
        when {{ cs_regex_contains('trim(' ~ text ~ ')', '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}:[0-9]{2}$') }}
            then safe.parse_timestamp('%Y-%m-%d %H:%M:%S', replace(trim({{ text }}), 'T', ' '))
        when {{ cs_regex_contains('trim(' ~ text ~ ')', '^[0-9]{9,10}$') }}
            then timestamp_seconds(cast(trim({{ text }}) as int64))
    end
{%- endmacro %}

{% macro duckdb__cs_parse_timestamp(text) -%}
    case
        when {{ cs_regex_contains('trim(' ~ text ~ ')', '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$') }}
            then try_strptime(trim({{ text }}), '%d/%m/%Y')
        when {{ cs_regex_contains('trim(' ~ text ~ ')', '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}[ T][0-9]{1,2}:[0-9]{2}:[0-9]{2}$') }}
            then try_strptime(replace(trim({{ text }}), 'T', ' '), '%d/%m/%Y %H:%M:%S')
        when {{ cs_regex_contains('trim(' ~ text ~ ')', '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$') }}
            then try_strptime(trim({{ text }}), '%Y-%m-%d')
        when {{ cs_regex_contains('trim(' ~ text ~ ')', '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}:[0-9]{2}$') }}
            then try_strptime(replace(trim({{ text }}), 'T', ' '), '%Y-%m-%d %H:%M:%S')
        when {{ cs_regex_contains('trim(' ~ text ~ ')', '^[0-9]{9,10}$') }}
            then make_timestamp(cast(trim({{ text }}) as bigint) * 1000000)
    end
{%- endmacro %}


{% macro cs_parse_date(text) -%}
    cast({{ cs_parse_timestamp(text) }} as date)
{%- endmacro %}


{# true when the text holds something (not null/blank) that did not parse #}
{% macro cs_is_unparsed(text, parsed) -%}
    (nullif(trim({{ text }}), '') is not null and ({{ parsed }}) is null)
{%- endmacro %}
