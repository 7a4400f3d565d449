{#
    For an incremental int_<table>__classified model: the keys whose rows must be
    classified again after the batches later than `since` (the last batch already
    classified, a literal):
      - every key with a row in those batches (a new version re-ranks all versions);
      - with customer_check (every table but the customers themselves): every key with
        a row naming a customer first known in those batches (known ids are only ever
        added, so only an orphan_customer row can change its class);
      - with contract_check (invoices): every key with a row naming a contract first
        known in those batches (an orphan_contract row can become valid).
    Rows of other keys keep their class: a full refresh would classify them the same.
    Reads only the stored parsed rows (int_<table>__parsed), never the model itself
    (its pre-hook deletes first) nor the staging views (they parse every raw row).
#}
{% macro reclassified_keys(records_model, key, since, customer_check=true, contract_check=false) -%}
    select {{ key }}
    from {{ ref(records_model) }}
    where {{ key }} is not null
        and (
            batch_id > {{ since }}
            {%- if customer_check %}
            or customer_id in ({{ first_known_after('int_clientes__parsed', 'customer_id', since) }})
            {%- endif %}
            {%- if contract_check %}
            or contract_id in ({{ first_known_after('int_contratos__parsed', 'contract_id', since) }})
            {%- endif %}
        )
{%- endmacro %}


{# the valid ids of a parsed model whose first valid row came in a batch later than `since` #}
{% macro first_known_after(records_model, key, since) -%}
    select {{ key }}
    from {{ ref(records_model) }}
    where invalid_reason is null
    group by {{ key }}
    having min(batch_id) > {{ since }}
{%- endmacro %}


{#
    The rows an incremental classified model classifies again, as a condition on its
    parsed rows: those of the keys reclassified_keys returns for the batches after the
    last one classified (`batch_id` watermark of the model), and the rows without a key
    (they are ranked together, so they are classified again too). The model selects
    these rows and its pre-hook (delete_reclassified_keys) deletes them first, so the
    rule is stated once for both. Empty on a full refresh (every row is classified).
#}
{% macro reclassified_filter(records_model, key, customer_check=true, contract_check=false) -%}
    {%- if is_incremental() -%}
    {{ key }} is null or {{ key }} in (
        {{ reclassified_keys(records_model, key, incremental_max_literal('batch_id', "''"), customer_check, contract_check) }}
    )
    {%- endif -%}
{%- endmacro %}


{#
    The pre-hook of an incremental classified model: deletes the rows it is about to
    classify again (reclassified_filter). Nothing on a full refresh. On DuckDB the
    delete and the insert share one transaction; on BigQuery a failed insert leaves the
    watermark (max batch_id) unchanged, so the next run redoes the same keys.
#}
{% macro delete_reclassified_keys(records_model, key, customer_check=true, contract_check=false) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ reclassified_filter(records_model, key, customer_check, contract_check) }}
    {%- endif -%}
{%- endmacro %}


{#
    dim_usuarios: the users whose rows int_usuarios__classified wrote in its latest run
    (every row after a full refresh of it), and the pre-hook that deletes them.
#}
{% macro rewritten_users() -%}
    select user_id
    from {{ ref('int_usuarios__classified') }}
    where processed_at = (select max(processed_at) from {{ ref('int_usuarios__classified') }})
{%- endmacro %}

{% macro delete_rewritten_users() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where user_id in ({{ rewritten_users() }})
    {%- endif -%}
{%- endmacro %}
