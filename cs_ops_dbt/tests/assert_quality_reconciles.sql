{#
    Every raw row is accounted for: per raw table and batch,
    raw rows = clean rows + duplicates removed + quarantined rows,
    and the raw table holds exactly what the load ledger recorded.
    Returns the offending (table, batch) rows.
#}
select
    table_name,
    batch_id,
    raw_rows,
    clean_rows,
    duplicate_rows,
    quarantined_rows,
    ledger_rows
from {{ ref('fct_qualidade_dados') }}
where raw_rows <> clean_rows + duplicate_rows + quarantined_rows
    or ledger_rows is null
    or ledger_rows <> raw_rows
