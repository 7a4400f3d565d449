{#
    Ids (primary and foreign keys). Accepted: letters and digits, optionally in parts
    joined by single '-', '_' or '.' (CLI-000123, USR-0001234, C1), read through
    cs_clean_text (so surrounding or invisible spaces do not make a new id). Absurd ids
    are not ids: a final number of zeros only (CLI-000000, 0) or a run of more than
    `max_id_digits` (var) digits; a null word (NULL, None, NaN, nil, undefined) is missing; a sign, inner spaces, '--' or any other character make
    the text unreadable. cs_normalize_id gives the id or null; cs_id_reason says why not.
#}
{% macro cs_normalize_id(text) -%}
    case
        when {{ _cs_is_plain_id(text) }} then {{ text }}
        when {{ cs_id_problem(text) }} is null then {{ cs_clean_text(text) }}
    end
{%- endmacro %}


{# 'missing' (null or blank), 'invalid' (present but not an id), or null (a good id) #}
{% macro cs_id_problem(text) -%}
    {%- set cleaned = cs_clean_text(text) -%}
    {%- set too_long = '[0-9]{' ~ (var('max_id_digits') + 1) ~ '}' -%}
    case
        when {{ _cs_is_plain_id(text) }} then null
        when {{ cleaned }} is null then 'missing'
        when lower({{ cleaned }}) in ('null', 'none', 'nan', 'nil', 'undefined') then 'missing'
        when not {{ cs_regex_contains(cleaned, '^[A-Za-z0-9]+([._-][A-Za-z0-9]+)*$') }} then 'invalid'
        when {{ cs_regex_contains(cleaned, '(^|[^0-9])0+$') }} then 'invalid'
        when {{ cs_regex_contains(cleaned, too_long) }} then 'invalid'
    end
{%- endmacro %}


{#
    The reason code for an id column: missing_<name> / invalid_<name>, or null.
    name is the column's English name (customer_id, contract_id, ...).
#}
{% macro cs_id_reason(text, name) -%}
    case {{ cs_id_problem(text) }}
        when 'missing' then 'missing_{{ name }}'
        when 'invalid' then 'invalid_{{ name }}'
    end
{%- endmacro %}


{#
    The common, already clean form (PREFIX-digits, at most max_id_digits digits, not
    all zeros), checked with no rewriting: most rows of the 10M-row usage events stop
    here. One anchored pattern says letters, '-', then at most half of max_id_digits
    leading zeros, a non-zero digit and at most the rest of the digits: a plain id
    within the limit, read in one match (no length count). A plain id with more
    leading zeros or more digits than that split allows (still within the limit) is
    not refused: it takes the full path above, which gives it the same value.
#}
{% macro _cs_is_plain_id(text) -%}
    {%- set leading_zeros = var('max_id_digits') // 2 -%}
    {%- set other_digits = var('max_id_digits') - leading_zeros - 1 -%}
    coalesce(
        {{ cs_regex_contains(text, '^[A-Za-z]+-0{0,' ~ leading_zeros ~ '}[1-9][0-9]{0,' ~ other_digits ~ '}$') }},
        false
    )
{%- endmacro %}
