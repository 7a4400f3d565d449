{#
    The comparison key of a categorical value: accents removed, lowercase, inner
    whitespace collapsed, trimmed. ' ATIVO ', 'Ativo' and 'ativo' share the key 'ativo'.
#}
{% macro cs_enum_key(text) -%}
    trim(lower({{ cs_regex_replace(cs_strip_accents(text), '\\s+', ' ') }}))
{%- endmacro %}


{#
    The canonical value of a categorical column: `mapping` maps keys (as made by
    cs_enum_key) to the canonical spelling. Unknown values -> null (staging flags them).
#}
{% macro cs_normalize_enum(text, mapping) -%}
    case {{ cs_enum_key(text) }}
        {%- for key, value in mapping.items() %}
        when '{{ key }}' then '{{ value }}'
        {%- endfor %}
    end
{%- endmacro %}
