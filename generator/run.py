"""`generate(options)`: simulate months, make them dirty, write batches, truth and state."""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from generator import bizcal, dirt, process_setup, simulation, storage
from generator.options import (
    DEFAULTS,
    GENERATOR_VERSION,
    RUN_KEYS,
    GeneratorError,
    GeneratorOptions,
    check_values,
)
from warehouse.config import get_settings
from warehouse.contract import load_contract

TABLES = ("clientes", "contratos", "faturas", "usuarios", "eventos_uso", "tickets", "nps_respostas")
EMIT = "__emit"
MANIFEST_SCHEMA = pa.schema(
    [
        ("table", pa.string()),
        ("batch_id", pa.string()),
        ("record_key", pa.string()),
        ("column", pa.string()),
        ("kind", pa.string()),
    ]
)
# columns not worth dictionary-encoding in Parquet (besides primary keys and timestamps)
HIGH_CARDINALITY = {
    "eventos_uso": ("id_usuario",),
    "usuarios": ("nome", "email"),
    "clientes": ("razao_social", "cnpj"),
}


# truth/clientes_mensal columns whose values hardly repeat: dictionary encoding only costs there
TRUTH_UNIQUE_ISH = ("id_cliente", "health", "churn_hazard", "churn_prob_90d")
# raw batch files: snappy is the cheapest codec to write (and Parquet's default, read by
# every engine); the truth files are written once per run and use zstd
RAW_COMPRESSION = "snappy"
WORKERS = 2  # jobs run beside the simulation thread: two cores
_BUILD_LOCK = threading.Lock()
MAX_INFLIGHT = 2  # batches simulated but not yet finalised (bounds memory)


def batch_id(start: tuple[int, int], number: int) -> str:
    index = start[0] * 12 + start[1] - 1 + number - 1
    return f"b{number:04d}_{index // 12:04d}-{index % 12 + 1:02d}"


class _Paths:
    def __init__(self, data_dir: Path):
        self.data = data_dir
        self.raw = data_dir / "raw"
        self.batches = self.raw / "_batches"
        self.state = self.raw / "_state"
        self.truth = data_dir / "truth"
        self.parts = self.truth / "_parts"

    def table_file(self, table: str, bid: str) -> Path:
        return self.raw / table / f"{bid}.parquet"

    def has_raw_data(self) -> bool:
        if storage.has_state(self.state) or any(self.batches.glob("*.json")):
            return True
        return any(any((self.raw / t).glob("*.parquet")) for t in TABLES)


def _resolve(options: GeneratorOptions) -> tuple[dict, _Paths, dict | None]:
    """Every check that can fail, before anything is written."""
    if options.data_dir is not None:
        data_dir = Path(options.data_dir).expanduser().resolve()
    else:
        data_dir = get_settings().data_dir
    if data_dir.exists() and not data_dir.is_dir():
        raise GeneratorError(f"--data-dir {data_dir} exists and is not a directory")
    paths = _Paths(data_dir)
    saved = storage.read_state_meta(paths.state)
    given = {k: getattr(options, k) for k in RUN_KEYS}
    if options.continue_run:
        if options.overwrite:
            raise GeneratorError("--continue and --overwrite contradict each other: choose one")
        if saved is None:
            raise GeneratorError(
                f"--continue: no saved simulation state in {paths.state}; run without --continue first"
            )
        if saved.get("generator_version") != GENERATOR_VERSION:
            raise GeneratorError(
                f"--continue: the state in {paths.state} was written by generator version "
                f"{saved.get('generator_version')!r}, this is version {GENERATOR_VERSION}; "
                "use --overwrite to start over"
            )
        for key, value in given.items():
            if value is not None:
                normalised = check_values(
                    **{
                        **_saved_values(saved),
                        "months": 1,
                        key: value,
                    }
                )[key]
                if normalised != _saved_values(saved)[key]:
                    raise GeneratorError(
                        f"--continue: --{key.replace('_', '-')} {value} differs from the saved run's "
                        f"{_saved_values(saved)[key]!r}; omit it (or use --overwrite to start a new run)"
                    )
        values = check_values(
            **_saved_values(saved), months=options.months if options.months is not None else 1
        )
        done = int(saved["next_month"])
        if done + values["months"] > 9999:
            raise GeneratorError("--continue: at most 9999 batches per history")
    else:
        values = check_values(
            **{k: (v if v is not None else DEFAULTS[k]) for k, v in given.items()},
            months=options.months if options.months is not None else DEFAULTS["months"],
        )
        if paths.has_raw_data() and not options.overwrite:
            same = (
                saved is not None
                and saved.get("options") == _fingerprint(values)
                and int(saved.get("next_month", -1)) == values["months"]
            )
            if not same:
                described = (
                    f"seed={saved['options']['seed']}, customers={saved['options']['customers']}, "
                    f"start={saved['options']['start']}, {saved['next_month']} months"
                    if saved
                    else "files without generator state"
                )
                raise GeneratorError(
                    f"{paths.raw} already holds another run ({described}); pass --overwrite to replace it, "
                    f"or --continue to append months to it"
                )
    return values, paths, saved


def check_options(options: GeneratorOptions | dict) -> None:
    """Every check `generate` makes before writing anything (GeneratorError), writing nothing."""
    _resolve(GeneratorOptions.from_any(options))


def _saved_values(saved: dict) -> dict:
    """The run options a saved state was made with (runs from before --usage-scale used 1.0)."""
    return {k: saved["options"].get(k, DEFAULTS[k]) for k in RUN_KEYS}


def _fingerprint(values: dict) -> dict:
    return {**{k: values[k] for k in RUN_KEYS}, "generator_version": GENERATOR_VERSION}


def _clear(paths: _Paths) -> None:
    for table in TABLES:
        shutil.rmtree(paths.raw / table, ignore_errors=True)
    for folder in (paths.batches, paths.state, paths.parts):
        shutil.rmtree(folder, ignore_errors=True)
    for name in ("clientes_mensal.parquet", "clientes.parquet", "dirt_manifest.parquet"):
        (paths.truth / name).unlink(missing_ok=True)


def _concat(parts: list[pa.Table], schema: pa.Schema) -> pa.Table:
    """Concatenate parts whose string columns may be dictionary-encoded or plain."""
    parts = [p for p in parts if p.num_rows] or [schema.empty_table()]
    if len(parts) == 1:
        return parts[0]
    target = max(parts, key=lambda p: p.num_rows).schema
    return pa.concat_tables([p.cast(target) for p in parts]).unify_dictionaries()


def _plain(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Rows kept for a later batch, decoded to the contract's plain types."""
    return pa.table(
        [table.column(name).cast(schema.field(name).type) for name in schema.names], schema=schema
    )


def generate(options: GeneratorOptions | dict | None = None, **overrides) -> dict:
    """Run the generator; returns a summary (batches written, rows per table, seconds, paths)."""
    options = GeneratorOptions.from_any(options, **overrides)
    values, paths, saved = _resolve(options)
    started = time.perf_counter()
    contract = load_contract()
    if options.continue_run:
        state, pending = storage.load_state(paths.state)
    else:
        if paths.has_raw_data() or paths.parts.exists():
            _clear(paths)
        start = tuple(int(x) for x in values["start"].split("-"))
        state = simulation.new_state(
            values["seed"], values["customers"], start, usage_scale=values["usage_scale"]
        )
        state.options = _fingerprint(values)
        state.generator_version = GENERATOR_VERSION
        pending = {}
    start = state.start
    rate = values["dirt_rate"]
    rows_total: dict[str, int] = {t: 0 for t in TABLES}
    written: list[str] = []
    first = state.next_month
    progress = _Progress(options.quiet, started, rows_total)
    schemas = {table: contract.table(table).arrow_schema() for table in TABLES}
    # The simulation runs on this thread; each table of each batch is made dirty, rendered,
    # split (rows due later are held back) and written by a job on the pool (numpy and
    # pyarrow release the GIL, so both cores work). A table's job takes the rows held back
    # by the same table's previous job; batches are finalised (manifest, metadata JSON,
    # state) in order on this thread. Every job draws from its own seeded generator, so
    # the bytes do not depend on the scheduling.
    carry = {"__manifest": pending.pop("__manifest", None)}
    previous: dict[str, Future | None] = dict.fromkeys(TABLES)
    inflight: deque = deque()
    truth_parts: list[Future] = []
    process_setup.limit_malloc_arenas()
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="generator-writer") as pool:
        for k in range(first, first + values["months"]):
            batch = k + 1
            bid = batch_id(start, batch)
            futures = {}

            def submit(table: str, source, k=k, batch=batch, bid=bid, futures=futures) -> None:
                job = _TableJob(
                    table=table,
                    index=TABLES.index(table),
                    seed=state.seed,
                    month=k,
                    batch=batch,
                    rate=rate,
                    schema=schemas[table],
                    path=paths.table_file(table, bid),
                    unique_ish=(contract.table(table).primary_key, *HIGH_CARDINALITY.get(table, ())),
                )
                held = pending.pop(table, None) if previous[table] is None else None
                later = Future()  # set by the job once its held-back rows are split off
                futures[table] = pool.submit(_run_table_job, job, source, previous[table], held, later)
                previous[table] = later

            # the big one first: its job starts while the rest of the month is simulated
            out = simulation.step(state, on_events=functools.partial(submit, "eventos_uso"))
            del out["frames"]["eventos_uso"]
            for table in TABLES:
                if table != "eventos_uso":
                    submit(table, out["frames"].pop(table))
            truth = pool.submit(
                storage.write_arrow, out["truth"], paths.parts / "clientes_mensal" / f"{bid}.arrow"
            )
            truth_parts.append(truth)
            inflight.append((bid, batch, out["period"], futures, truth, state.copy()))
            del out
            while len(inflight) > MAX_INFLIGHT:
                _finalize(paths, contract, start, inflight.popleft(), carry, rows_total, written, progress)
        # the truth files are written on the pool beside the last batches' tables; the dirt
        # manifest needs every batch finalised first
        truth_files = [
            pool.submit(_write_truth_monthly, paths, truth_parts),
            pool.submit(
                storage.write_parquet, simulation.truth_customers(state), paths.truth / "clientes.parquet"
            ),
        ]
        while inflight:
            _finalize(paths, contract, start, inflight.popleft(), carry, rows_total, written, progress)
        manifest = _concat_parts(paths.parts / "dirt_manifest")
        if manifest is not None:
            storage.write_parquet(manifest, paths.truth / "dirt_manifest.parquet", ("record_key",))
        for future in truth_files:
            future.result()
    seconds = time.perf_counter() - started
    summary = {
        "data_dir": str(paths.data),
        "batches": written,
        "first_batch": written[0] if written else None,
        "last_batch": written[-1] if written else None,
        "rows": rows_total,
        "total_rows": sum(rows_total.values()),
        "seconds": round(seconds, 3),
        "options": state.options,
        "customers_total": len(state.customers),
    }
    if not options.quiet:
        print(
            f"[generator] wrote {len(written)} batches, {summary['total_rows']:,} rows in {seconds:.1f} s "
            f"to {paths.raw}",
            file=sys.stderr,
        )
    return summary


class _Progress:
    def __init__(self, quiet: bool, started: float, rows_total: dict):
        self.quiet, self.started, self.rows_total = quiet, started, rows_total

    def batch(self, bid: str, rows: int) -> None:
        if self.quiet:
            return
        elapsed = time.perf_counter() - self.started
        done = sum(self.rows_total.values())
        print(
            f"[generator] {bid}: {rows:>10,} rows  "
            f"(total {done:,}, {done / max(elapsed, 1e-9) / 1e6:.2f} M rows/s)",
            file=sys.stderr,
            flush=True,
        )


def _finalize(
    paths: _Paths, contract, start, job, carry: dict, rows_total: dict, written: list, progress: _Progress
) -> None:
    """Wait for a batch's files, write its dirt manifest part, its metadata JSON, then the state."""
    bid, batch, (d0, d1), futures, truth, state_snapshot = job
    entries, manifests, pending = {}, [], {}
    for table in TABLES:
        result = futures[table].result()
        entries[table] = {
            "file": str(paths.table_file(table, bid).relative_to(paths.data)),
            "rows": result.rows,
            "sha256": result.sha256,
        }
        rows_total[table] += result.rows
        manifests.append(result.manifest)
        if result.later is not None:
            pending[table] = result.later
    truth.result()
    manifest = pa.concat_tables(manifests)
    if carry["__manifest"] is not None:
        manifest = pa.concat_tables([carry["__manifest"], manifest])
    due = pc.less_equal(manifest.column(EMIT), batch)
    m_now, m_later = manifest.filter(due), manifest.filter(pc.invert(due))
    carry["__manifest"] = m_later if m_later.num_rows else None
    if m_later.num_rows:
        pending["__manifest"] = m_later
    m_now = pa.table(
        {
            "table": m_now.column("table"),
            "batch_id": _batch_ids(start, m_now.column(EMIT)),
            "record_key": m_now.column("record_key"),
            "column": m_now.column("column"),
            "kind": m_now.column("kind"),
        },
        schema=MANIFEST_SCHEMA,
    )
    storage.write_arrow(m_now, paths.parts / "dirt_manifest" / f"{bid}.arrow")
    meta = {
        "batch_id": bid,
        "batch_number": batch,
        "period_start": bizcal.date_of(d0).isoformat(),
        "period_end": bizcal.date_of(d1 - 1).isoformat(),
        "generated_at": dt.datetime.combine(bizcal.date_of(d1), dt.time(2, 0), dt.UTC)
        .isoformat()
        .replace("+00:00", "Z"),
        "tables": entries,
        "row_counts": {table: entry["rows"] for table, entry in entries.items()},
        "total_rows": sum(e["rows"] for e in entries.values()),
        "options": state_snapshot.options,
        "contract_version": contract.version,
    }
    storage.write_json(meta, paths.batches / f"{bid}.json")
    storage.save_state(state_snapshot, paths.state, pending)
    process_setup.release_free_memory()
    written.append(bid)
    progress.batch(bid, meta["total_rows"])


@dataclass(frozen=True)
class _TableJob:
    table: str
    index: int
    seed: int
    month: int
    batch: int
    rate: float
    schema: pa.Schema
    path: Path
    unique_ish: tuple[str, ...]


@dataclass(frozen=True)
class _TableResult:
    rows: int
    sha256: str
    manifest: pa.Table  # with EMIT
    later: pa.Table | None  # rows due in later batches (contract types + EMIT)


def _run_table_job(
    job: _TableJob, source, previous: Future | None, held: pa.Table | None, later_out: Future
) -> _TableResult:
    """Dirt, render, split off the rows due later, write one table of one batch.

    `previous` gives the rows the same table's previous job held back (it is set before that
    job writes its file, so this one does not wait for the write); `later_out` gets this
    job's held-back rows the same way (or the error that stopped it)."""
    try:
        now, manifest, later = _split_table_job(job, source, previous, held)
    except BaseException as error:
        later_out.set_exception(error)
        raise
    later_out.set_result(later)
    digest = storage.write_parquet(now, job.path, job.unique_ish, compression=RAW_COMPRESSION)
    return _TableResult(now.num_rows, digest, manifest, later)


def _split_table_job(job: _TableJob, source, previous: Future | None, held: pa.Table | None):
    """Dirt and render one table of one batch; (rows of this batch, manifest, rows due later)."""
    if callable(source):
        # the events arrive as a builder; one month's events are built at a time, while the
        # other worker dirties and writes the previous month (at most two months in memory:
        # measured 0.85 s faster than one month at a time for +7 MiB peak RSS)
        with _BUILD_LOCK:
            source = source()
    rng = np.random.default_rng([job.seed, job.month + 1000, 100 + job.index])
    parts, manifest = dirt.inject(source, job.rate, rng, job.batch)
    del source
    if previous is not None:
        held = previous.result()
    batch = job.batch
    now_parts, later_parts = [], []
    if held is not None:
        due = pc.less_equal(held.column(EMIT), batch)
        now_parts.append(held.filter(due).drop_columns([EMIT]))
        later_parts.append(held.filter(pc.invert(due)))
    for data, emit in parts:
        k_due = int((emit <= batch).sum())
        if (emit[:k_due] <= batch).all():  # rows for later batches are at the tail
            now_parts.append(data.slice(0, k_due))
            tail = data.slice(k_due)
        else:
            mask = pa.array(emit <= batch)
            now_parts.append(data.filter(mask))
            tail = data.filter(pc.invert(mask))
        if tail.num_rows:
            later_parts.append(tail.append_column(EMIT, pa.array(emit[emit > batch], pa.int64())))
    now = _concat(now_parts, job.schema)
    later_rows = [_plain(t, job.schema.append(pa.field(EMIT, pa.int64()))) for t in later_parts if t.num_rows]
    later = pa.concat_tables(later_rows) if later_rows else None
    return now, manifest, later


def _batch_ids(start: tuple[int, int], emit: pa.ChunkedArray) -> pa.Array:
    numbers = np.asarray(emit.to_numpy(), dtype=np.int64)
    if len(numbers) == 0:
        return pa.array([], pa.string())
    unique, inverse = np.unique(numbers, return_inverse=True)
    return pa.array([batch_id(start, int(u)) for u in unique], pa.string()).take(pa.array(inverse))


def _concat_parts(folder: Path) -> pa.Table | None:
    files = sorted(folder.glob("*.arrow"))
    if not files:
        return None
    return pa.concat_tables([storage.read_arrow(f) for f in files])


def _write_truth_monthly(paths: _Paths, parts: list[Future]) -> None:
    """truth/clientes_mensal.parquet from the monthly parts (once this run's are written)."""
    for part in parts:
        part.result()
    mensal = _concat_parts(paths.parts / "clientes_mensal")
    if mensal is not None:
        storage.write_parquet(mensal, paths.truth / "clientes_mensal.parquet", TRUTH_UNIQUE_ISH)
