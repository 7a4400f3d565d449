"""Where ml reads its input: a warehouse table (through `warehouse`) or a Parquet file.

ml never talks to DuckDB or BigQuery directly: `get_warehouse()` picks the backend
from CS_OPS_TARGET. The generator's truth (for the oracle) is read straight from
Parquet because it is never loaded into the warehouse.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ml.spec import FeatureSpec, prepare_frame
from warehouse import get_warehouse

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TRUTH_FILE = "clientes_mensal.parquet"
TRUTH_KEYS = ("key_id", "key_month")  # index_truth's index


class MissingInputError(RuntimeError):
    """The input table/file is not there; the message says which command creates it."""


def is_file_reference(table: str) -> bool:
    return table.endswith((".parquet", ".pq", ".csv")) or "/" in table or Path(table).exists()


def _read_file(path: Path) -> pd.DataFrame:
    """A Parquet or CSV file as it is (CSV: comma-separated, header row; text is kept as text and
    converted by the spec check, which counts and reports what it converts)."""
    if path.suffix.lower() == ".csv":
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=["", "NA", "null", "NULL"])
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise MissingInputError(f"{path} is not a readable CSV (comma-separated, UTF-8): {exc}") from exc
    return pq.read_table(path).to_pandas()


def read_table(
    table: str, spec: FeatureSpec, require_label: bool = True, where: str = ""
) -> tuple[pd.DataFrame, str]:
    """Read a table that fits `spec`; returns (frame, source description)."""
    if is_file_reference(table):
        path = Path(table)
        if not path.exists():
            raise MissingInputError(f"input file {path} does not exist")
        frame = _read_file(path)
        source = str(path)
    else:
        if not IDENTIFIER.match(table):
            raise MissingInputError(f"table name {table!r} is not a plain identifier (letters, digits, _)")
        wh = get_warehouse()
        if not wh.table_exists(table):
            raise MissingInputError(
                f"table cs_ops_analytics.{table} does not exist yet: run `just transform` "
                "(python -m warehouse.dbt build) first to build the marts"
            )
        frame = wh.query(f"select * from {{analytics}}.{table} {where}", {})
        source = f"cs_ops_analytics.{table}"
    if frame.empty:
        raise MissingInputError(f"{source} has no rows: run `just transform` after loading data")
    return prepare_frame(frame, spec, source, require_label=require_label), source


def fingerprint(frame: pd.DataFrame, spec: FeatureSpec) -> str:
    """A stable sha256 of the rows/columns used for training (order-independent of row order)."""
    cols = [c for c in spec.required_columns() if c in frame.columns]
    keys = [spec.id_column, *([spec.time_column] if spec.time_column else [])]
    ordered = frame[cols].sort_values(keys, kind="stable")
    row_hashes = pd.util.hash_pandas_object(ordered, index=False).to_numpy()
    digest = hashlib.sha256()
    digest.update(",".join(cols).encode())
    digest.update(row_hashes.tobytes())
    return digest.hexdigest()


def horizon_months(spec: FeatureSpec) -> int:
    return max(1, int(round(spec.horizon_days / (365.25 / 12))))


FORECAST_COLUMN = "churn_prob_90d"  # truth: P(churn within the horizon after the month end | state then)
FORECAST_HORIZON_COLUMN = "churn_prob_horizon_days"


def load_truth(truth_dir: Path) -> pd.DataFrame | None:
    """The generator's monthly truth, or None if this is not generator data."""
    path = Path(truth_dir) / TRUTH_FILE
    if not path.is_file():
        return None
    names = pq.read_schema(path).names
    optional = ["health", FORECAST_COLUMN, FORECAST_HORIZON_COLUMN]
    columns = ["id_cliente", "mes", "churn_hazard"] + [c for c in optional if c in names]
    return index_truth(pq.read_table(path, columns=columns).to_pandas())


def index_truth(truth: pd.DataFrame) -> pd.DataFrame:
    """The truth indexed by (customer id as text, month), the last row of a repeated key kept.

    `load_truth` indexes once, so the oracle lookups of a training run (the evaluation window, the
    exact-health reference, every backtest cut-off) reuse it; a frame indexed already is returned
    as it is."""
    if list(truth.index.names) == list(TRUTH_KEYS):
        return truth
    keys = [
        truth["id_cliente"].astype(str).rename(TRUTH_KEYS[0]),
        pd.to_datetime(truth["mes"]).dt.to_period("M").rename(TRUTH_KEYS[1]),
    ]
    keyed = truth.set_index(keys)
    return keyed[~keyed.index.duplicated(keep="last")]


def _known(frame: pd.DataFrame, spec: FeatureSpec, truth: pd.DataFrame) -> np.ndarray:
    """Does the truth have any row of each frame row's customer?"""
    ids = index_truth(truth).index.levels[0]  # get_indexer: 20x faster than isin on text columns
    return ids.get_indexer(frame[spec.id_column].astype(str)) >= 0


def _at_rows(
    truth: pd.DataFrame, column: str, frame: pd.DataFrame, spec: FeatureSpec, offset: int = 0
) -> np.ndarray:
    """truth[column] of each frame row's customer in its snapshot month (+ offset months); NaN where
    the truth has no such row."""
    idx = pd.MultiIndex.from_arrays(
        [frame[spec.id_column].astype(str), frame[spec.time_column].dt.to_period("M") + offset]
    )
    return index_truth(truth)[column].reindex(idx).to_numpy(dtype=float)


def forecast_note(spec: FeatureSpec, truth: pd.DataFrame) -> str | None:
    """None when the truth carries the generator's true churn probability for the spec's horizon,
    else why the oracle falls back to the realised-path hazards."""
    if FORECAST_COLUMN not in truth.columns:
        return (
            f"this truth folder predates the `{FORECAST_COLUMN}` column (the generator's true churn "
            "probability): `oracle` falls back to the realised-path hazards, which see how health moved "
            "after the snapshot; regenerate the data for the true-probability oracle"
        )
    if FORECAST_HORIZON_COLUMN in truth.columns:
        horizons = set(pd.unique(truth[FORECAST_HORIZON_COLUMN].dropna().astype(int)))
        if horizons != {int(spec.horizon_days)}:
            return (
                f"the truth's `{FORECAST_COLUMN}` is for a horizon of {sorted(horizons)} days, the "
                f"label's is {spec.horizon_days}: `oracle` falls back to the realised-path hazards"
            )
    return None


def latent_health(frame: pd.DataFrame, spec: FeatureSpec, truth: pd.DataFrame) -> pd.Series | None:
    """The generator's latent health in each row's snapshot month (known at the snapshot date to the
    simulation, never to the warehouse), or None when the truth has no health column."""
    if "health" not in truth.columns:
        return None
    return pd.Series(_at_rows(truth, "health", frame, spec), index=frame.index, name="latent_health")


def oracle_probability(frame: pd.DataFrame, spec: FeatureSpec, truth: pd.DataFrame) -> pd.Series:
    """The generator's true P(churn within the horizon after the snapshot), per row.

    It is the truth's `churn_prob_90d` of the snapshot month: the probability given everything the
    simulation knows at that month end (latent health, its level, the decline/boost regime, the
    contract anniversary, suspensions), with the future randomness integrated out
    (generator/forecast.py). Truth without that column (older runs, synthetic tables) falls back to
    `oracle_realised_path_probability`; `forecast_note` says which one is used. NaN = no truth."""
    truth = index_truth(truth)
    if forecast_note(spec, truth) is not None:
        return oracle_realised_path_probability(frame, spec, truth)
    prob = _at_rows(truth, FORECAST_COLUMN, frame, spec)
    # null or no row in that month = not a customer at that month end for the generator, while the
    # warehouse still shows one (a cancellation on the month's last day, or one it learns of late):
    # such a customer churns within the horizon only after a win-back, so 0
    prob = np.where(np.isnan(prob) & _known(frame, spec, truth), 0.0, prob)
    return pd.Series(prob, index=frame.index, name="oracle_probability")


def oracle_realised_path_probability(
    frame: pd.DataFrame, spec: FeatureSpec, truth: pd.DataFrame
) -> pd.Series:
    """1 - prod(1 - hazard) over the *realised* monthly hazards after the snapshot month.

    Those hazards depend on how the customer's health actually moved after the snapshot (a decline
    that started next month), so this is not a probability known at the snapshot: it is kept as a
    secondary reference. A month with no truth row inside the horizon (the customer already churned)
    reuses the last known hazard. Rows whose customer has no truth at all get NaN.
    """
    truth = index_truth(truth)  # indexed once, looked up per month
    survive = np.ones(len(frame))
    last = np.zeros(len(frame))
    for k in range(1, horizon_months(spec) + 1):
        hz = _at_rows(truth, "churn_hazard", frame, spec, offset=k)
        hz = np.where(np.isnan(hz), last, hz)
        last = hz
        survive *= 1.0 - hz
    prob = np.where(_known(frame, spec, truth), 1.0 - survive, np.nan)
    return pd.Series(prob, index=frame.index, name="oracle_realised_path")
