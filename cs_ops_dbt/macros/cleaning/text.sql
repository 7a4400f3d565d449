{#
    Text as a person reads it: format characters that print as nothing (zero-width
    space/joiner, byte-order mark, soft hyphen, direction marks: Unicode category Cf)
    removed; every other kind of space or control character (non-breaking space, tab,
    line break) turned into one plain space; trimmed; blank -> null.
    Every cleaning macro reads its input through this one.
#}
{% macro cs_clean_text(text) -%}
    nullif(trim({{ cs_regex_replace(cs_regex_replace(text, '\\p{Cf}', ''), '[\\p{Z}\\p{Cc}]+', ' ') }}), '')
{%- endmacro %}
