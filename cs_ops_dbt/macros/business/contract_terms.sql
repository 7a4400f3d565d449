{#
    The dates a contract term is really in force, from a CTE of contract rows
    (one per contract_id within `partition_by`):
      - a cancelled term ends the day before its cancellation date;
      - a term ends the day before the customer's next term starts (an upgrade,
        downgrade or renewal replaces it), even if the source forgot to shorten it;
      - otherwise it ends on its end date (null = open-ended).
    Returns a select with every input column plus stated_end_date and effective_end_date.
    Shared by the MRR history (latest knowledge) and the ML snapshot (knowledge at each date).
#}
{% macro contract_terms(relation, partition_by) -%}
    select
        with_next.*,
        case
            when next_start_date is not null
                and (stated_end_date is null or next_start_date <= stated_end_date)
                then {{ cs_date_add('next_start_date', -1) }}
            else stated_end_date
        end as effective_end_date
    from (
        select
            {{ relation }}.*,
            case
                when contract_status = 'Cancelado'
                    then {{ cs_date_add('coalesce(cancelled_date, end_date)', -1) }}
                else end_date
            end as stated_end_date,
            lead(start_date) over (
                partition by {{ partition_by | join(', ') }}
                order by start_date, contract_id
            ) as next_start_date
        from {{ relation }}
    ) as with_next
{%- endmacro %}


{#
    Incremental int_contratos__vigencias: a customer's terms depend only on its clean
    contract rows, and int_contratos__classified changes only the contracts it
    reclassifies (reclassified_keys). The customers of every version of the contracts
    reclassified after the model's latest batch (`batch_id` watermark: the latest batch
    of a clean term, never later than the latest batch classified, so the set only
    grows) are computed again; the pre-hook deletes their terms first.
#}
{% macro recomputed_term_customers() -%}
    select customer_id
    from {{ ref('int_contratos__parsed') }}
    where contract_id in (
        {{ reclassified_keys('int_contratos__parsed', 'contract_id', incremental_max_literal('batch_id', "''")) }}
    )
{%- endmacro %}


{# The pre-hook: deletes the terms of the customers computed again. Nothing on a full refresh. #}
{% macro delete_recomputed_terms() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where customer_id in ({{ recomputed_term_customers() }})
    {%- endif -%}
{%- endmacro %}
