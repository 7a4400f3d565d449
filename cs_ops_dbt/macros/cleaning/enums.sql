{#
    The comparison key of a categorical value: accents removed, lowercase, inner
    whitespace collapsed, trimmed. ' ATIVO ', 'Ativo' and 'ativo' share the key 'ativo'.
#}
{% macro cs_enum_key(text, fold_accents=true) -%}
    {%- if fold_accents -%}
    trim(lower({{ cs_regex_replace(cs_strip_accents(text), '\\s+', ' ') }}))
    {%- else -%}
    lower(trim({{ text }}))
    {%- endif -%}
{%- endmacro %}


{#
    The canonical value of a categorical column: `mapping` maps keys (as made by
    cs_enum_key) to the canonical spelling. Unknown values -> null (staging flags them).
    fold_accents=false only trims and lowercases (cheaper, for machine-written columns).
#}
{% macro cs_normalize_enum(text, mapping, fold_accents=true) -%}
    case {{ cs_enum_key(text, fold_accents) }}
        {%- for key, value in mapping.items() %}
        when '{{ key }}' then '{{ value }}'
        {%- endfor %}
    end
{%- endmacro %}


{#
    A distinct power of two per module (0 for an unknown one), so a set of modules is
    an integer: bit_or combines sets and bit_count counts them, on both engines.
#}
{% macro cs_module_bit(module) -%}
    case {{ module }}
        {%- for key, value in cs_enum_values('module').items() %}
        when '{{ value }}' then {{ 2 ** loop.index0 }}
        {%- endfor %}
        else 0
    end
{%- endmacro %}
