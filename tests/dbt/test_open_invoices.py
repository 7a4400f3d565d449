"""Open overdue invoices at each month end (int_faturas__em_aberto_mensal and the two
snapshot mart columns) against a brute-force recomputation in pandas: every invoice
version paired with every month end, the latest version known by then, no shortcuts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from dbt_runs import query

A = "cs_ops_analytics"


def brute_force(versions: pd.DataFrame, snapshots: pd.Series) -> pd.DataFrame:
    """(customer_id, snapshot_date) -> open_overdue_invoices, max_days_overdue_open."""
    pairs = versions.merge(pd.DataFrame({"snapshot_date": snapshots}), how="cross")
    pairs = pairs[pairs.known_date <= pairs.snapshot_date]
    pairs = pairs.sort_values(
        ["snapshot_date", "invoice_id", "updated_at", "batch_id", "source_file"],
        ascending=[True, True, False, False, False],
        na_position="last",
    )
    as_of = pairs.drop_duplicates(["snapshot_date", "invoice_id"], keep="first")
    paid = as_of.paid_date.notna() & (as_of.paid_date <= as_of.snapshot_date)
    paid |= as_of.paid_date.isna() & (as_of.invoice_status == "Paga")
    open_ = (as_of.due_date < as_of.snapshot_date) & ~paid & (as_of.invoice_status != "Cancelada")
    rows = as_of[open_].assign(days=lambda f: (f.snapshot_date - f.due_date).dt.days)
    return (
        rows.groupby(["customer_id", "snapshot_date"])
        .agg(open_overdue_invoices=("invoice_id", "size"), max_days_overdue_open=("days", "max"))
        .reset_index()
    )


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column])
    return frame


def test_open_invoices_match_a_brute_force_as_of_recomputation(generated_build: Path) -> None:
    versions = _dates(
        query(
            generated_build,
            f"""select invoice_id, customer_id, due_date, paid_date, invoice_status, updated_at,
                       batch_id, source_file, known_date
                from {A}.int_faturas__classified
                where record_status in ('clean', 'duplicate') and due_date is not null""",
        ),
        "due_date",
        "paid_date",
        "known_date",
    )
    calendar = query(generated_build, f"select last_snapshot_date from {A}.int_calendario__as_of")
    last = pd.Timestamp(calendar.iloc[0, 0])
    first = versions.due_date.min().to_period("M").to_timestamp("M")
    snapshots = pd.Series(pd.date_range(first, last, freq="ME"))
    expected = brute_force(versions, snapshots)
    # the generator pays late and never: some invoices must be open, some past 30 days
    assert len(expected) >= 5 and (expected.max_days_overdue_open > 30).any()

    model = query(generated_build, f"select * from {A}.int_faturas__em_aberto_mensal")
    model = _dates(model, "snapshot_date")
    key = ["customer_id", "snapshot_date"]
    got = model.sort_values(key).reset_index(drop=True)
    want = expected.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)

    # the mart: the same values on its customer-months, 0 where none is open
    snap = _dates(
        query(
            generated_build,
            f"select customer_id, snapshot_date, open_overdue_invoices, max_days_overdue_open "
            f"from {A}.fct_clientes_snapshot_mensal",
        ),
        "snapshot_date",
    )
    joined = snap.merge(want, on=key, how="left", suffixes=("", "_want")).fillna(
        {"open_overdue_invoices_want": 0, "max_days_overdue_open_want": 0}
    )
    assert (joined.open_overdue_invoices == joined.open_overdue_invoices_want).all()
    assert (joined.max_days_overdue_open == joined.max_days_overdue_open_want).all()
    assert (joined.open_overdue_invoices > 0).any() and (joined.open_overdue_invoices == 0).any()
