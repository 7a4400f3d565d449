"""Score every active customer at the newest snapshot and write `churn_scores`.

Reads the snapshot mart through `warehouse` (CS_OPS_TARGET picks the backend), loads
the model only through `ml.model_store.load_model`, and replaces
cs_ops_analytics.churn_scores (customer_id, snapshot_date, churn_probability,
risk_tier, top_drivers as JSON text, model_version, scored_at), appends the same rows to
churn_scores_history (one set per scoring run: what the app's alerts compare), then publishes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from ml.data import MissingInputError, is_file_reference, read_table
from ml.model_store import ChurnModel, predict_with_drivers
from warehouse import get_warehouse
from warehouse.config import get_settings
from warehouse.files import write_atomic

SCORES_TABLE = "churn_scores"
HISTORY_TABLE = "churn_scores_history"  # every scoring run appended: the app's risk trend and alerts
SCORE_COLUMNS = [
    "customer_id",
    "snapshot_date",
    "churn_probability",
    "risk_tier",
    "top_drivers",
    "model_version",
    "scored_at",
]


def latest_rows(frame: pd.DataFrame, time_column: str | None) -> pd.DataFrame:
    """The newest snapshot's rows (every row for a table without a time column)."""
    if not time_column:
        return frame
    return frame[frame[time_column] == frame[time_column].max()]


def score_frame(model: ChurnModel, frame: pd.DataFrame, scored_at: datetime | None = None) -> pd.DataFrame:
    """The churn_scores rows for `frame` (one row per input row)."""
    spec = model.spec
    scored_at = scored_at or datetime.now(UTC)
    pred = predict_with_drivers(model, frame, drivers_as_json=True)
    out = pd.DataFrame(
        {
            # .array: the text columns as they are (to_numpy would convert 100k texts and back)
            "customer_id": frame[spec.id_column].astype(str).array,
            "snapshot_date": pd.to_datetime(frame[spec.time_column]).dt.date.to_numpy()
            if spec.time_column
            else None,
            "churn_probability": pred["churn_probability"].to_numpy(),
            "risk_tier": pred["risk_tier"].astype(str).array,
            "top_drivers": pred["top_drivers"].array,
            "model_version": model.version,
            "scored_at": pd.Timestamp(scored_at).tz_convert("UTC")
            if pd.Timestamp(scored_at).tzinfo
            else pd.Timestamp(scored_at, tz="UTC"),
        }
    )
    return out[SCORE_COLUMNS]


def write_scores_csv(scores: pd.DataFrame, path: Path) -> None:
    """The scores as CSV through pyarrow's writer: 0.3 s at 100k rows, pandas' 2.6 s (the long
    drivers text). Text is always quoted, scored_at written as ISO 8601 with a Z."""
    table = pa.Table.from_pandas(scores, preserve_index=False)
    write_atomic(path, lambda tmp: pa_csv.write_csv(table, str(tmp)))


def run_score(model: ChurnModel, table: str | None = None, out: Path | None = None) -> pd.DataFrame:
    """Score the newest snapshot of `table`: a warehouse table -> cs_ops_analytics.churn_scores;
    a CSV/Parquet file -> `out` (default <data dir>/ml/churn_scores.csv), nothing written to the
    warehouse."""
    spec = model.spec
    table = table or spec.table
    if not table:
        raise MissingInputError("the model's feature spec names no table; pass --table")
    in_warehouse = not is_file_reference(table)
    newest = (
        f"where {spec.time_column} = (select max({spec.time_column}) from {{analytics}}.{table})"
        if in_warehouse and spec.time_column
        else ""
    )
    frame, source = read_table(table, spec, require_label=False, where=newest)
    frame = latest_rows(frame, spec.time_column)
    scores = score_frame(model, frame)
    if not in_warehouse:
        out = Path(out) if out else get_settings().ml_dir / f"{SCORES_TABLE}.csv"
        write_scores_csv(scores, out)
        return scores
    wh = get_warehouse()
    wh.write_table(scores, SCORES_TABLE)
    wh.write_table(scores, HISTORY_TABLE, mode="append")
    wh.publish()
    return scores
