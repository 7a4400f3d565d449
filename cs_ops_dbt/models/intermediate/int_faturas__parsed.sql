{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
    )
}}
{#
    The staged invoices (stg_erp__faturas) stored once per batch: the intermediate
    models read these rows instead of parsing the whole history again on every run.
#}
{{ rows_of_new_batches('stg_erp__faturas') }}
