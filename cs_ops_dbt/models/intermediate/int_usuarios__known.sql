{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
    )
}}
{#
    The user ids that exist: those with at least one raw version that passes the row
    rules, with the end of the first batch period that brought one (first_known_date).
    Usage events that name another user are quarantined as orphan_user.
    Incremental: a new batch only appends the ids it brings first (known_ids).
#}
{{ known_ids('int_usuarios__parsed', 'user_id') }}
