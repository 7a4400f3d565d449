{#
    Dates and timestamps exported as text by the source ERP, in any of:
      dd/mm/aaaa            15/01/2024      (day first, as in Brazil)
      ISO                   2024-01-15
      epoch seconds         1705276800
    optionally followed by a time (hh:mm:ss, after a space or 'T') for timestamps; the
    text is read through cs_clean_text. Day first is the source's documented format, not
    a guess. Years 1000-9999. Impossible dates (31/02/2024), two-digit years, time zones and anything else
    -> null; cs_date_problem says why (and whether a well-formed date is implausible).
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
    {%- set trimmed = cs_clean_text(text) -%}
    {%- set dmy = {
        'day': cs_regex_extract(trimmed, '^([0-9]{1,2})/'),
        'month': cs_regex_extract(trimmed, '^[0-9]{1,2}/([0-9]{1,2})/'),
        'year': cs_regex_extract(trimmed, '^[0-9]{1,2}/[0-9]{1,2}/([1-9][0-9]{3})'),
    } -%}
    {%- set iso = {
        'day': cs_regex_extract(trimmed, '^[0-9]{4}-[0-9]{1,2}-([0-9]{1,2})'),
        'month': cs_regex_extract(trimmed, '^[0-9]{4}-([0-9]{1,2})-'),
        'year': cs_regex_extract(trimmed, '^([0-9]{4})-'),
    } -%}
    case
        when {{ cs_regex_contains(trimmed, '^[0-9]{1,2}/[0-9]{1,2}/[1-9][0-9]{3}$') }}
            and {{ cs_is_calendar_date(dmy) }}
            then safe.parse_timestamp('%d/%m/%Y', {{ trimmed }})
        when {{ cs_regex_contains(trimmed, '^[0-9]{1,2}/[0-9]{1,2}/[1-9][0-9]{3}[ T][0-9]{1,2}:[0-9]{2}:[0-9]{2}$') }}
            and {{ cs_is_calendar_date(dmy) }}
            then safe.parse_timestamp('%d/%m/%Y %H:%M:%S', replace({{ trimmed }}, 'T', ' '))
        when {{ cs_regex_contains(trimmed, '^[1-9][0-9]{3}-[0-9]{1,2}-[0-9]{1,2}$') }}
            and {{ cs_is_calendar_date(iso) }}
            then safe.parse_timestamp('%Y-%m-%d', {{ trimmed }})
        when {{ cs_regex_contains(trimmed, '^[1-9][0-9]{3}-[0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}:[0-9]{2}$') }}
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
    {%- set cleaned = cs_clean_text(text) -%}
    case
        when {{ cs_regex_contains(cleaned, '^[0-9]{1,2}/[0-9]{1,2}/[1-9][0-9]{3}$') }}
            then try_strptime({{ cleaned }}, '%d/%m/%Y')
        when {{ cs_regex_contains(cleaned, '^[0-9]{1,2}/[0-9]{1,2}/[1-9][0-9]{3}[ T][0-9]{1,2}:[0-9]{2}:[0-9]{2}$') }}
            then try_strptime(replace({{ cleaned }}, 'T', ' '), '%d/%m/%Y %H:%M:%S')
        when {{ cs_regex_contains(cleaned, '^[1-9][0-9]{3}-[0-9]{1,2}-[0-9]{1,2}$') }}
            then try_strptime({{ cleaned }}, '%Y-%m-%d')
        when {{ cs_regex_contains(cleaned, '^[1-9][0-9]{3}-[0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}:[0-9]{2}$') }}
            then try_strptime(replace({{ cleaned }}, 'T', ' '), '%Y-%m-%d %H:%M:%S')
        when {{ cs_regex_contains(cleaned, '^[0-9]{9,10}$') }}
            then make_timestamp(cast({{ cleaned }} as bigint) * 1000000)
    end
{%- endmacro %}


{% macro cs_parse_date(text) -%}
    cast({{ cs_parse_timestamp(text) }} as date)
{%- endmacro %}


{# true when the text holds something (not null/blank) that did not parse #}
{% macro cs_is_unparsed(text, parsed) -%}
    ({{ cs_clean_text(text) }} is not null and ({{ parsed }}) is null)
{%- endmacro %}


{#
    Why a date/timestamp column has no usable value: 'missing' (null or blank text),
    'invalid' (text that is no date), 'implausible' (a real date outside the window:
    before var plausible_date_min, the oldest date the business can have, or more than
    `days_after` days after the end of the row's batch period), or null (usable).
    days_after: var plausible_days_after_batch for things that happened (signup, start,
    payment, cancellation, opening), plausible_days_after_batch_scheduled for dates
    that may lie ahead (term end, due date). Unknown batch end: no upper bound.
#}
{% macro cs_date_problem(text, parsed, batch_end_date, days_after) -%}
    case
        when {{ cs_clean_text(text) }} is null then 'missing'
        when ({{ parsed }}) is null then 'invalid'
        when {{ cs_is_implausible_date(parsed, batch_end_date, days_after) }} then 'implausible'
    end
{%- endmacro %}


{# true when a parsed date/timestamp lies outside the plausibility window (see cs_date_problem) #}
{% macro cs_is_implausible_date(parsed, batch_end_date, days_after=var('plausible_days_after_batch')) -%}
    coalesce(
        cast({{ parsed }} as date) < cast('{{ var("plausible_date_min") }}' as date)
        or cast({{ parsed }} as date) > {{ cs_date_add(batch_end_date, days_after) }},
        false
    )
{%- endmacro %}


{#
    The reason code of a date column: invalid_<name> / implausible_<name>, and
    missing_<name> when the column is required; null when the value is usable (or
    absent from an optional column).
#}
{% macro cs_date_reason(text, parsed, name, batch_end_date, scheduled=false, required=true) -%}
    {%- set days_after = var('plausible_days_after_batch_scheduled') if scheduled else var('plausible_days_after_batch') -%}
    case {{ cs_date_problem(text, parsed, batch_end_date, days_after) }}
        {%- if required %}
        when 'missing' then 'missing_{{ name }}'
        {%- endif %}
        when 'invalid' then 'invalid_{{ name }}'
        when 'implausible' then 'implausible_{{ name }}'
    end
{%- endmacro %}
