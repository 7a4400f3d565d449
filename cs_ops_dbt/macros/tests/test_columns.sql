{#
    Generic tests that check several guarantees of a model in one query (one dbt node
    and one scan instead of one per column): dbt's per-test overhead and the repeated
    scans were most of the tests' time in an incremental build.

    primary_key: the column is unique and never null (dbt's `unique` + `not_null`).
    Fails with one row per repeated key and one row for the null keys.
#}
{% test primary_key(model, column_name) %}

select {{ column_name }} as key_value, count(*) as n_records
from {{ model }}
group by {{ column_name }}
having count(*) > 1 or {{ column_name }} is null

{% endtest %}


{#
    not_null_columns: none of `columns` is null (dbt's `not_null` on each of them).
    Fails with one row per row that has a null in any of them.
#}
{% test not_null_columns(model, columns) %}

select {{ columns | join(', ') }}
from {{ model }}
where {% for column in columns %}{{ column }} is null{{ ' or ' if not loop.last }}{% endfor %}

{% endtest %}
