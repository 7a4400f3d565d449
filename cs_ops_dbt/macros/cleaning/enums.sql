{#
    The comparison key of a categorical value: read through cs_clean_text (invisible
    characters out, any spaces one space, trimmed), accents removed, lowercase.
    ' ATIVO ', 'Ativo', 'ativo' and 'Ativo' + zero-width space share the key 'ativo'.
#}
{% macro cs_enum_key(text, fold_accents=true) -%}
    {%- if fold_accents -%}
    lower({{ cs_strip_accents(cs_clean_text(text)) }})
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


{#
    invalid_<name> when the text holds a value (after cs_clean_text) that no mapping
    knows; null otherwise. For the categorical columns a fact is computed from.
#}
{% macro cs_enum_reason(text, normalized, name) -%}
    case when {{ cs_clean_text(text) }} is not null and ({{ normalized }}) is null then 'invalid_{{ name }}' end
{%- endmacro %}


{#
    A ';'-separated list of modules (Financeiro;Fiscal;BI): each item read like an enum
    (case, accents, spaces, invisible characters), the list rewritten with the canonical
    names joined by ';'. A list with an unknown, empty or garbled item -> null (unknown,
    never a shorter list); blank -> null.
#}
{% macro cs_normalize_module_list(text) -%}
    {%- set keys = cs_enum_values('module').keys() | join('|') -%}
    {%- set key = cs_enum_key(text) -%}
    case
        when {{ cs_regex_contains(key, '^(' ~ keys ~ ')( ?; ?(' ~ keys ~ '))*$') }}
            then {{ _cs_canonical_modules(cs_regex_replace(key, ' ?; ?', ';')) }}
    end
{%- endmacro %}

{% macro _cs_canonical_modules(key_list) -%}
    {#- separators doubled (;a;;b;) so every item is matched, also a repeated one -#}
    {%- set ns = namespace(expression="concat(';', replace(" ~ key_list ~ ", ';', ';;'), ';')") -%}
    {%- for key, value in cs_enum_values('module').items() -%}
        {%- set ns.expression = "replace(" ~ ns.expression ~ ", ';" ~ key ~ ";', ';" ~ value ~ ";')" -%}
    {%- endfor -%}
    trim(replace({{ ns.expression }}, ';;', ';'), ';')
{%- endmacro %}


{#
    How many distinct modules a normalised list (cs_normalize_module_list) names: a
    module listed twice (RH;RH) is licensed once. Null when the list is unknown.
#}
{% macro cs_module_count(module_list) -%}
    case when ({{ module_list }}) is not null then cast(
        {%- for module in cs_enum_values('module').values() | unique %}
        {{ '+ ' if not loop.first }}case when concat(';', {{ module_list }}, ';') like '%;{{ module }};%' then 1 else 0 end
        {%- endfor %}
    as {{ cs_type('int') }}) end
{%- endmacro %}
