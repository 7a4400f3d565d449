{#
    Tests for insert-only incremental models, on the rows the latest run wrote
    (run_column = the run's start, stamped on every row it inserts). Older rows were
    tested by the run that wrote them and insert-only models never change them, so
    checking the new rows proves the whole table while an incremental run reads only
    its batch. After a full refresh every row belongs to the latest run.
    batch_period_column (optional): a partition column holding each row's batch period
    end (stg_erp__load_batches.period_end_date): the rows of the run are also bounded
    on it, which BigQuery prunes on (latest_run_partitions).
#}
{% test unique_combination_in_latest_run(model, columns, run_column='processed_at', batch_period_column=none) %}
{#- the rows the latest run wrote: one condition, looked up once #}
{%- set latest_run = written_by_latest_run(model, run_column, batch_period_column) %}

with

latest as (

    select distinct {{ columns | join(', ') }}
    from {{ model }}
    where {{ latest_run }}

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
{% test primary_key_in_latest_run(model, column_name, run_column='processed_at', hash_column=none, batch_period_column=none) %}
{#- the rows the latest run wrote: one condition, looked up once #}
{%- set latest_run = written_by_latest_run(model, run_column, batch_period_column) %}

with

{% if hash_column %}
{# each CTE reads the model once: a CTE read several times is materialized (DuckDB) #}
latest_hashes as (

    select {{ hash_column }} as hash_value
    from {{ model }}
    where {{ latest_run }}

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
    where {{ latest_run }}
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
    where {{ latest_run }}

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
{% test not_null_columns_in_latest_run(model, columns, run_column='processed_at', batch_period_column=none) %}
{#- the rows the latest run wrote: one condition, looked up once #}
{%- set latest_run = written_by_latest_run(model, run_column, batch_period_column) %}

select {{ columns | join(', ') }}
from {{ model }}
where {{ latest_run }}
    and ({% for column in columns %}{{ column }} is null{{ ' or ' if not loop.last }}{% endfor %})

{% endtest %}


{#
    The rows the latest run wrote. In a `dbt build` that also built the model, that run
    is this invocation: its rows carry this run's start, and a run that wrote no rows
    has nothing new to check. Otherwise (`dbt test`, or a build that left the model
    out) they are the rows stamped with the newest run_column value. So rows written by
    a `dbt run` (which runs no tests) are checked by a `dbt test` before the next build
    writes, as they were before this rule; the pipeline always runs `dbt build`.
#}
{% macro written_by_latest_run(model, run_column, batch_period_column=none) -%}
    {%- if model_built_in_this_invocation(model) -%}
    {{ run_column }} = {{ cs_run_started_at() }}
    {%- if batch_period_column %}
        {{ latest_run_partitions(model, run_column, batch_period_column) }}
    {%- endif -%}
    {%- else -%}
    {{ run_column }} = (select max({{ run_column }}) from {{ model }})
    {%- endif -%}
{%- endmacro %}


{#
    `and (<batch_period_column> >= <literal> or <batch_period_column> is null)`: the
    partitions of the batches after the newest one written before this run, i.e. of the
    batches this run processed (the bound the model's own read of them had), and the
    null partition (a row without a batch period must still meet the test). Nothing when
    that batch cannot be told cheaply (cs_newest_batch; always on DuckDB). It adds no
    row to `run_column = this run's start`, which stays the test's condition.
#}
{% macro latest_run_partitions(model, run_column, batch_period_column) -%}
    {%- set batches = batch_ledger_relation() -%}
    {%- set before_this_run = none if batches is none else cs_newest_batch(
        model, batch_period_column, batches, 'period_end_date',
        run_column ~ ' < ' ~ cs_run_started_at()) -%}
    {%- set bound = cs_first_new_batch_value('date', batches, 'period_end_date', before_this_run)
        if before_this_run is not none else none -%}
    {%- if bound is not none -%}
        and ({{ batch_period_column }} >= {{ bound }} or {{ batch_period_column }} is null)
    {%- endif -%}
{%- endmacro %}


{#
    The batch ledger (stg_erp__load_batches), found in the graph when the test runs: a
    ref() would make each test using it a child of the ledger too, so that
    `--select stg_erp__load_batches` would run it (before its model exists).
#}
{% macro batch_ledger_relation() -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.name == 'stg_erp__load_batches' -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}


{# The model behind a relation is among the nodes this `dbt build` runs. #}
{% macro model_built_in_this_invocation(relation) -%}
    {%- if not execute or flags.WHICH != 'build' -%}
        {{ return(false) }}
    {%- endif -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model'
        and node.alias == relation.identifier
        and node.schema == relation.schema -%}
        {{ return(node.unique_id in selected_resources) }}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}
