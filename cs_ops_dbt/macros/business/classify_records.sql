{#
    The whole of an int_<table>__classified model for a table whose rows reference a
    customer: import the parsed rows (int_<table>__parsed) and the batch periods, check every row
    (staging's row rules, then orphan keys, then the model's own `checks`), and
    classify each row once with classify_versions.

    checks   [(sql condition, reason code), ...] tested in order after the orphan
             customer check; they may use `records`, `batches` and the `lookups`
    lookups  [(alias, model, join condition), ...] left-joined for the checks
             (e.g. the known contract ids for orphan_contract)
    records_filter  optional SQL condition on the parsed rows: only those rows are
             classified (an incremental model passes every row of the records it
             reclassifies, so each record's versions are still ranked together)
    stamp_run  add processed_at (the run's start) so tests and downstream models can
             find the rows this run wrote
#}
{% macro classify_records(records_model, primary_key, checks=[], lookups=[], records_filter=none, stamp_run=false) -%}
with

records as (

    select * from {{ ref(records_model) }}
    {%- if records_filter %}
    where {{ records_filter }}
    {%- endif %}

),

batches as (

    select * from {{ ref('stg_erp__load_batches') }}

),

known_customers as (

    select * from {{ ref('int_clientes__known') }}

),

{% for alias, model, condition in lookups %}
{{ alias }} as (

    select * from {{ ref(model) }}

),

{% endfor %}
checked as (

    select
        records.*,
        batches.period_end_date as known_date,
        case
            when records.invalid_reason is not null then records.invalid_reason
            when known_customers.customer_id is null then 'orphan_customer'
            {%- for condition, reason in checks %}
            when {{ condition }} then '{{ reason }}'
            {%- endfor %}
        end as rejection_reason
    from records
    left join batches
        on records.batch_id = batches.batch_id
    left join known_customers
        on records.customer_id = known_customers.customer_id
    {%- for alias, model, condition in lookups %}
    left join {{ alias }}
        on {{ condition }}
    {%- endfor %}

),

{{ classify_versions(primary_key, stamp_run) }}
{%- endmacro %}

