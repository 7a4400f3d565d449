{#
    Generic test: the combination of `columns` identifies a row (a compound primary key).
    Fails with one row per repeated combination.
#}
{% test unique_combination(model, columns) %}

    select
        {{ columns | join(', ') }},
        count(*) as repeated_rows
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1

{% endtest %}
