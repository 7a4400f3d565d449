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

{#
    BigQuery: SAFE.PARSE_TIMESTAMP already returns null for 31/02/2024, but the calendar
    check is spelled out so the rule does not depend on SAFE semantics (the local
    emulator raises on an impossible date instead of returning null).
#}
{% macro default__cs_parse_timestamp(text) -%}
    {%- set trimmed = 'trim(' ~ text ~ ')' -%}
    {%- set dmy = {
        'day': cs_regex_extract(trimmed, '^([0-9]{1,2})/'),
        'month': cs_regex_extract(trimmed, '^[0-9]{1,2}/([0-9]{1,2})/'),
        'year': cs_regex_extract(trimmed, '^[0-9]{1,2}/[0-9]{1,2}/([0-9]{4})'),
    } -%}
    {%- set iso = {
        'day': cs_regex_extract(trimmed, '^[0-9]{4}-[0-9]{1,2}-([0-9]{1,2})'),
        'month': cs_regex_extract(trimmed, '^[0-9]{4}-([0-9]{1,2})-'),
        'year': cs_regex_extract(trimmed, '^([0-9]{4})-'),
    } -%}
    case
        when {{ cs_regex_contains(trimmed, '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$') }}
            and {{ cs_is_calendar_date(dmy) }}
            then safe.parse_timestamp('%d/%m/%Y', {{ trimmed }})
        when {{ cs_regex_contains(trimmed, '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}[ T][0-9]{1,2}:[0-9]{2}:[0-9]{2}$') }}
            and {{ cs_is_calendar_date(dmy) }}
            then safe.parse_timestamp('%d/%m/%Y %H:%M:%S', replace({{ trimmed }}, 'T', ' '))
        when {{ cs_regex_contains(trimmed, '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$') }}
            and {{ cs_is_calendar_date(iso) }}
            then safe.parse_timestamp('%Y-%m-%d', {{ trimmed }})
        when {{ cs_regex_contains(trimmed, '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}:[0-9]{2}$') }}
            and {{ cs_is_calendar_date(iso) }}
            then safe.parse_timestamp('%Y-%m-%d %H:%M:%S', replace({{ trimmed }}, 'T', ' '))
        when {{ cs_regex_contains(trimmed, '^[0-9]{9,10}$') }}
            then timestamp_seconds(cast({{ trimmed }} as int64))
    end
{%- endmacro %}


{# true when day/month/year (text expressions of digits) name a real calendar day #}
{% macro cs_is_calendar_date(parts) -%}
    {%- set day = 'cast(' ~ parts.day ~ ' as ' ~ dbt.type_int() ~ ')' -%}
    {%- set month = 'cast(' ~ parts.month ~ ' as ' ~ dbt.type_int() ~ ')' -%}
    {%- set year = 'cast(' ~ parts.year ~ ' as ' ~ dbt.type_int() ~ ')' -%}
    coalesce({{ day }} between 1 and (
        case
            when {{ month }} in (1, 3, 5, 7, 8, 10, 12) then 31
            when {{ month }} in (4, 6, 9, 11) then 30
            when {{ month }} = 2 and mod({{ year }}, 4) = 0
                and (mod({{ year }}, 100) != 0 or mod({{ year }}, 400) = 0) then 29
            when {{ month }} = 2 then 28
        end
    ), false)
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
