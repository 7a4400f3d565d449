{#
    The health score of every customer-month (int_clientes__mensal): five components
    scored 0-100 from the stored features, their weighted average (weights: the vars
    health_weight_*, normalised by their sum) and the tier (thresholds: the vars
    health_tier_healthy_min and health_tier_attention_min). Rebuilt in full on every
    run, so new weights or thresholds apply to every month at once.
      usage     0 without events in the last 30 days; 60 without a previous month to
                compare; else the trend mapped from -50% (0) to +10% (100)
      adoption  active users / seats against health_target_adoption (50 without seats)
      support   100 - 10 a ticket - 20 a P1 ticket (90 days) - 10 for a first
                response slower than 24 h on average
      nps       the last NPS (x10) and the average CSAT ((csat - 1) x 25), averaged
                when both exist (50 when neither does)
      billing   100 - 25 a late invoice - 2 a day of average delay - 30 a failed
                payment (90 days)
#}
{%- set weights = {
    'usage': var('health_weight_usage'),
    'adoption': var('health_weight_adoption'),
    'support': var('health_weight_support'),
    'nps': var('health_weight_nps'),
    'billing': var('health_weight_billing'),
} %}
with

customer_months as (

    select * from {{ ref('int_clientes__mensal') }}

),

components as (

    select
        customer_id,
        snapshot_date,
        round(case
            when events_30d = 0 then 0
            when usage_trend_pct is null then 60
            else {{ cs_clamp('100 * (usage_trend_pct + 50) / 60.0', 0, 100) }}
        end, 1) as score_usage,
        round(case
            when seats is null or seats = 0 then 50
            else {{ cs_clamp('100 * adoption_rate / ' ~ var('health_target_adoption'), 0, 100) }}
        end, 1) as score_adoption,
        round({{ cs_clamp(
            '100 - 10 * tickets_90d - 20 * p1_tickets_90d'
            ~ ' - case when avg_first_response_hours_90d > 24 then 10 else 0 end', 0, 100
        ) }}, 1) as score_support,
        round(case
            when last_nps is null and avg_csat_90d is null then 50
            when last_nps is null then (avg_csat_90d - 1) * 25
            when avg_csat_90d is null then last_nps * 10
            else (last_nps * 10 + (avg_csat_90d - 1) * 25) / 2
        end, 1) as score_nps,
        round({{ cs_clamp(
            '100 - 25 * late_invoices_90d - 2 * avg_payment_delay_days_90d - 30 * failed_payments_90d', 0, 100
        ) }}, 1) as score_billing
    from customer_months

),

scored as (

    select
        *,
        round(
            (
                {%- for name, weight in weights.items() %}
                {{ weight }} * score_{{ name }}{% if not loop.last %} +{% endif %}
                {%- endfor %}
            ) / {{ weights.values() | sum }},
            1
        ) as health_score
    from components

),

final as (

    select
        *,
        case
            when health_score >= {{ var('health_tier_healthy_min') }} then 'saudável'
            when health_score >= {{ var('health_tier_attention_min') }} then 'atenção'
            else 'risco'
        end as health_tier
    from scored

)

select * from final
