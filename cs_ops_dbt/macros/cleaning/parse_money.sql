{#
    Money exported as text, in reais:
      'R$ 1.234,56'  '1.234,56'  '1234,56'   Brazilian (comma decimal, dot thousands)
      '1234.56'      '1,234.56'  '1234'      international (dot decimal, comma thousands)
    A comma followed by one or two final digits is a decimal comma; otherwise commas
    separate thousands. Anything else (letters, two decimal marks) -> null.
#}
{% macro cs_parse_brl(text) -%}
    {%- set number = cs_regex_replace(text, '[^0-9.,-]', '') -%}
    case
        when not {{ cs_regex_contains(text, '^\\s*(R[$])?\\s*-?[0-9][0-9.,]*\\s*$') }} then null
        when {{ cs_regex_contains(number, '^-?[0-9]{1,3}([.][0-9]{3})*,[0-9]{1,2}$|^-?[0-9]+,[0-9]{1,2}$') }}
            then {{ cs_safe_cast("replace(replace(" ~ number ~ ", '.', ''), ',', '.')", 'float') }}
        when {{ cs_regex_contains(number, '^-?[0-9]{1,3}(,[0-9]{3})*([.][0-9]+)?$|^-?[0-9]+([.][0-9]+)?$') }}
            then {{ cs_safe_cast("replace(" ~ number ~ ", ',', '')", 'float') }}
        when {{ cs_regex_contains(text, '^\\s*R[$]') }} and {{ cs_regex_contains(number, '^-?[0-9]{1,3}([.][0-9]{3})+$') }}
            then {{ cs_safe_cast("replace(" ~ number ~ ", '.', '')", 'float') }}
    end
{%- endmacro %}
