{#
    Incremental int_clientes__mensal and fct_clientes_snapshot_mensal: which
    customer-months a new batch can change. `last_snapshot` is the latest snapshot date
    already computed (a literal); every batch after it has known_date > last_snapshot.

    A past snapshot's features use only rows known by its date; what a new batch can
    still change in one (a full refresh would give another value) is:
      - the spine and tenure: a customer's first month and signup month come from
        dim_clientes (latest knowledge: the customer's row, the first contract);
      - every version of a customer first known in the batch: its own rows and those of
        its contracts, invoices, tickets and NPS answers stop being orphans;
      - the attributes of the snapshots before the customer's first known version: they
        fall back to the version with the earliest updated_at, which a new row can be;
      - invoices of a contract first known in the batch (no longer orphan_contract);
      - the label (churn_status, is_label_complete): it looks forward, from the churn
        dates (latest knowledge of the contracts) and the as-of date.
    Usage windows never change for a past snapshot (int_uso__janelas_mensais only appends).
#}

{# the rows of a classified model brought by the batches after last_snapshot #}
{% macro known_after(last_snapshot) -%}
    known_date > cast({{ last_snapshot }} as date)
{%- endmacro %}


{# the contracts with a row in the new batches #}
{% macro new_contract_ids(last_snapshot) -%}
    select contract_id from {{ ref('int_contratos__classified') }} where {{ known_after(last_snapshot) }}
{%- endmacro %}


{#
    Every customer a new row can concern (a superset of what changes): the customers
    whose spine a new row can move (spine_candidates: a customer row in the new batches,
    or a version of a contract with a row in them) and the customers of the invoices of
    those contracts.
#}
{% macro touched_customers(last_snapshot) -%}
    {{ spine_candidates(last_snapshot) }}
    union all
    select customer_id
    from {{ ref('int_faturas__classified') }}
    where contract_id in ({{ new_contract_ids(last_snapshot) }})
{%- endmacro %}


{# customers of every version of a contract with a row in the new batches: their churn dates may move #}
{% macro contract_customers(last_snapshot) -%}
    select customer_id
    from {{ ref('int_contratos__classified') }}
    where contract_id in ({{ new_contract_ids(last_snapshot) }})
{%- endmacro %}


{#
    The customers int_clientes__mensal computes again in full (every month): those whose
    past features a new batch changes (see the top of this file). The spine and tenure
    are compared with the stored rows: a customer's first stored month and its tenure
    there against dim_clientes now (tenure counts month boundaries, so the same tenure on
    the same month means the same signup month).
#}
{% macro recomputed_customers(last_snapshot) -%}
    {%- set valid = "record_status in ('clean', 'duplicate')" -%}
    {%- set known_before = "known_date <= cast(" ~ last_snapshot ~ " as date)" -%}
    {# first known in the new batches: no valid version before #}
    select customer_id
    from {{ ref('int_clientes__classified') }}
    where {{ known_after(last_snapshot) }}
        and customer_id not in (
            select customer_id from {{ ref('int_clientes__classified') }}
            where {{ known_before }} and {{ valid }} and customer_id is not null
        )
    union all
    {# a new version that the snapshots before the first known one may fall back to #}
    select new_versions.customer_id
    from {{ ref('int_clientes__classified') }} as new_versions
    inner join (
        select
            customer_id,
            min(updated_at) as first_updated_at
        from {{ ref('int_clientes__classified') }}
        where {{ known_before }} and {{ valid }}
        group by customer_id
    ) as old_versions
        on new_versions.customer_id = old_versions.customer_id
    where new_versions.known_date > cast({{ last_snapshot }} as date)
        and new_versions.record_status in ('clean', 'duplicate')
        and (
            new_versions.updated_at is null
            or old_versions.first_updated_at is null
            or new_versions.updated_at <= old_versions.first_updated_at
        )
    union all
    {# invoices known before whose contract is first known in the new batches #}
    select customer_id
    from {{ ref('int_faturas__classified') }}
    where {{ known_before }}
        and contract_id in ({{ new_contract_ids(last_snapshot) }})
        and contract_id not in (
            select contract_id from {{ ref('int_contratos__classified') }}
            where {{ known_before }} and {{ valid }} and contract_id is not null
        )
    union all
    {# the first month or the signup month moved #}
    select coalesce(stored.customer_id, bounds.customer_id) as customer_id
    from (
        select
            customer_id,
            min(snapshot_date) as first_snapshot_date,
            min(tenure_months) as first_tenure_months
        from {{ this }}
        where customer_id in ({{ spine_candidates(last_snapshot) }})
        group by customer_id
    ) as stored
    full outer join (
        select
            customer_id,
            first_snapshot_date,
            {{ cs_date_diff('signup_date', 'first_snapshot_date', 'month') }} as first_tenure_months
        from (
            select
                customer_id,
                signup_date,
                {{ cs_month_end(customer_first_month('customers')) }} as first_snapshot_date
            from {{ ref('dim_clientes') }} as customers
            where signup_date is not null
                and customer_id in ({{ spine_candidates(last_snapshot) }})
        ) as customer_starts
        where first_snapshot_date <= cast({{ last_snapshot }} as date)
    ) as bounds
        on stored.customer_id = bounds.customer_id
    where stored.customer_id is null
        or bounds.customer_id is null
        or stored.first_snapshot_date <> bounds.first_snapshot_date
        or stored.first_tenure_months <> bounds.first_tenure_months
{%- endmacro %}


{# the customers whose first month or signup month a new row can move: a customer row or a contract version #}
{% macro spine_candidates(last_snapshot) -%}
    select customer_id from {{ ref('int_clientes__classified') }} where {{ known_after(last_snapshot) }}
    union all
    {{ contract_customers(last_snapshot) }}
{%- endmacro %}


{# a customer's first month: the month of the first contract or of the signup, whichever is earlier #}
{% macro customer_first_month(customers) -%}
    {{ cs_month_start(
        'case when ' ~ customers ~ '.first_contract_date < ' ~ customers ~ '.signup_date'
        ~ ' then ' ~ customers ~ '.first_contract_date else ' ~ customers ~ '.signup_date end'
    ) }}
{%- endmacro %}


{# snapshots within the churn horizon of last_snapshot (the mart's candidates) #}
{% macro recent_snapshot(snapshot_column, last_snapshot) -%}
    {{ snapshot_column }} > {{ cs_date_add('cast(' ~ last_snapshot ~ ' as date)', -var('churn_horizon_days')) }}
{%- endmacro %}


{#
    The label of a customer-month: churns within churn_horizon_days after the snapshot,
    and whether that whole horizon lies before the as-of date. `months` has customer_id
    and snapshot_date; `churns` is int_clientes__churns, `calendar` int_calendario__as_of.
#}
{% macro churn_label(months, churns) -%}
    cast(max(case
        when {{ churns }}.churned_date > {{ months }}.snapshot_date
            and {{ churns }}.churned_date <= {{ cs_date_add(months ~ '.snapshot_date', var('churn_horizon_days')) }}
            then 1 else 0
    end) as {{ cs_type('int') }})
{%- endmacro %}

{% macro label_is_complete(months, calendar) -%}
    ({{ cs_date_add(months ~ '.snapshot_date', var('churn_horizon_days')) }} <= {{ calendar }}.as_of_date)
{%- endmacro %}


{#
    int_clientes__mensal's pre-hooks (nothing on a full refresh):
    1. delete every month of the customers computed again (recomputed_customers);
    2. update the label of the other customers' months whose label can still move: an
       incomplete label (the as-of date moved), or a customer whose contracts have new
       rows (churn dates moved). Features stay: they are point in time. Only the rows
       whose label changes are written (processed_at: this run).
    The model then inserts the new snapshot month of every customer and every month of
    the customers without stored rows (the deleted ones and new customers).
#}
{% macro delete_recomputed_customer_months() -%}
    {%- if is_incremental() -%}
    {%- set last_snapshot = incremental_max_literal('snapshot_date', "'1900-01-01'") -%}
    delete from {{ this }}
    where customer_id in ({{ recomputed_customers(last_snapshot) }})
    {%- endif -%}
{%- endmacro %}

{% macro update_customer_month_labels() -%}
    {%- if is_incremental() -%}
    {%- set last_snapshot = incremental_max_literal('snapshot_date', "'1900-01-01'") -%}
    update {{ this }} as months
    set
        churn_status = labels.churn_status,
        is_label_complete = labels.is_label_complete,
        processed_at = {{ cs_run_started_at() }}
    from (
        select
            stored.customer_id,
            stored.snapshot_date,
            {{ churn_label('stored', 'churns') }} as churn_status,
            {{ label_is_complete('stored', 'calendar') }} as is_label_complete
        from {{ this }} as stored
        cross join {{ ref('int_calendario__as_of') }} as calendar
        left join {{ ref('int_clientes__churns') }} as churns
            on stored.customer_id = churns.customer_id
        where not stored.is_label_complete
            or stored.customer_id in ({{ contract_customers(last_snapshot) }})
        group by
            stored.customer_id,
            stored.snapshot_date,
            calendar.as_of_date
    ) as labels
    where months.customer_id = labels.customer_id
        and months.snapshot_date = labels.snapshot_date
        and (months.churn_status <> labels.churn_status or months.is_label_complete <> labels.is_label_complete)
    {%- endif -%}
{%- endmacro %}


{#
    Inside an "as known on each snapshot date" join of `versions` to snapshot_dates: in an
    incremental run, keep only what the run computes (the new snapshot month, or records
    of the customers computed in full, CTE `recomputed`). Whole records (all their
    versions) stay, so the ranking of the versions still sees every one. Nothing on a
    full refresh.
#}
{% macro recomputed_versions_only(versions, record_id, last_snapshot) -%}
    {%- if is_incremental() -%}
    and (
        snapshot_dates.snapshot_date > cast({{ last_snapshot }} as date)
        or {{ versions }}.{{ record_id }} in (
            select {{ record_id }} from {{ versions }} where customer_id in (select customer_id from recomputed)
        )
    )
    {%- endif -%}
{%- endmacro %}


{#
    fct_clientes_snapshot_mensal's pre-hooks (nothing on a full refresh). The mart is the
    active rows of int_clientes__mensal with the open invoices of
    int_faturas__em_aberto_mensal; `last_snapshot` is the mart's own latest snapshot, so
    whatever int_clientes__mensal did in runs the mart missed is caught up too.
    1. The rows of the customers the new batches touch (touched_customers) can differ in
       any column: the ones without an identical source row are deleted (every mart
       column is compared with the int_clientes__mensal column of the same name, except
       the open-invoice ones). The model then inserts the source rows of those customers
       and of the new snapshot months that have no mart row.
    2. Any other row can differ only in its label, and only within the churn horizon of
       the last snapshot: updated in place where it differs.
#}
{% macro delete_changed_snapshot_rows(open_invoice_columns) -%}
    {%- if is_incremental() -%}
    {%- set last_snapshot = incremental_max_literal('snapshot_date', "'1900-01-01'") -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    delete from {{ this }} as mart
    where mart.customer_id in ({{ touched_customers(last_snapshot) }})
        and not exists (
            select 1
            from {{ ref('int_clientes__mensal') }} as months
            left join {{ ref('int_faturas__em_aberto_mensal') }} as open_invoices
                on months.customer_id = open_invoices.customer_id
                and months.snapshot_date = open_invoices.snapshot_date
            where months.customer_id = mart.customer_id
                and months.snapshot_date = mart.snapshot_date
                and months.is_active
                {%- for column in columns if column not in ('customer_id', 'snapshot_date') %}
                {%- if column in open_invoice_columns %}
                and coalesce(open_invoices.{{ column }}, 0) = mart.{{ column }}
                {%- else %}
                and months.{{ column }} is not distinct from mart.{{ column }}
                {%- endif %}
                {%- endfor %}
        )
    {%- endif -%}
{%- endmacro %}

{% macro update_snapshot_labels() -%}
    {%- if is_incremental() -%}
    {%- set last_snapshot = incremental_max_literal('snapshot_date', "'1900-01-01'") -%}
    update {{ this }} as mart
    set
        churn_status = months.churn_status,
        is_label_complete = months.is_label_complete
    from {{ ref('int_clientes__mensal') }} as months
    where months.customer_id = mart.customer_id
        and months.snapshot_date = mart.snapshot_date
        and {{ recent_snapshot('mart.snapshot_date', last_snapshot) }}
        and {{ recent_snapshot('months.snapshot_date', last_snapshot) }}
        and (mart.churn_status <> months.churn_status or mart.is_label_complete <> months.is_label_complete)
    {%- endif -%}
{%- endmacro %}
