{# an integer within [low, high], else null (the model flags or quarantines it) #}
{% macro cs_integer_in_range(value, low, high) -%}
    case when {{ value }} between {{ low }} and {{ high }} then {{ value }} end
{%- endmacro %}
