{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
        pre_hook="{{ delete_reclassified_keys('int_tickets__parsed', 'ticket_id') }}",
    )
}}
-- depends_on: {{ ref('int_clientes__parsed') }}
{#
    Every raw tickets row exactly once, classified as clean (the version kept),
    duplicate (an older or repeated version) or quarantined (fails validation,
    points to an unknown customer or lies after its batch period).
    Deduplication: latest updated_at, then latest batch, then source file.

    Incremental: a new batch reclassifies only the rows it can change (every version of
    each record it brings, records of customers first known now, and the rows without
    an id, ranked together); the pre-hook deletes those rows first, so the table always
    equals a full refresh.
#}
{{ classify_records(
    'int_tickets__parsed',
    'ticket_id',
    checks=[("cast(records.opened_at as date) > " ~ cs_date_add('batches.period_end_date', 1), 'future_timestamp')],
    records_filter=reclassified_filter('int_tickets__parsed', 'ticket_id') or none,
) }}
