{#
    Tests for insert-only incremental models, on the rows the latest run wrote
    (run_column = the run's start, stamped on every row it inserts). Older rows were
    tested by the run that wrote them and insert-only models never change them, so
    checking the new rows proves the whole table while an incremental run reads only
    its batch. After a full refresh every row belongs to the latest run.
#}
{% test unique_combination_in_latest_run(model, columns, run_column='processed_at') %}

with

latest as (

    select distinct {{ columns | join(', ') }}
    from {{ model }}
    where {{ written_by_latest_run(model, run_column) }}

)

select
    {%- for column in columns %}
    everything.{{ column }},
    {%- endfor %}
    count(*) as n_records
from {{ model }} as everything
inner join latest
    on {% for column in columns %}everything.{{ column }} = latest.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
group by {% for column in columns %}everything.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
having count(*) > 1

{% endtest %}


{#
    primary_key (unique + not null) of the key values the latest run wrote.
    hash_column (optional): the key's cs_lookup_key, stored. The latest rows' hashes
    are checked against their keys, so a repeated key has a repeated hash and the
    whole table is searched as integers: only keys whose hash repeats are compared
    as text (older rows' hashes were checked by the run that wrote them).
#}
{% test primary_key_in_latest_run(model, column_name, run_column='processed_at', hash_column=none) %}

with

{% if hash_column %}
{# each CTE reads the model once: a CTE read several times is materialized (DuckDB) #}
latest_hashes as (

    select {{ hash_column }} as hash_value
    from {{ model }}
    where {{ written_by_latest_run(model, run_column) }}

),

repeated_hashes as (

    select {{ hash_column }} as hash_value
    from {{ model }}
    where {{ hash_column }} in (select hash_value from latest_hashes)
    group by {{ hash_column }}
    having count(*) > 1

),

repeated as (

    select {{ column_name }} as key_value, count(*) as n_records
    from {{ model }}
    where {{ hash_column }} in (select hash_value from repeated_hashes)
    group by {{ column_name }}
    having count(*) > 1

),

{# null keys, and keys whose stored hash is not theirs #}
bad_keys as (

    select {{ column_name }} as key_value, count(*) as n_records
    from {{ model }}
    where {{ written_by_latest_run(model, run_column) }}
        and (
            {{ column_name }} is null
            or {{ hash_column }} is null
            or {{ hash_column }} <> {{ cs_lookup_key(column_name) }}
        )
    group by {{ column_name }}

)
{% else %}
latest as (

    select {{ column_name }} as key_value
    from {{ model }}
    where {{ written_by_latest_run(model, run_column) }}

),

{# a new key may repeat within the new rows or an older row: look it up in all rows #}
repeated as (

    select {{ column_name }} as key_value, count(*) as n_records
    from {{ model }}
    where {{ column_name }} in (select key_value from latest)
    group by {{ column_name }}
    having count(*) > 1

),

bad_keys as (

    select key_value, count(*) as n_records
    from latest
    where key_value is null
    group by key_value

)
{% endif %}

select * from repeated
union all
select * from bad_keys

{% endtest %}


{# not_null_columns on the rows the latest run wrote #}
{% test not_null_columns_in_latest_run(model, columns, run_column='processed_at') %}

select {{ columns | join(', ') }}
from {{ model }}
where {{ written_by_latest_run(model, run_column) }}
    and ({% for column in columns %}{{ column }} is null{{ ' or ' if not loop.last }}{% endfor %})

{% endtest %}


{# the rows the latest run wrote: those stamped with the newest run_column value #}
{% macro written_by_latest_run(model, run_column) -%}
    {{ run_column }} = (select max({{ run_column }}) from {{ model }})
{%- endmacro %}
