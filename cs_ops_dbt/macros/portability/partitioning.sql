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
    {%- set bound = cs_first_new_batch_value(kind, batches, batches_column, since) -%}
    {%- if bound is not none %}
        and {{ column }} >= {{ bound }}
    {%- endif -%}
{%- endmacro %}


{#
    The smallest `batches_column` value of the batches after `since` in the ledger (the
    largest of all when none is), as a `kind` literal; none when not executing or the
    ledger is empty. Read when compiling, on BigQuery only.
#}
{% macro cs_first_new_batch_value(kind, batches, batches_column, since) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set result = run_query(
        'select coalesce(min(case when batch_id > ' ~ since ~ ' then ' ~ batches_column ~ ' end), max('
        ~ batches_column ~ ')) from ' ~ batches) -%}
    {%- set bound = result.columns[0].values()[0] -%}
    {%- if bound is none -%}
        {{ return(none) }}
    {%- endif -%}
    {#- a timestamp floored to the second: the bound may only get lower #}
    {{ return(kind ~ " '" ~ (bound.strftime('%Y-%m-%d %H:%M:%S') if kind == 'timestamp' else bound) ~ "'") }}
{%- endmacro %}


{#
    The newest batch_id among the rows of `relation` that meet `condition`, read from
    the partitions of the newest batches only, as a SQL literal ('' when those rows
    hold none); none when that cannot be told without reading the whole table.
    For a relation whose rows of a batch all sit in the partition of that batch's
    `batches_column` value (int_eventos_uso__deduplicated: known_date, the batch
    period's end): the partitions read are those of the ledger's two newest batches
    (`batches`, read when compiling), and the answer holds when every batch after it
    in the ledger sorts into them too, since then no newer batch can sit in an older
    partition. It does after one new batch (or none), the usual run; several
    batches loaded at once give none. DuckDB: none (the plain max is cheap there).
#}
{% macro cs_newest_batch(relation, column, batches, batches_column, condition='true') -%}
    {{ return(adapter.dispatch('cs_newest_batch', 'cs_ops_dbt')(relation, column, batches, batches_column, condition)) }}
{%- endmacro %}

{% macro default__cs_newest_batch(relation, column, batches, batches_column, condition) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro bigquery__cs_newest_batch(relation, column, batches, batches_column, condition) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set ledger = run_query(
        'select batch_id, ' ~ batches_column ~ ' from ' ~ batches ~ ' order by batch_id desc').rows -%}
    {%- set newest_values = ledger[:2] | map(attribute=1) | reject('none') | list -%}
    {%- if newest_values | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set partitions_from = newest_values | min -%}
    {#- and the NULL partition: a row whose batch the ledger lacks sits there #}
    {%- set newest = run_query(
        'select max(batch_id) from ' ~ relation ~ ' where (' ~ column ~ " >= date '" ~ partitions_from
        ~ "' or " ~ column ~ ' is null) and (' ~ condition ~ ')').columns[0].values()[0] or '' -%}
    {%- for row in ledger if row[0] > newest and (row[1] is none or row[1] < partitions_from) -%}
        {{ return(none) }}
    {%- endfor -%}
    {{ return("'" ~ newest ~ "'") }}
{%- endmacro %}
