{#
    Incremental int_clientes__mensal: which customer-months a new batch can change.
    `last_snapshot` is the latest snapshot date already computed (a literal); every
    batch after it has known_date > last_snapshot.

    A past snapshot's features use only rows known by its date, so they change only
    for the customers the new rows touch (touched_customers):
      - customers with a customer row in the new batches (attributes, signup date);
      - customers of every version of a contract with a row in the new batches
        (MRR, first contract, churn dates: latest knowledge), and of the invoices of
        those contracts (an invoice of an unknown contract becomes valid).
    The label looks forward: churn_status and is_label_complete change only for
    snapshots within churn_horizon_days of the as-of date (recent_snapshot).
#}
{% macro touched_customers(last_snapshot) -%}
    {%- set since = 'cast(' ~ last_snapshot ~ ' as date)' -%}
    select customer_id
    from {{ ref('int_clientes__classified') }}
    where known_date > {{ since }}
    union all
    select customer_id
    from {{ ref('int_contratos__classified') }}
    where contract_id in (
        select contract_id from {{ ref('int_contratos__classified') }} where known_date > {{ since }}
    )
    union all
    select customer_id
    from {{ ref('int_faturas__classified') }}
    where contract_id in (
        select contract_id from {{ ref('int_contratos__classified') }} where known_date > {{ since }}
    )
{%- endmacro %}


{% macro recent_snapshot(snapshot_column, last_snapshot) -%}
    {{ snapshot_column }} > {{ cs_date_add('cast(' ~ last_snapshot ~ ' as date)', -var('churn_horizon_days')) }}
{%- endmacro %}


{#
    The pre-hook: deletes the customer-months the model is about to compute again.
    Nothing on a full refresh.
#}
{% macro delete_recomputed_customer_months() -%}
    {%- if is_incremental() -%}
    {%- set last_snapshot = incremental_max_literal('snapshot_date', "'1900-01-01'") -%}
    delete from {{ this }}
    where {{ recent_snapshot('snapshot_date', last_snapshot) }}
        or customer_id in ({{ touched_customers(last_snapshot) }})
    {%- endif -%}
{%- endmacro %}


{#
    Inside an "as known on each snapshot date" join of `versions` to snapshot_dates: in an
    incremental run, keep only what the run computes again (recent snapshots, or records
    of touched customers). Whole records (all their versions) stay, so the ranking of the
    versions still sees every one. Nothing on a full refresh.
#}
{% macro recomputed_versions_only(versions, record_id, last_snapshot) -%}
    {%- if is_incremental() -%}
    and (
        {{ recent_snapshot('snapshot_dates.snapshot_date', last_snapshot) }}
        or {{ versions }}.{{ record_id }} in (
            select {{ record_id }} from {{ versions }} where customer_id in (select customer_id from touched)
        )
    )
    {%- endif -%}
{%- endmacro %}
