{#
    The one ordering that decides which version of a record wins, used by every
    deduplication and every "as known on a date" ranking: latest updated_at (a null
    loses), then latest batch, then source file, then the raw row itself (raw_values,
    the JSON text of every raw column), so that two different rows that tie on all of
    these still rank the same way on every run and on both engines. `relation`
    qualifies the columns when the ranking reads a join.
#}
{% macro latest_version_first(relation=none) -%}
    {%- set p = relation ~ '.' if relation else '' -%}
    {{ p }}updated_at desc nulls last, {{ p }}batch_id desc, {{ p }}source_file desc, {{ p }}raw_values desc
{%- endmacro %}
