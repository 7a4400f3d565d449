{#
    Money exported as text, in reais:
      'R$ 1.234,56'  '1.234,56'  '1234,56'   Brazilian (comma decimal, dot thousands)
      '1234.56'      '1,234.56'  '1234'      international (dot decimal, comma thousands)
    A comma followed by one or two final digits is a decimal comma; otherwise commas
    separate thousands. Anything else (letters, two decimal marks) -> null.
#}
{% macro cs_parse_brl(text) -%}
    {%- set cleaned = "replace(replace(replace(trim(" ~ text ~ "), 'R$', ''), ' ', ''), chr(160), '')" -%}
    case
        when {{ cs_regex_contains(cleaned, '^-?[0-9]{1,3}([.][0-9]{3})*,[0-9]{1,2}$') }}
            or {{ cs_regex_contains(cleaned, '^-?[0-9]+,[0-9]{1,2}$') }}
            then {{ cs_safe_cast("replace(replace(" ~ cleaned ~ ", '.', ''), ',', '.')", 'float') }}
        when {{ cs_regex_contains(cleaned, '^-?[0-9]{1,3}(,[0-9]{3})*([.][0-9]+)?$') }}
            or {{ cs_regex_contains(cleaned, '^-?[0-9]+([.][0-9]+)?$') }}
            then {{ cs_safe_cast("replace(" ~ cleaned ~ ", ',', '')", 'float') }}
        when {{ cs_regex_contains("trim(" ~ text ~ ")", '^R[$]') }}
            and {{ cs_regex_contains(cleaned, '^-?[0-9]{1,3}([.][0-9]{3})+$') }}
            then {{ cs_safe_cast("replace(" ~ cleaned ~ ", '.', '')", 'float') }}
    end
{%- endmacro %}
