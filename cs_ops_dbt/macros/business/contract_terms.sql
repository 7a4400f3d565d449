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

