{#
    The contract term ids that exist: those with at least one raw version that passes
    the row rules. Invoices that bill another contract are quarantined as orphan_contract.
#}
{{ known_ids('int_contratos__classified', 'contract_id') }}
