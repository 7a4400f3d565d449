{#
    The user ids that exist: those with at least one raw version that passes the row
    rules, with the end of the first batch period that brought one (first_known_date).
    Usage events that name another user are quarantined as orphan_user, and an event
    counts in the usage windows only from its user's first_known_date.
#}
{{ known_ids('stg_erp__usuarios', 'user_id') }}
