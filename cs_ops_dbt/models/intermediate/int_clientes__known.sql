{#
    The customer ids that exist: those with at least one raw version that passes the
    row rules, with the end of the first batch period that brought one (first_known_date).
    Every table that references a customer checks its id here (orphan_customer), and a
    late-arriving customer counts only from its first_known_date in point-in-time features.
#}
{{ known_ids('stg_erp__clientes', 'customer_id') }}
