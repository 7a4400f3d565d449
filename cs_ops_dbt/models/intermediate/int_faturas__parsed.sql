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
select * from {{ ref('stg_erp__faturas') }}
{% if is_incremental() %}
where batch_id > {{ incremental_max_literal('batch_id', "''") }}
{% endif %}
