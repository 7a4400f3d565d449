{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
    )
}}
{#
    The staged users (stg_erp__usuarios: parsed dates, normalised emails and enums,
    row rules, raw values as JSON) stored once per batch. Users are the largest
    dimension table, and parsing them is the costly part: each batch is parsed once,
    and int_usuarios__classified re-ranks the stored rows instead of re-parsing history.
#}
{{ rows_of_new_batches('stg_erp__usuarios') }}
