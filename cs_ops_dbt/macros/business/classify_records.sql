{#
    The whole of an int_<table>__classified model for a raw table whose rows name a
    customer: every staged row (stg_erp__<table>) with the end of its batch period
    (known_date) and its rejection_reason, the first rule it fails, in order:
      1. a row rule of staging (invalid_reason);
      2. its customer id is not a known customer (int_clientes__known):
         customer_quarantined when the customer was sent but is in quarantine
         (int_clientes__quarantined), else orphan_customer;
      3. the model's own `checks`, [(sql condition, reason code), ...]: they may read
         the row (`records`), its batch (`batches`) and the `lookups`,
         [(alias, model, join condition), ...], left-joined for them;
    then every row classified once by classify_versions.
#}
{% macro classify_records(records_model, primary_key, checks=[], lookups=[]) -%}
with

records as (

    select * from {{ ref(records_model) }}

),

batches as (

    select * from {{ ref('stg_erp__load_batches') }}

),

known_customers as (

    select * from {{ ref('int_clientes__known') }}

),

quarantined_customers as (

    select * from {{ ref('int_clientes__quarantined') }}

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
            when quarantined_customers.customer_id is not null then 'customer_quarantined'
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
    left join quarantined_customers
        on records.customer_id = quarantined_customers.customer_id
    {%- for alias, model, condition in lookups %}
    left join {{ alias }}
        on {{ condition }}
    {%- endfor %}

),

{{ classify_versions(primary_key) }}
{%- endmacro %}
