{#
    CNPJ: keep the 14 digits whether or not the source punctuated them
    (12.345.678/0001-95 or 12345678000195), read through cs_clean_text; anything else
    (letters, another number of digits) -> null. Check digits: cs_is_valid_cnpj (a flag:
    the CNPJ is descriptive, no fact is computed from it).
#}
{% macro cs_normalize_cnpj(text) -%}
    {%- set cleaned = cs_clean_text(text) -%}
    case
        when {{ cs_regex_contains(cleaned, '^[0-9./ -]+$') }}
            and length({{ cs_regex_replace(cleaned, '[^0-9]', '') }}) = 14
            then {{ cs_regex_replace(cleaned, '[^0-9]', '') }}
    end
{%- endmacro %}


{#
    True when a normalised 14-digit CNPJ has correct check digits (modulo 11 with
    weights 5..2,9..2 then 6..2,9..2) and is not one repeated digit; false otherwise.
#}
{% macro cs_is_valid_cnpj(cnpj) -%}
    {%- set first_weights = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2] -%}
    {%- set second_weights = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2] -%}
    coalesce(
        {{ cnpj }} is not null
        and not {{ cs_regex_contains(cnpj, '^(0+|1+|2+|3+|4+|5+|6+|7+|8+|9+)$') }}
        and cast(substr({{ cnpj }}, 13, 1) as {{ cs_type('int') }}) = {{ _cs_cnpj_check_digit(cnpj, first_weights) }}
        and cast(substr({{ cnpj }}, 14, 1) as {{ cs_type('int') }}) = {{ _cs_cnpj_check_digit(cnpj, second_weights) }},
        false
    )
{%- endmacro %}

{% macro _cs_cnpj_check_digit(cnpj, weights) -%}
    case
        when mod(
            {%- for weight in weights %}
            cast(substr({{ cnpj }}, {{ loop.index }}, 1) as {{ cs_type('int') }}) * {{ weight }}{% if not loop.last %} +{% endif %}
            {%- endfor %}
        , 11) < 2 then 0
        else 11 - mod(
            {%- for weight in weights %}
            cast(substr({{ cnpj }}, {{ loop.index }}, 1) as {{ cs_type('int') }}) * {{ weight }}{% if not loop.last %} +{% endif %}
            {%- endfor %}
        , 11)
    end
{%- endmacro %}
