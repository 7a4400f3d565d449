{#
    Money exported as text, in reais. The text (read through cs_clean_text) is an
    optional sign and 'R$' in either order ('-R$ 1.234,56', 'R$ -1.234,56'), then a
    number read in both conventions:
      Brazilian       1.234,56   1234,56   1.234.567   (',' decimal, '.' thousands)
      international   1,234.56   1234.56   1,234,567   ('.' decimal, ',' thousands)
    Thousands groups have three digits. The value is kept when exactly one convention
    reads the text, or both read the same number (plain '1234'), and it is whole cents.
    When both read it and disagree ('2,500' is 2.5 or 2500, '1.234' is 1.234 or 1234) the
    text is ambiguous; no reading, or a fraction of a cent ('1234.567'), is invalid.
    Both give null: cs_money_problem says which ('ambiguous' / 'invalid').
#}
{% macro cs_parse_brl(text) -%}
    {{ _cs_money_parts(text).reading }}
{%- endmacro %}


{# 'missing' (null or blank), 'ambiguous', 'invalid', or null (a readable amount) #}
{% macro cs_money_problem(text) -%}
    {%- set parts = _cs_money_parts(text) -%}
    case
        when {{ cs_clean_text(text) }} is null then 'missing'
        when {{ parts.br_ok }} and {{ parts.us_ok }} and {{ parts.br_value }} <> {{ parts.us_value }} then 'ambiguous'
        when ({{ parts.reading }}) is null then 'invalid'
    end
{%- endmacro %}


{#
    The pieces both macros use: is the text a sign/'R$' prefix and digits with '.'/','
    (shape_ok), the number's digits and separators, each convention's reading, and the
    reading kept (a fraction of a cent in the only reading: none).
#}
{% macro _cs_money_parts(text) -%}
    {%- set cleaned = cs_clean_text(text) -%}
    {%- set number = cs_regex_extract(cleaned, '([0-9][0-9.,]*)$') -%}
    {#- at most 15 digits: a 64-bit float holds them exactly -#}
    {%- set shape_ok = '(' ~ cs_regex_contains(cleaned, '^(-(R[$] ?)?|(R[$] ?)?-?)[0-9][0-9.,]*$')
        ~ ' and length(' ~ cs_regex_replace(number, '[.,]', '') ~ ') <= 15)' -%}
    {%- set br_ok = 'coalesce(' ~ shape_ok ~ ' and '
        ~ cs_regex_contains(number, '^([0-9]{1,3}([.][0-9]{3})+|[0-9]+)(,[0-9]+)?$') ~ ', false)' -%}
    {%- set us_ok = 'coalesce(' ~ shape_ok ~ ' and '
        ~ cs_regex_contains(number, '^([0-9]{1,3}(,[0-9]{3})+|[0-9]+)([.][0-9]+)?$') ~ ', false)' -%}
    {%- set br_value = cs_safe_cast("replace(replace(" ~ number ~ ", '.', ''), ',', '.')", 'float') -%}
    {%- set us_value = cs_safe_cast("replace(" ~ number ~ ", ',', '')", 'float') -%}
    {%- set sign = 'case when strpos(' ~ cleaned ~ ", '-') > 0 then -1 else 1 end" -%}
    {%- set reading -%}
        case
            when {{ br_ok }} and {{ us_ok }} and {{ br_value }} = {{ us_value }} then {{ sign }} * {{ br_value }}
            when {{ br_ok }} and not {{ us_ok }} and not {{ cs_regex_contains(number, ',[0-9]{2}[0-9]*[1-9]') }}
                then {{ sign }} * {{ br_value }}
            when {{ us_ok }} and not {{ br_ok }} and not {{ cs_regex_contains(number, '[.][0-9]{2}[0-9]*[1-9]') }}
                then {{ sign }} * {{ us_value }}
        end
    {%- endset -%}
    {{ return({'br_ok': br_ok, 'us_ok': us_ok, 'br_value': br_value, 'us_value': us_value, 'reading': reading}) }}
{%- endmacro %}


{# the reason code of a required money column: missing_money / ambiguous_money / invalid_money, or null #}
{% macro cs_money_reason(text) -%}
    case {{ cs_money_problem(text) }}
        when 'missing' then 'missing_money'
        when 'ambiguous' then 'ambiguous_money'
        when 'invalid' then 'invalid_money'
    end
{%- endmacro %}
