{# an email address read through cs_clean_text and lowercased (null when blank) #}
{% macro cs_normalize_email(text) -%}
    lower({{ cs_clean_text(text) }})
{%- endmacro %}

{#
    True for a plausible address: one @, a local part of letters/digits/._%+-,
    a domain with at least one dot and a 2+ letter top level, no '..'.
    Takes the normalised (lowercase) address.
#}
{% macro cs_is_valid_email(email) -%}
    coalesce(
        {{ cs_regex_contains(email, '^[a-z0-9._%+-]+@[a-z0-9-]+([.][a-z0-9-]+)*[.][a-z]{2,}$') }}
        and strpos({{ email }}, '..') = 0,
        false
    )
{%- endmacro %}
