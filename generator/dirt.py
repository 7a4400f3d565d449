"""Dirt injection: the defects real source systems have, each one recorded in a manifest."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from generator.frame import Frame, materialize

MANIFEST_FIELDS = ("table", "record_key", "column", "kind", "__emit")


def _empty_manifest() -> pa.Table:
    return pa.table(
        {
            "table": pa.array([], pa.string()),
            "record_key": pa.array([], pa.string()),
            "column": pa.array([], pa.string()),
            "kind": pa.array([], pa.string()),
            "__emit": pa.array([], pa.int64()),
        }
    )


def inject(fr: Frame, rate: float, rng: np.random.Generator) -> tuple[pa.Table, np.ndarray, pa.Table]:
    """Returns (rendered table, emit batch per row, manifest with __emit)."""
    return materialize(fr), fr.emit, _empty_manifest()
