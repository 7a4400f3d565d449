"""One generated dataset shared by the generator tests (small, but big enough for rates)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from generator import generate

SHARED = {"customers": 700, "months": 15, "start": "2024-01", "seed": 3, "dirt_rate": 0.04}
TABLES = ("clientes", "contratos", "faturas", "usuarios", "eventos_uso", "tickets", "nps_respostas")


def _generate_shared(data_dir: Path) -> None:
    summary = generate(SHARED, data_dir=data_dir, quiet=True)
    (data_dir / "summary.json").write_text(json.dumps(summary))


@pytest.fixture(scope="session")
def dataset(build_once) -> tuple[Path, dict]:
    """The shared history (read-only) and the summary `generate` returned for it."""
    data_dir = build_once("generator-shared", _generate_shared)
    return data_dir, json.loads((data_dir / "summary.json").read_text())


@pytest.fixture(scope="session")
def raw(dataset) -> dict[str, pd.DataFrame]:
    """Every raw table, all batches, with a `_batch_id` column (pandas; strings stay strings)."""
    data_dir, _ = dataset
    frames = {}
    for table in TABLES:
        parts = []
        for path in sorted((data_dir / "raw" / table).glob("*.parquet")):
            frame = pq.read_table(path).to_pandas()
            frame["_batch_id"] = path.stem
            parts.append(frame)
        frames[table] = pd.concat(parts, ignore_index=True)
    return frames


@pytest.fixture(scope="session")
def truth(dataset) -> dict[str, pd.DataFrame]:
    data_dir, _ = dataset
    return {
        name: pq.read_table(data_dir / "truth" / f"{name}.parquet").to_pandas()
        for name in ("clientes_mensal", "clientes", "dirt_manifest")
    }
