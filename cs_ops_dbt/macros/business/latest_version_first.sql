{#
    The one ordering that decides which version of a record wins, used by every
    deduplication and every "as known on a date" ranking: latest updated_at (a null
    loses), then latest batch, then source file. `relation` qualifies the columns
    when the ranking reads a join.
#}
{% macro latest_version_first(relation=none) -%}
    {%- set p = relation ~ '.' if relation else '' -%}
    {{ p }}updated_at desc nulls last, {{ p }}batch_id desc, {{ p }}source_file desc
{%- endmacro %}
