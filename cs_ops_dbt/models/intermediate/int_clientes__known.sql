{{
    config(
        materialized='incremental',
        incremental_strategy=cs_insert_only_strategy(),
        on_schema_change='fail',
    )
}}
{#
    The customer ids that exist: those with at least one raw version that passes the
    row rules, with the end of the first batch period that brought one (first_known_date).
    Every table that references a customer checks its id here (orphan_customer).
    The set only grows as batches arrive, and a late-arriving customer counts only
    from its first_known_date in point-in-time features.
    Incremental: a new batch only appends the ids it brings first (known_ids).
#}
{{ known_ids('int_clientes__parsed', 'customer_id') }}
