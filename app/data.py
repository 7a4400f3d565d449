"""The app's cached access to the warehouse (Streamlit side of app/queries.py).

- Every read goes through `warehouse.get_warehouse(read_only=True)`: short-lived
  read-only connections to the current release (DuckDB) or BigQuery. The app never
  holds a connection, so a rebuild is never blocked.
- Query results are cached with `st.cache_data`, keyed on the query, its arguments and
  the data version (the release and when it was published): publishing new data
  invalidates them by itself. The queries of one version all read that one release
  (`pinned`), so a page never mixes marts or scores of two releases.
- The model is cached with `st.cache_resource`, keyed on the model file's hash. The
  functions that need `ml.model_store` import it themselves: it loads scikit-learn and
  skops (seconds), which pages without the model never pay.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from threadpoolctl import threadpool_limits

from app import alerts, portfolio, queries, worklist
from app.queries import DataUnavailable
from warehouse import get_warehouse
from warehouse.config import get_settings


def settings():
    return get_settings()


def reader():
    """A read-only warehouse handle (cheap; connections inside are short-lived)."""
    return get_warehouse(read_only=True)


def data_timestamp(wh: Any = None) -> Any:
    """When the data the app reads was published; DataUnavailable when nothing is published yet."""
    try:
        stamp = (wh or reader()).data_timestamp()
    except DataUnavailable:
        raise
    except Exception as exc:
        raise DataUnavailable(f"no published warehouse data ({exc})", "just dev") from exc
    if stamp is None:
        raise DataUnavailable("no published warehouse data", "just dev")
    return stamp


def data_version() -> str:
    """The cache key for published data: `<backend>:<data dir>@<release>@<publish timestamp>`."""
    config = settings()
    return _data_version(f"{config.target}:{config.data_dir}")


@st.cache_data(ttl=2, show_spinner=False, max_entries=16)
def _data_version(where: str) -> str:
    """Re-checked at most every 2 seconds per backend/data dir."""
    try:
        wh = reader().pinned()  # one look at the current release: its name and its timestamp
    except DataUnavailable:
        raise
    except Exception as exc:
        raise DataUnavailable(f"no published warehouse data ({exc})", "just dev") from exc
    return f"{where}@{wh.release_id() or ''}@{data_timestamp(wh)}"


def pinned_reader(version: str) -> Any:
    """The read-only warehouse pinned to the release a data version names."""
    return reader().pinned(version.rsplit("@", 2)[1] or None)


class _VersionedReader:
    """The read-only warehouse of one release, with table_exists answers cached per version."""

    def __init__(self, version: str):
        self.version = version
        self.wh = pinned_reader(version)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        return self.wh.query(sql, params)

    def table_exists(self, name: str, dataset: str = "analytics") -> bool:
        return _table_exists(self.version, name, dataset)


@st.cache_data(show_spinner=False, max_entries=256)
def _table_exists(version: str, name: str, dataset: str) -> bool:
    return pinned_reader(version).table_exists(name, dataset)


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(name: str, version: str, args: tuple, kwargs: tuple = ()) -> Any:
    module, _, function = name.rpartition(".")
    source = alerts if module == "alerts" else queries
    return getattr(source, function)(_VersionedReader(version), *args, **dict(kwargs))


def load(name: str, *args: Any, **kwargs: Any) -> Any:
    """Run `app.queries.<name>(reader, *args, **kwargs)` (or `alerts.<name>` for app.alerts),
    cached per arguments until new data is published."""
    return _cached(name, data_version(), tuple(args), tuple(sorted(kwargs.items())))


def portfolio_view(filters: dict[str, Any], lang: str) -> dict[str, Any]:
    """app.portfolio.view for one filter set, cached per data version, filters and language."""
    return _portfolio_view(data_version(), tuple(sorted(filters.items())), lang)


@st.cache_data(show_spinner=False, max_entries=64)
def _portfolio_view(version: str, filters: tuple, lang: str) -> dict[str, Any]:
    rows, summary = _cached("portfolio_page", version, (portfolio.MAX_TABLE_ROWS,), filters)
    return portfolio.view(rows, summary, lang)


def worklist_view(filters: dict[str, Any], as_of: Any, lang: str) -> dict[str, Any]:
    """app.worklist.view for one filter set: recommendations and health trends, cached per data version."""
    return _worklist_view(data_version(), tuple(sorted(filters.items())), as_of, lang)


@st.cache_data(show_spinner=False, max_entries=64)
def _worklist_view(version: str, filters: tuple, as_of: Any, lang: str) -> dict[str, Any]:
    rows, _ = _cached("worklist", version, (), filters)
    since = pd.Timestamp(as_of) - pd.DateOffset(months=worklist.TREND_MONTHS)
    history = _cached("health_history", version, (tuple(rows["customer_id"]), since))
    return worklist.view(rows, history, lang)


def portfolio_export(filters: dict[str, Any]) -> bytes:
    """The CSV of one filter set, built when the download button is clicked (not on every render)."""
    return queries.portfolio_export(reader(), **filters)[0]


def clear() -> None:
    _cached.clear()
    _portfolio_view.clear()
    _worklist_view.clear()
    _table_exists.clear()
    _data_version.clear()
    _evaluation.clear()


# ---------------------------------------------------------------- model files


def ml_dir() -> Path:
    return settings().ml_dir


@st.cache_data(show_spinner=False, max_entries=8)
def _file_hash(path: str, mtime_ns: int, size: int) -> str:
    """sha256 of a file, recomputed only when its mtime or size changes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def evaluation() -> dict[str, Any]:
    path = ml_dir() / "evaluation.json"
    if not path.is_file():
        raise DataUnavailable(f"{path} not found", "just train")
    try:
        return _evaluation(str(path), path.stat().st_mtime_ns)
    except (OSError, ValueError) as exc:  # being rewritten by `just train` right now, or damaged
        raise DataUnavailable(f"{path} could not be read ({exc})", "just train") from exc


@st.cache_data(show_spinner=False, max_entries=4)
def _evaluation(path: str, mtime_ns: int) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def model_card() -> str | None:
    for name in ("model_card.md", "MODEL_CARD.md"):
        path = ml_dir() / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


def model_file() -> Path:
    from ml import model_store

    path = Path(model_store.default_model_path())
    if not path.is_file():
        raise DataUnavailable(f"no trained model at {path}", "just train")
    return path


def model() -> Any:
    """The saved churn model (ml.model_store.load_model), loaded once per model file content."""
    from ml import model_store

    path = model_file()
    try:
        stat = path.stat()
        loaded = _model(str(path), _file_hash(str(path), stat.st_mtime_ns, stat.st_size))
    except model_store.ModelLoadError as exc:
        raise DataUnavailable(str(exc), "just train") from exc
    return loaded


@st.cache_resource(show_spinner=False, max_entries=2)
def _model(path: str, file_hash: str) -> Any:
    from ml import model_store

    model_obj = model_store.load_model(path)
    model_obj.app_cache_key = file_hash  # predictions below are cached per model content
    return model_obj


def predict(model_obj: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """ml.model_store.predict_with_drivers, cached per (model file hash, input rows).

    Single-threaded: for a couple of rows the OpenMP start-up of the tree predictor costs
    more than it saves, and on a busy machine it is much slower.
    """
    return _predict(model_obj, getattr(model_obj, "app_cache_key", None), frame)


@st.cache_data(show_spinner=False, max_entries=512)
def _predict(_model_obj: Any, model_key: str | None, frame: pd.DataFrame) -> pd.DataFrame:
    from ml import model_store

    with threadpool_limits(limits=1):
        return model_store.predict_with_drivers(_model_obj, frame)
