{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
        pre_hook="{{ delete_reclassified_keys('int_usuarios__parsed', 'user_id') }}",
    )
}}
-- depends_on: {{ ref('int_clientes__parsed') }}
{#
    Every raw usuarios row exactly once, classified as clean (the version kept),
    duplicate (an older or repeated version) or quarantined (fails validation,
    points to an unknown customer).
    Deduplication: latest updated_at, then latest batch, then source file.

    Incremental: a new batch reclassifies only the users it touches (every version of
    each user it brings, users of customers first known now, and the few rows without a
    user id, ranked together); the pre-hook deletes those rows first, so the table
    always equals a full refresh. processed_at marks the rows the latest run wrote
    (dim_usuarios rewrites those users).
#}
{{ classify_records(
    'int_usuarios__parsed',
    'user_id',
    records_filter=reclassified_filter('int_usuarios__parsed', 'user_id') or none,
    stamp_run=true,
) }}
