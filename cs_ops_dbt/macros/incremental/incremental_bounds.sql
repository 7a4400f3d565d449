{#
    The largest value of a column in the existing incremental table, as a SQL literal,
    read when the model is compiled. A literal (rather than a subquery) lets both
    engines prune the scan of the big source (DuckDB zonemaps, BigQuery partitions).
    Returns `fallback` when the table is empty or when dbt is only parsing.
#}
{% macro incremental_max_literal(column, fallback) -%}
    {{ return(max_literal(this, column, fallback)) }}
{%- endmacro %}


{#
    The newest batch_id in the existing incremental table, as a SQL literal ('' when
    empty), for a table whose rows of a batch all sit in the partition of that batch's
    `batches_column` value in the ledger: on BigQuery only the newest partitions are
    read when that is enough (cs_newest_batch), else the whole batch_id column.
#}
{% macro incremental_batch_watermark(partition_column, batches, batches_column) -%}
    {%- set newest = cs_newest_batch(this, partition_column, batches, batches_column) -%}
    {{ return(newest if newest is not none else incremental_max_literal('batch_id', "''")) }}
{%- endmacro %}


{# The same for any relation (e.g. an upstream model's latest date), read when compiling. #}
{% macro max_literal(relation, column, fallback) -%}
    {%- if not execute -%}
        {{ return(fallback) }}
    {%- endif -%}
    {%- set result = run_query('select max(' ~ column ~ ') from ' ~ relation) -%}
    {%- set value = result.columns[0].values()[0] if result is not none else none -%}
    {%- if value is none -%}
        {{ return(fallback) }}
    {%- endif -%}
    {{ return("'" ~ value ~ "'") }}
{%- endmacro %}


{#
    The start of this dbt invocation as a timestamp literal: incremental models stamp
    the rows they write with it, so tests can check only the latest run's rows.
#}
{% macro cs_run_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}


{#
    A 32-bit hash of an id, stored next to it so that incremental runs and tests look
    ids up in a long history as small integers (half the bytes of a 64-bit hash; the
    few ids that share one are told apart by comparing the ids themselves).
#}
{% macro cs_lookup_key(expression) -%}
    cast(mod({{ cs_hash_key(expression) }}, 4294967296) as {{ cs_type('int') }})
{%- endmacro %}

