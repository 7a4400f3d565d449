{#
    BigQuery bills the bytes of the columns a query reads in the partitions it reads.
    The usage-event tables are partitioned by a date and clustered by customer_id there,
    and an incremental run names the new partitions with a literal, so it reads only them
    (what a run costs: cs_ops_dbt/README.md). DuckDB has no partitions to configure (its
    zonemaps skip row groups on the same filters): every macro here is a no-op on it.

        config(partition_by=cs_partition_by('known_date'), cluster_by=cs_cluster_by(['customer_id']))
#}
{% macro cs_partition_by(column, granularity='day') -%}
    {{ return(adapter.dispatch('cs_partition_by', 'cs_ops_dbt')(column, granularity)) }}
{%- endmacro %}

{% macro default__cs_partition_by(column, granularity) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro bigquery__cs_partition_by(column, granularity) -%}
    {{ return({'field': column, 'data_type': 'date', 'granularity': granularity}) }}
{%- endmacro %}


{% macro cs_cluster_by(columns) -%}
    {{ return(adapter.dispatch('cs_cluster_by', 'cs_ops_dbt')(columns)) }}
{%- endmacro %}

{% macro default__cs_cluster_by(columns) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro bigquery__cs_cluster_by(columns) -%}
    {{ return(columns) }}
{%- endmacro %}


{#
    `and <column> >= <literal>`: the partitions that can hold the batches after `since`
    (a batch_id literal), for a relation partitioned by `column`. Every row of a batch
    carries its batch's `batches_column` (known_date = the batch period's end, loaded_at
    = when the batch was loaded), so the rows of the new batches are all at or after the
    smallest value among them: the predicate adds nothing to `batch_id > since` but a
    literal bound on the partition column, which BigQuery prunes on (`kind`: date or
    timestamp, the literal's type). `batches` is the
    batch ledger (stg_erp__load_batches), read when compiling. No new batch: the bound is
    the largest value known, which keeps the newest partitions only.
#}
{% macro cs_new_batch_partitions(column, kind, batches, batches_column, since) -%}
    {{ return(adapter.dispatch('cs_new_batch_partitions', 'cs_ops_dbt')(column, kind, batches, batches_column, since)) }}
{%- endmacro %}

{% macro default__cs_new_batch_partitions(column, kind, batches, batches_column, since) -%}
{%- endmacro %}

{% macro bigquery__cs_new_batch_partitions(column, kind, batches, batches_column, since) -%}
    {%- if execute -%}
    {%- set result = run_query(
        'select coalesce(min(case when batch_id > ' ~ since ~ ' then ' ~ batches_column ~ ' end), max('
        ~ batches_column ~ ')) from ' ~ batches) -%}
    {%- set bound = result.columns[0].values()[0] -%}
    {%- if bound is not none %}
        {#- a timestamp floored to the second: the bound may only get lower #}
        and {{ column }} >= {{ kind }} '{{ bound.strftime('%Y-%m-%d %H:%M:%S') if kind == 'timestamp' else bound }}'
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}
