{#
    The last steps of every int_<table>__classified model: given a `checked` CTE that
    holds each raw row with its `rejection_reason` (null when valid), rank the versions
    of each record and classify every row exactly once:
      quarantined  it has a rejection reason
      clean        the version kept (latest_version_first)
      duplicate    an older or repeated version of a clean record
#}
{% macro classify_versions(primary_key) -%}
ranked as (

    select
        *,
        row_number() over (
            partition by {{ primary_key }}, rejection_reason
            order by {{ latest_version_first() }}
        ) as version_rank
    from checked

),

classified as (

    select
        *,
        case
            when rejection_reason is not null then 'quarantined'
            when version_rank = 1 then 'clean'
            else 'duplicate'
        end as record_status
    from ranked

)

select * from classified
{%- endmacro %}
