{# a / b, null when b is 0 or null (BigQuery raises on division by zero). #}
{% macro cs_safe_divide(numerator, denominator) -%}
    ({{ numerator }}) / nullif(cast({{ denominator }} as {{ cs_type('float') }}), 0)
{%- endmacro %}

{#
    x limited to [low, high]. Null stays null: BigQuery's greatest/least return null
    when any argument is null, DuckDB's ignore nulls, so the case keeps both equal.
#}
{% macro cs_clamp(expression, low, high) -%}
    case
        when ({{ expression }}) is null then null
        when ({{ expression }}) < {{ low }} then {{ low }}
        when ({{ expression }}) > {{ high }} then {{ high }}
        else ({{ expression }})
    end
{%- endmacro %}

{#
    Sums of integers as a 64-bit integer on every engine (DuckDB's sum(bigint) is a
    128-bit hugeint, which pandas and BigQuery do not have).
#}
{% macro cs_sum_int(expression) -%}
    cast(sum({{ expression }}) as {{ cs_type('int') }})
{%- endmacro %}

{# number of rows where the condition holds, as a 64-bit integer #}
{% macro cs_count_if(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as {{ cs_type('int') }})
{%- endmacro %}
