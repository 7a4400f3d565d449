"""Layout, schema, batch metadata, determinism, continuation, bad options."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from generator import GeneratorError, generate
from generator.run import TABLES
from warehouse.config import REPO_ROOT
from warehouse.contract import load_contract


def run_python(
    *args: str, env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess:
    """`python <args>` from the repo root, output captured as text."""
    return subprocess.run(
        [sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def _digests(data_dir: Path) -> dict[str, str]:
    """sha256 of every delivered file (raw batches, batch metadata, truth), by relative path."""
    out = {}
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir).as_posix()
        if path.is_file() and not relative.startswith(("raw/_state/", "truth/_parts/")):
            out[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_every_file_matches_the_contract_schema(dataset) -> None:
    data_dir, summary = dataset
    contract = load_contract()
    assert set(contract.tables) == set(TABLES)
    for table in TABLES:
        files = sorted((data_dir / "raw" / table).glob("*.parquet"))
        assert len(files) == len(summary["batches"]) == 15
        for path in files:
            assert pq.read_schema(path).equals(contract.table(table).arrow_schema()), path


def test_default_scale_gives_over_a_million_rows(dataset) -> None:
    from generator.options import DEFAULTS

    # rows grow linearly with customers x months: extrapolate the shared run to the defaults
    _, summary = dataset
    per_customer_month = summary["total_rows"] / (summary["options"]["customers"] * len(summary["batches"]))
    assert per_customer_month * DEFAULTS["customers"] * DEFAULTS["months"] >= 1_500_000


def test_batch_metadata_matches_files(dataset, raw) -> None:
    data_dir, summary = dataset
    metas = sorted((data_dir / "raw" / "_batches").glob("*.json"))
    ids = [m.stem for m in metas]
    assert ids == sorted(ids) == summary["batches"]
    assert ids[0] == "b0001_2024-01" and ids[-1] == "b0015_2025-03"
    for path in metas:
        meta = json.loads(path.read_text())
        assert meta["batch_id"] == path.stem
        assert meta["period_start"][:7] == path.stem[6:] and meta["period_end"][:7] == path.stem[6:]
        assert meta["generated_at"].endswith("Z") and meta["generated_at"] > meta["period_end"]
        for table in TABLES:
            entry = meta["tables"][table]
            file = data_dir / entry["file"]
            assert file == data_dir / "raw" / table / f"{path.stem}.parquet"
            assert pq.read_metadata(file).num_rows == entry["rows"] == meta["row_counts"][table]
            assert hashlib.sha256(file.read_bytes()).hexdigest() == entry["sha256"]
        assert meta["options"]["seed"] == 3
    total = sum(len(frame) for frame in raw.values())
    assert total == summary["total_rows"]
    assert summary["rows"]["eventos_uso"] > 0.8 * total


def test_no_temp_files_left(dataset) -> None:
    data_dir, _ = dataset
    assert not [p for p in data_dir.rglob("*") if ".tmp-" in p.name]


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    options = {"customers": 60, "months": 3, "seed": 9, "quiet": True}
    generate(options, data_dir=tmp_path / "a")
    generate(options, data_dir=tmp_path / "b")
    generate({**options, "seed": 10}, data_dir=tmp_path / "c")
    a, b, c = _digests(tmp_path / "a"), _digests(tmp_path / "b"), _digests(tmp_path / "c")
    assert len(a) == 7 * 3 + 3 + 3  # raw files, batch metadata, truth
    assert a == b
    assert a["raw/eventos_uso/b0001_2024-01.parquet"] != c["raw/eventos_uso/b0001_2024-01.parquet"]


def test_continuation_equals_one_long_run(tmp_path: Path) -> None:
    options = {"customers": 80, "months": 5, "seed": 4, "quiet": True}
    generate(options, data_dir=tmp_path / "long")
    generate({**options, "months": 2}, data_dir=tmp_path / "split")
    generate({"months": 1, "continue_run": True, "quiet": True}, data_dir=tmp_path / "split")
    summary = generate({"months": 2, "continue_run": True, "quiet": True}, data_dir=tmp_path / "split")
    assert summary["batches"] == ["b0004_2024-04", "b0005_2024-05"]
    long, split = _digests(tmp_path / "long"), _digests(tmp_path / "split")
    assert long.keys() == split.keys()
    assert long == split


def test_state_dir_keeps_only_the_latest_save(tmp_path: Path) -> None:
    generate({"customers": 60, "months": 3, "seed": 2, "quiet": True}, data_dir=tmp_path)
    names = sorted(p.name for p in (tmp_path / "raw" / "_state").iterdir())
    assert "state-0003.json" in names and "customers-0003.bin" in names
    assert all("-0003." in name for name in names), names  # earlier saves removed, no temp files


def test_continuation_from_a_state_saved_by_the_previous_layout(tmp_path: Path) -> None:
    """A history whose state was saved as state.json + customers.npz + pending_<t>.arrow
    (earlier generator versions) continues exactly like one long run."""
    import numpy as np

    options = {"customers": 80, "months": 3, "seed": 4, "quiet": True}
    generate(options, data_dir=tmp_path / "long")
    generate({**options, "months": 2}, data_dir=tmp_path / "old")
    state_dir = tmp_path / "old" / "raw" / "_state"
    meta = json.loads((state_dir / "state-0002.json").read_text(encoding="utf-8"))
    data = (state_dir / "customers-0002.bin").read_bytes()
    arrays, offset = {}, 0
    for name, dtype, length in meta.pop("arrays"):
        arrays[name] = np.frombuffer(data, dtype=dtype, count=length, offset=offset)
        offset += arrays[name].nbytes
    np.savez(state_dir / "customers.npz", **arrays)
    for name in meta["pending_tables"]:
        (state_dir / f"pending_{name}-0002.arrow").rename(state_dir / f"pending_{name}.arrow")
    (state_dir / "state.json").write_text(json.dumps(meta), encoding="utf-8")
    (state_dir / "state-0002.json").unlink()
    (state_dir / "customers-0002.bin").unlink()
    generate({"months": 1, "continue_run": True, "quiet": True}, data_dir=tmp_path / "old")
    assert _digests(tmp_path / "old") == _digests(tmp_path / "long")
    assert sorted(p.name for p in state_dir.iterdir() if p.name.startswith("state")) == ["state-0003.json"]


def test_parquet_bytes_do_not_depend_on_the_scratch_buffer(tmp_path: Path, monkeypatch) -> None:
    """A file larger than the writer's scratch buffer is written again into a bigger one:
    same bytes and checksum as with a buffer that fits."""
    import threading

    import numpy as np
    import pyarrow as pa

    from generator import storage

    table = pa.table({"id": pa.array([f"EVT-{i:012d}" for i in range(50_000)]), "n": np.arange(50_000)})
    roomy = storage.write_parquet(table, tmp_path / "roomy.parquet", ("id",), compression="snappy")
    monkeypatch.setattr(storage, "SCRATCH_BYTES", 4096)
    monkeypatch.setattr(storage, "_SCRATCH", threading.local())
    tight = storage.write_parquet(table, tmp_path / "tight.parquet", ("id",), compression="snappy")
    assert len(storage._SCRATCH.buffer) > 4096  # it grew
    assert tight == roomy == hashlib.sha256((tmp_path / "tight.parquet").read_bytes()).hexdigest()
    assert (tmp_path / "tight.parquet").read_bytes() == (tmp_path / "roomy.parquet").read_bytes()


def test_usage_scale_scales_events_only_and_stays_deterministic(tmp_path: Path) -> None:
    options = {"customers": 60, "months": 3, "seed": 9, "quiet": True}
    full = generate(options, data_dir=tmp_path / "full")
    quarter = generate({**options, "usage_scale": 0.25}, data_dir=tmp_path / "quarter")
    generate({**options, "usage_scale": 0.25}, data_dir=tmp_path / "again")
    double = generate({**options, "usage_scale": 2.0}, data_dir=tmp_path / "double")
    events = {
        name: s["rows"]["eventos_uso"]
        for name, s in (("full", full), ("quarter", quarter), ("double", double))
    }
    assert 0.2 < events["quarter"] / events["full"] < 0.3, events
    assert 1.8 < events["double"] / events["full"] < 2.2, events
    assert quarter["options"]["usage_scale"] == 0.25
    a, b, f = _digests(tmp_path / "quarter"), _digests(tmp_path / "again"), _digests(tmp_path / "full")
    assert a == b  # deterministic at any scale
    # only the usage events (and their dirt) change: every other table is the same customer base
    for table in TABLES:
        path = f"raw/{table}/b0003_2024-03.parquet"
        assert (a[path] == f[path]) == (table != "eventos_uso"), table
    # the scale is part of the run: --continue keeps it and refuses another one
    with pytest.raises(GeneratorError, match=r"--usage-scale 1.0 differs from the saved run's 0.25"):
        generate(
            {"months": 1, "usage_scale": 1.0, "continue_run": True, "quiet": True},
            data_dir=tmp_path / "quarter",
        )
    more = generate({"months": 1, "continue_run": True, "quiet": True}, data_dir=tmp_path / "quarter")
    assert more["options"]["usage_scale"] == 0.25


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"customers": -5}, r"--customers -5 is out of range"),
        ({"customers": 0}, r"--customers 0 is out of range"),
        ({"months": 0}, r"--months 0 is out of range"),
        ({"start": "2024/01"}, r"not a month in the format YYYY-MM"),
        ({"start": "2024-13"}, r"month 13 is not between 01 and 12"),
        ({"dirt_rate": 0.9}, r"--dirt-rate 0.9 is out of range"),
        ({"dirt_rate": "lots"}, r"--dirt-rate 'lots' is not a number"),
        ({"seed": "abc"}, r"--seed 'abc' is not a whole number"),
        ({"usage_scale": 0}, r"--usage-scale 0 is out of range: use a number > 0"),
        ({"usage_scale": -0.5}, r"--usage-scale -0.5 is out of range"),
        ({"usage_scale": float("nan")}, r"--usage-scale nan is out of range"),
        ({"usage_scale": "few"}, r"--usage-scale 'few' is not a number"),
        ({"continue_run": True}, r"no saved simulation state"),
        ({"colour": "blue"}, r"unknown generator option"),
    ],
)
def test_bad_options_fail_before_writing(tmp_path: Path, options: dict, message: str) -> None:
    target = tmp_path / "out"
    with pytest.raises(GeneratorError, match=message):
        generate({"quiet": True, **options}, data_dir=target)
    assert not target.exists()


def test_refuses_another_runs_data_without_overwrite(tmp_path: Path) -> None:
    generate({"customers": 40, "months": 2, "seed": 1, "quiet": True}, data_dir=tmp_path)
    before = _digests(tmp_path)
    with pytest.raises(GeneratorError, match=r"already holds another run .*--overwrite"):
        generate({"customers": 40, "months": 2, "seed": 2, "quiet": True}, data_dir=tmp_path)
    with pytest.raises(GeneratorError, match=r"--seed 2 differs from the saved run's 1"):
        generate({"months": 1, "seed": 2, "continue_run": True, "quiet": True}, data_dir=tmp_path)
    assert _digests(tmp_path) == before
    # the same run again is harmless, --overwrite replaces
    generate({"customers": 40, "months": 2, "seed": 1, "quiet": True}, data_dir=tmp_path)
    assert _digests(tmp_path) == before
    generate({"customers": 40, "months": 1, "seed": 2, "overwrite": True, "quiet": True}, data_dir=tmp_path)
    assert len(list((tmp_path / "raw" / "_batches").glob("*.json"))) == 1


def test_cli_runs_and_reports_bad_input(tmp_path: Path) -> None:
    ok = run_python(
        "-m",
        "generator",
        "--customers",
        "30",
        "--months",
        "2",
        "--data-dir",
        str(tmp_path / "x"),
        "--json",
        timeout=300,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["batches"] == ["b0001_2024-01", "b0002_2024-02"]
    assert "[generator] b0002_2024-02" in ok.stderr and "rows/s" in ok.stderr
    bad = run_python("-m", "generator", "--start", "janeiro", "--data-dir", str(tmp_path / "y"))
    assert bad.returncode == 2
    assert "generator: error: --start 'janeiro' is not a month" in bad.stderr
    assert not (tmp_path / "y").exists()


_CLI_PROCESS = """
import sys
from generator.__main__ import main  # what `python -m generator` runs (its module sets the environment)
assert main(["--customers", "30", "--months", "1", "--data-dir", sys.argv[1], "--quiet"]) == 0
import json, os, pyarrow
from threadpoolctl import threadpool_info
print(json.dumps({
    "pool": pyarrow.default_memory_pool().backend_name,
    "blas_threads": sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}),
    "pandas": "pandas" in sys.modules,
}))
"""


def test_cli_process_sets_its_allocator_and_blas_threads_before_they_load(tmp_path: Path) -> None:
    """`python -m generator` runs on the system allocator with one OpenBLAS thread (they must be
    chosen before numpy/pyarrow load: importing the package must not load them) and never
    imports pandas (pyarrow would, on its first pa.array call, ~0.15 s)."""
    unset = ("ARROW_DEFAULT_MEMORY_POOL", "OPENBLAS_NUM_THREADS")  # the CLI sets them itself
    env = {k: v for k, v in os.environ.items() if k not in unset}
    done = run_python("-c", _CLI_PROCESS, str(tmp_path / "x"), env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"pool": "system", "blas_threads": [1], "pandas": False}
    assert len(list((tmp_path / "x" / "raw" / "_batches").glob("*.json"))) == 1


def test_importing_the_package_loads_neither_numpy_nor_pyarrow() -> None:
    done = run_python(
        "-c",
        "import sys, generator; from generator import GeneratorOptions; "
        "print(sorted(m for m in ('numpy', 'pyarrow', 'pandas') if m in sys.modules)); "
        "from generator import generate; print(callable(generate), 'pyarrow' in sys.modules)",
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["[]", "True True"]


def test_truth_is_separate_and_consistent(dataset, truth) -> None:
    data_dir, summary = dataset
    assert not (data_dir / "raw" / "truth").exists()
    mensal, clientes = truth["clientes_mensal"], truth["clientes"]
    assert list(mensal.columns) == [
        "id_cliente",
        "mes",
        "health",
        "churn_hazard",
        "churned_in_month",
        "churn_prob_90d",
        "churn_prob_horizon_days",
    ]
    assert mensal["churn_hazard"].between(0, 1).all() and mensal["health"].between(0, 1).all()
    assert (mensal.groupby("id_cliente")["mes"].apply(lambda s: s.is_unique)).all()
    assert {"id_cliente", "churn_date", "churn_reason"} <= set(clientes.columns)
    churned = mensal[mensal["churned_in_month"]]
    last = churned.sort_values("mes").groupby("id_cliente")["mes"].last()
    dates = clientes.set_index("id_cliente")["churn_date"].dropna()
    # churners of the pre-history (cancelled before the first batch) have no monthly truth rows
    prehistory = dates[dates < dt.date(2024, 1, 1)]
    assert len(prehistory) > 0.1 * summary["options"]["customers"]
    assert not set(prehistory.index) & set(mensal["id_cliente"][mensal["mes"] < dt.date(2024, 1, 1)])
    dates = dates[dates >= dt.date(2024, 1, 1)]
    assert set(last.index) == set(dates.index)
    for customer, month in last.items():
        churn_date = dates[customer]
        assert (churn_date.year, churn_date.month) == (month.year, month.month), customer


def test_bench_writes_its_report(tmp_path: Path) -> None:
    """Smoke test of `python -m generator.bench` at a tiny scale (no timing assertions)."""
    done = run_python(
        "-m",
        "generator.bench",
        "--repeats",
        "1",
        "--customers",
        "40",
        "--months",
        "2",
        "--data-dir",
        str(tmp_path),
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "reports" / "bench_generator.json").read_text())
    assert report["full_generation"]["usage_events"] > 1000
    assert report["full_generation"]["peak_rss_mib"] > 50
    assert report["customers_vs_faker"]["ratio"] > 1
    assert report["events_vs_duckdb"]["duckdb_rows"] == report["full_generation"]["usage_events"]
    assert set(report["meets"]) == {"seconds_10m_events", "peak_rss_mib", "faker_ratio", "duckdb_ratio"}
    assert "ratio vs DuckDB" in done.stdout


def test_tiny_run_writes_empty_tables_with_the_schema(tmp_path: Path) -> None:
    summary = generate({"customers": 1, "months": 2, "dirt_rate": 0.3, "quiet": True}, data_dir=tmp_path)
    assert min(summary["rows"].values()) == 0  # e.g. no ticket in two months for one customer
    contract = load_contract()
    for table in TABLES:
        for path in sorted((tmp_path / "raw" / table).glob("*.parquet")):
            assert pq.read_schema(path).equals(contract.table(table).arrow_schema()), path
