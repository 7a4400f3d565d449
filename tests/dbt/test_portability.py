"""Engine portability.

1. The GoogleSQL checker (Google's ZetaSQL analyzer) rejects DuckDB-only and mistyped SQL.
2. Static: models never branch on the target, never read the wall clock, and every
   engine-specific function lives in a dispatched macro.
3. On the BigQuery emulator (marker `prod`): the same raw data built on dev and on prod
   gives the same rows in every mart, and GoogleSQL's analyzer accepts every statement dbt
   sent (the emulator runs DuckDB underneath, so it alone would not notice a type error).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from dbt_runs import REPO, RUN_COLUMNS, dbt, duckdb_path, generate, load, query
from googlesql_checker import LogRolledOver, Statement, captured_statements

pytestmark = pytest.mark.slow
PROJECT = REPO / "cs_ops_dbt"


DUCKDB_ONLY_OR_MISTYPED = [
    "select try_cast(licencas as int64) from cs_ops_raw_data.contratos",
    "select strptime(data_cadastro, '%d/%m/%Y') from cs_ops_raw_data.clientes",
    "select * from cs_ops_raw_data.clientes where regexp_matches(cnpj, '[0-9]')",
    "select * exclude (cnpj) from cs_ops_raw_data.clientes",
    "select data_cadastro::date from cs_ops_raw_data.clientes",
    "select cast(licencas as varchar) from cs_ops_raw_data.contratos",
    "select cast(licencas as double) from cs_ops_raw_data.contratos",
    "select cast(sum(licencas) as hugeint) from cs_ops_raw_data.contratos",
    "select date_diff('day', period_start, period_end) from cs_ops_raw_data.load_batches",
    "select * from unnest(generate_series(1, 3))",
    "select list_value(1, 2)",
    # implicit casts DuckDB makes and BigQuery refuses
    "select * from cs_ops_raw_data.load_batches where period_end > loaded_at",
    "select * from cs_ops_raw_data.contratos where licencas not in ('0', '1')",
    # a column the raw contract does not have
    "select id_customer from cs_ops_raw_data.clientes",
]


@pytest.mark.parametrize("sql", DUCKDB_ONLY_OR_MISTYPED)
def test_checker_rejects_duckdb_only_and_mistyped_sql(googlesql_checker, sql: str) -> None:
    problems = googlesql_checker.analyse(Statement("model.cs_ops_dbt.example", "\n" + sql))
    assert len(problems) == 1
    assert problems[0].node == "model.cs_ops_dbt.example" and problems[0].line == 2, problems[0]


def test_date_timestamp_comparison_names_node_line_and_googlesql_message(googlesql_checker) -> None:
    sql = "select batch_id\nfrom cs_ops_raw_data.load_batches\nwhere period_end > loaded_at"
    [problem] = googlesql_checker.analyse(Statement("model.cs_ops_dbt.example", sql))
    assert problem.line == 3 and problem.text == "where period_end > loaded_at"
    assert "No matching signature for operator > for argument types: DATE, TIMESTAMP" in problem.message


def test_checker_accepts_bigquery_sql_and_types_what_it_creates(googlesql_checker) -> None:
    project = googlesql_checker.project
    created = f"""
    create or replace table `{project}`.`cs_ops_analytics`.`example`
    partition by signup_date cluster by customer_id
    OPTIONS() as (
        select
            safe_cast(licencas as int64) as seats,
            safe.parse_date('%d/%m/%Y', data_inicio) as signup_date,
            regexp_contains(id_cliente, r'^CLI-[0-9]+$') as is_valid_id,
            id_cliente as customer_id,
            '{{"key":' || to_json_string(cast(licencas as string)) || '}}' as raw_values,
            date_diff(date '2024-02-01', date '2024-01-01', day) as days
        from `{project}`.`cs_ops_raw_data`.`contratos`  -- try_cast in a comment is fine
    )
    """
    assert googlesql_checker.analyse(Statement("model.cs_ops_dbt.example", created)) == []
    # the created table is in the catalog with the analyzer's types: a wrong comparison fails
    read = f"select * from `{project}`.`cs_ops_analytics`.`example` where signup_date = seats"
    [problem] = googlesql_checker.analyse(Statement("test.cs_ops_dbt.reads_example", read))
    assert "DATE, INT64" in problem.message
    script = (
        f"delete from `{project}`.`cs_ops_analytics`.`example` where seats < 0;\n"
        "select count(*) from cs_ops_analytics.example"
    )
    assert googlesql_checker.analyse(Statement("model.cs_ops_dbt.example", script)) == []


# ---------- the statements a run sent: dbt's JSON log, whole ----------


def test_a_rolled_over_log_is_refused(tmp_path: Path) -> None:
    """dbt rolls dbt.log over at 10 MB: statements in dbt.log.1 would be missing silently."""
    (tmp_path / "dbt.log").write_text("", encoding="utf-8")
    (tmp_path / "dbt.log.1").write_text("", encoding="utf-8")
    with pytest.raises(LogRolledOver, match="--log-file-max-bytes 0"):
        captured_statements(tmp_path / "dbt.log")


def test_the_parse_before_a_build_keeps_the_log_whole(tmp_path: Path) -> None:
    """`python -m warehouse.dbt build` parses first, in the same process and log file: with the
    build's `--log-file-max-bytes 0`, or dbt's 10 MB default rolls earlier runs' lines away."""
    import raw_fixture

    data_dir = tmp_path / "data"
    raw_fixture.write_fixture(duckdb_path(data_dir))
    log = data_dir / "dbt-logs" / "dbt.log"
    log.parent.mkdir(parents=True)
    earlier = "an earlier run's line\n" * (11 * 2**20 // 22)  # > 10 MB, like a prod build's log
    log.write_text(earlier, encoding="utf-8")
    dbt(data_dir, "build", "--select", "stg_erp__load_batches", "--log-format-file", "json")
    assert not list(log.parent.glob("dbt.log.*")), "the log was rolled over"
    assert log.read_text(encoding="utf-8").startswith(earlier)
    assert any(s.node == "model.cs_ops_dbt.stg_erp__load_batches" for s in captured_statements(log))


def test_models_do_not_branch_on_the_target_or_read_the_clock() -> None:
    offenders = []
    for path in sorted((PROJECT / "models").rglob("*.sql")):
        code = path.read_text(encoding="utf-8").lower()
        if re.search(r"\btarget\.(type|name)\b|adapter\.type\(\)", code):
            offenders.append(f"{path.name}: branches on the target")
        if re.search(r"\bcurrent_(date|timestamp)\b|\bnow\s*\(", code):
            offenders.append(f"{path.name}: reads the wall clock")
    assert not offenders, offenders


def test_engine_specific_functions_only_in_dispatched_macros() -> None:
    engine_only = (
        r"\b(try_cast|safe_cast|strptime|parse_date|parse_timestamp|regexp_matches|regexp_contains|"
        r"strip_accents|normalize|generate_series|generate_date_array|last_day|date_trunc|to_json|"
        r"to_json_string|timestamp_seconds|make_timestamp|date_add|date_diff|timestamp_diff)\s*\("
    )
    offenders = []
    for path in sorted((PROJECT / "models").rglob("*.sql")):
        code = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
        code = re.sub(r"\{\{.*?\}\}", "", code, flags=re.DOTALL)  # macro calls are fine
        for match in re.finditer(engine_only, code.lower()):
            offenders.append(f"{path.name}: {match.group(1)}")
    assert not offenders, offenders


# ---------- dev vs prod on the emulator ----------


def marts(data_dir: Path) -> list[str]:
    """Every model under models/marts/, from the manifest of the last dbt run."""
    manifest = json.loads((data_dir / "dbt-target" / "manifest.json").read_text(encoding="utf-8"))
    nodes = manifest["nodes"].values()
    return sorted(
        n["name"] for n in nodes if n["resource_type"] == "model" and n["path"].startswith("marts/")
    )


# when each warehouse loaded the batch: dev and prod load the same files at two times
LOAD_COLUMNS = ["loaded_at"]


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Same representation on both engines (dates/timestamps as UTC text), rows in one order."""
    frame = frame.drop(columns=[c for c in RUN_COLUMNS + LOAD_COLUMNS if c in frame.columns])
    for column in frame.columns:
        values = frame[column]
        sample = values.dropna()
        is_temporal = pd.api.types.is_datetime64_any_dtype(values) or (
            len(sample) and isinstance(sample.iloc[0], dt.date | dt.datetime | pd.Timestamp)
        )
        if is_temporal:
            frame[column] = pd.to_datetime(values, utc=True).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
        elif pd.api.types.is_bool_dtype(values) or (len(sample) and isinstance(sample.iloc[0], bool)):
            frame[column] = values.astype("boolean")
        elif pd.api.types.is_numeric_dtype(values):
            frame[column] = values.astype("float64")
    # floats last in the sort: a last-digit difference must not reorder rows
    exact = [c for c in frame.columns if frame[c].dtype != "float64"]
    floats = [c for c in frame.columns if frame[c].dtype == "float64"]
    return frame.sort_values(exact + floats).reset_index(drop=True)


def assert_same_mart(mart: str, dev_frame: pd.DataFrame, prod_frame: pd.DataFrame) -> None:
    assert len(dev_frame) == len(prod_frame), f"{mart}: dev {len(dev_frame)} rows, prod {len(prod_frame)}"
    assert sorted(dev_frame.columns) == sorted(prod_frame.columns), mart
    columns = sorted(dev_frame.columns)
    # values rounded to one decimal (health score, its components, trends) may land on
    # either side of a .x5 boundary on the two engines: one rounding step apart at most
    one_decimal = [
        c
        for c in columns
        if c in ("health_score", "usage_minutes_30d") or c.startswith("score_") or c.endswith("_pct")
    ]
    exact = [c for c in columns if c not in one_decimal and c != "health_tier"]
    pd.testing.assert_frame_equal(
        dev_frame[exact],
        prod_frame[exact],
        check_dtype=False,
        check_exact=False,
        rtol=1e-6,
        atol=0.011,
        obj=mart,
    )
    if one_decimal:
        pd.testing.assert_frame_equal(
            dev_frame[one_decimal], prod_frame[one_decimal], check_dtype=False, check_exact=False, atol=0.1001
        )
        same_score = (dev_frame.health_score - prod_frame.health_score).abs() < 1e-9
        assert same_score.mean() > 0.8, mart
        assert (dev_frame.health_tier[same_score] == prod_frame.health_tier[same_score]).all(), mart


# columns that differ between engines by design, never compared with the reference engine
REFERENCE_ENGINE_ALLOWLIST = {
    "processed_at": "when the run that wrote the row started (two runs, two times)",
    "event_key": "a 64-bit hash for grouping (cs_hash_key): farm_fingerprint on BigQuery, hash on DuckDB",
}


@pytest.fixture(scope="module")
def prod_and_dev_builds(tmp_path_factory: pytest.TempPathFactory, bq_emulator: str, bq_emulator_project: str):
    """The same generated raw rows built on dev and on prod (the emulator), then one more batch
    built incrementally on both. Keeps the first build's dev file and prod run results, and
    every statement dbt sent on prod (JSON log, `SQLQuery` events)."""
    data_dir = tmp_path_factory.mktemp("dev-vs-prod") / "data"
    prod_env = {"GOOGLE_CLOUD_PROJECT": bq_emulator_project, "BIGQUERY_EMULATOR_HOST": bq_emulator}
    json_log = ("--log-format-file", "json")  # one file, never rolled over (dbt_runs.dbt)
    slow = 1800  # the emulator runs each statement through its own layers: minutes on a busy machine
    generate(data_dir, 25, 3)
    load(data_dir)
    load(data_dir, "prod", **prod_env)
    dbt(data_dir, "build")
    shutil.copy(duckdb_path(data_dir), data_dir / "dev-first-build.duckdb")
    dbt(data_dir, "build", *json_log, target="prod", timeout=slow, **prod_env)
    shutil.copy(data_dir / "dbt-target" / "run_results.json", data_dir / "prod-first-build-run_results.json")
    # one more batch, built incrementally on both engines (the event models' incremental
    # branches and merges run for real on BigQuery too); dev's incremental = full refresh is
    # test_incremental.py, prod's is test_prod_incremental_equals_a_full_refresh. dbt's unit
    # tests ran in the first builds: they check SQL on given rows, whatever the tables hold
    generate(data_dir, 25, 1, "--continue")
    load(data_dir)
    load(data_dir, "prod", **prod_env)
    no_unit_tests = ("--exclude-resource-type", "unit_test")
    dbt(data_dir, "build", *no_unit_tests)
    dbt(data_dir, "build", *no_unit_tests, *json_log, target="prod", timeout=slow, **prod_env)
    return data_dir


@pytest.mark.prod
def test_googlesql_accepts_every_statement_dbt_sent_on_prod(
    prod_and_dev_builds: Path, googlesql_checker
) -> None:
    """What the emulator ran (DuckDB underneath), analysed as real BigQuery would."""
    statements = captured_statements(prod_and_dev_builds / "dbt-logs" / "dbt.log")
    kinds = {statement.node.split(".")[0] for statement in statements}
    assert {"model", "test", "unit_test"} <= kinds, kinds
    problems = googlesql_checker.check_all(statements)
    assert not problems, "GoogleSQL rejects prod SQL:\n" + "\n".join(map(str, problems))
    assert googlesql_checker.analysed >= len(statements) > 100


# marts with no rows on clean generated data: record updates that move a record to another
# customer (the hostile-batch test fills it)
MAY_BE_EMPTY = {"fct_mudancas_de_cliente"}


EVENTS = "int_eventos_uso__deduplicated"


@pytest.mark.prod
def test_prod_reads_of_a_new_batch_name_its_partitions(prod_and_dev_builds: Path) -> None:
    """On prod, the incremental build's watermark of the events and their latest-run tests
    read only the newest partitions (known_date): the first build's tests read every row
    (all are that run's), the incremental build's the new batch's partition and the NULL one."""
    statements = captured_statements(prod_and_dev_builds / "dbt-logs" / "dbt.log")
    batches = query(
        prod_and_dev_builds,
        "select batch_id, period_end from cs_ops_raw_data.load_batches order by batch_id",
    )
    new_batch, previous = batches.iloc[-1], batches.iloc[-2]
    bound = f"known_date >= date '{new_batch.period_end:%Y-%m-%d}' or known_date is null"
    for test in ("primary_key_in_latest_run_", "not_null_columns_in_latest_run_"):
        runs = [
            s.sql for s in statements
            if s.node.startswith(f"test.cs_ops_dbt.{test}") and f"`{EVENTS}`" in s.sql
            and "dbt_internal_test" in s.sql
        ]  # fmt: skip
        assert len(runs) == 2, (test, len(runs))
        first, incremental = runs
        assert "known_date >=" not in first, first
        assert bound in incremental, incremental
    model = [s.sql for s in statements if s.node == f"model.cs_ops_dbt.{EVENTS}"]
    watermarks = [sql for sql in model if re.search(r"select max\(batch_id\) from", sql)]
    assert watermarks and all("known_date >=" in sql for sql in watermarks), watermarks
    assert any(f"batch_id > '{previous.batch_id}'" in sql for sql in model)


@pytest.mark.prod
def test_prod_on_the_emulator_matches_dev_in_every_mart(
    prod_and_dev_builds: Path, bq_emulator: str, bq_emulator_project: str
) -> None:
    from warehouse import get_warehouse
    from warehouse.config import load_settings

    data_dir = prod_and_dev_builds
    settings = load_settings({
        "CS_OPS_TARGET": "prod", "CS_OPS_DATA_DIR": str(data_dir),
        "GOOGLE_CLOUD_PROJECT": bq_emulator_project, "BIGQUERY_EMULATOR_HOST": bq_emulator,
    })  # fmt: skip
    prod = get_warehouse(settings, read_only=True)
    compared = marts(data_dir)
    assert {"fct_quarentena", "fct_clientes_kpis", "dim_clientes"} <= set(compared), compared
    for mart in compared:
        dev_frame = _normalise(query(data_dir, f"select * from cs_ops_analytics.{mart}"))
        prod_frame = _normalise(prod.query(f"select * from {{analytics}}.{mart}"))
        assert len(dev_frame) > 0 or mart in MAY_BE_EMPTY, mart
        assert_same_mart(mart, dev_frame, prod_frame)


@pytest.mark.prod
def test_reference_engine_gives_the_dev_rows_for_every_model(
    prod_and_dev_builds: Path, googlesql_checker, bq_emulator_project: str
) -> None:
    """Every model's prod SQL of the first build, run in build order on Google's reference
    engine over the dev build's raw rows, gives the rows DuckDB gave (floats within
    reference_engine.FLOAT_TOLERANCE; REFERENCE_ENGINE_ALLOWLIST left out)."""
    import reference_engine

    data_dir = prod_and_dev_builds
    models = reference_engine.built_models(data_dir / "prod-first-build-run_results.json")
    assert len(models) > 30
    dev_file = data_dir / "dev-first-build.duckdb"
    outputs = reference_engine.evaluate_models(
        googlesql_checker.server, googlesql_checker.options, models, dev_file, bq_emulator_project
    )
    found = []
    for name, table in outputs.items():
        found += reference_engine.differences(name, table, dev_file, set(REFERENCE_ENGINE_ALLOWLIST))
    assert not found, "\n".join(found)


@pytest.mark.prod
def test_prod_incremental_equals_a_full_refresh(
    prod_and_dev_builds: Path, bq_emulator: str, bq_emulator_project: str
) -> None:
    """After the incremental batch on prod, a full refresh on the emulator changes no mart."""
    from warehouse import get_warehouse
    from warehouse.config import load_settings

    data_dir = prod_and_dev_builds
    prod_env = {"GOOGLE_CLOUD_PROJECT": bq_emulator_project, "BIGQUERY_EMULATOR_HOST": bq_emulator}
    settings = load_settings({"CS_OPS_TARGET": "prod", "CS_OPS_DATA_DIR": str(data_dir), **prod_env})
    prod = get_warehouse(settings, read_only=True)
    compared = marts(data_dir)
    incremental = {mart: _normalise(prod.query(f"select * from {{analytics}}.{mart}")) for mart in compared}
    dbt(data_dir, "run", "--full-refresh", target="prod", timeout=1800, **prod_env)
    for mart in compared:
        full = _normalise(prod.query(f"select * from {{analytics}}.{mart}"))
        assert len(full) > 0 or mart in MAY_BE_EMPTY, mart
        pd.testing.assert_frame_equal(incremental[mart], full, check_dtype=False, obj=f"{mart} on prod")
