"""Engine portability.

1. The dialect checker finds DuckDB-only constructs (and ignores them inside strings).
2. Static: models never branch on the target, never read the wall clock, and every
   engine-specific function lives in a dispatched macro.
3. On the BigQuery emulator (marker `prod`): the same raw data built on dev and on prod
   gives the same marts, and the compiled prod SQL has nothing real BigQuery rejects
   (the emulator runs DuckDB underneath, so it alone would not notice).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from bigquery_dialect import find_problems, scan_directory
from dbt_runs import REPO, dbt, generate, load, query

PROJECT = REPO / "cs_ops_dbt"


@pytest.mark.parametrize(
    "sql, construct",
    [
        ("select try_cast(x as int64) from t", "try_cast"),
        ("select strptime(x, '%d/%m/%Y') from t", "strptime"),
        ("select * from t where regexp_matches(x, 'a')", "regexp_matches"),
        ("select * exclude (a) from t", "* exclude"),
        ("select x::date from t", ":: cast"),
        ("select cast(x as varchar) from t", "DuckDB type name"),
        ("select cast(x as double) from t", "DuckDB type name"),
        ("select cast(sum(x) as hugeint) from t", "DuckDB type name"),
        ("select cast(x as integer) from t", "DuckDB type name"),
        ('select "a" from "db"."t"', "double-quoted identifier"),
        ("select date_diff('day', a, b) from t", "date_diff with unit first"),
        ("select * from t where d <= current_date", "current_date/now"),
        ("select unnest(generate_series(a, b, interval 1 month)) from t", "generate_series"),
    ],
)
def test_checker_flags_duckdb_only_sql(sql: str, construct: str) -> None:
    assert construct in {problem.construct for problem in find_problems(sql)}


def test_checker_accepts_bigquery_sql_and_ignores_literals() -> None:
    sql = """
    select
        safe_cast(x as int64) as a,
        safe.parse_date('%d/%m/%Y', s) as b,  -- try_cast in a comment is fine
        regexp_contains(s, r'^[0-9]{2}::x$') as c,
        '{"key":' || to_json_string(cast(v as string)) || '}' as d,
        date_diff(b, a, day) as e,
        'try_cast(varchar)' as f
    from `project`.`dataset`.`table`
    /* select x::int */
    """
    assert find_problems(sql) == []


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

MARTS_TO_COMPARE = {
    "dim_clientes": ["customer_id"],
    "dim_usuarios": ["user_id"],
    "fct_mrr_mensal": ["customer_id", "month"],
    "fct_kpis_mensais": ["month"],
    "fct_retencao_coortes": ["cohort_month", "months_since_signup"],
    "fct_clientes_snapshot_mensal": ["customer_id", "snapshot_date"],
    "fct_clientes_kpis": ["customer_id"],
    "fct_qualidade_dados": ["table_name", "batch_id"],
}


def _normalise(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Same representation on both engines: dates/timestamps as UTC text, the rest as is."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        sample = values.dropna()
        is_temporal = pd.api.types.is_datetime64_any_dtype(values) or (
            len(sample) and isinstance(sample.iloc[0], dt.date | dt.datetime | pd.Timestamp)
        )
        if is_temporal:
            frame[column] = pd.to_datetime(values, utc=True).dt.strftime("%Y-%m-%d %H:%M:%S")
        elif pd.api.types.is_bool_dtype(values) or (len(sample) and isinstance(sample.iloc[0], bool)):
            frame[column] = values.astype("boolean")
        elif pd.api.types.is_numeric_dtype(values):
            frame[column] = values.astype("float64")
    return frame.sort_values(keys).reset_index(drop=True)


@pytest.mark.prod
def test_prod_on_the_emulator_matches_dev_and_compiles_to_real_bigquery_sql(
    tmp_path: Path, bq_emulator: str, bq_emulator_project: str
) -> None:
    from warehouse import get_warehouse
    from warehouse.config import load_settings

    data_dir = tmp_path / "data"
    generate(data_dir, 25, 3)
    prod_env = {"GOOGLE_CLOUD_PROJECT": bq_emulator_project, "BIGQUERY_EMULATOR_HOST": bq_emulator}
    load(data_dir)
    load(data_dir, "prod", **prod_env)
    dbt(data_dir, "build")
    dbt(data_dir, "build", target="prod", **prod_env)
    # one more batch, built incrementally on both engines (the pre-hook deletes and the
    # inserts run for real on BigQuery too); dev's incremental = full refresh is
    # test_incremental.py, so equal marts here mean prod's incremental run is right too
    generate(data_dir, 25, 1, "--continue")
    load(data_dir)
    load(data_dir, "prod", **prod_env)
    dbt(data_dir, "build")
    dbt(data_dir, "build", target="prod", **prod_env)
    # compile again now that the incremental tables exist, so their incremental branch is checked too
    dbt(data_dir, "compile", target="prod", **prod_env)

    files, problems = scan_directory(data_dir / "dbt-target" / "compiled")
    run_files, run_problems = scan_directory(data_dir / "dbt-target" / "run")
    assert files > 30 and run_files > 30
    assert not problems + run_problems, "\n".join(map(str, (problems + run_problems)[:30]))

    settings = load_settings({
        "CS_OPS_TARGET": "prod", "CS_OPS_DATA_DIR": str(data_dir),
        "GOOGLE_CLOUD_PROJECT": bq_emulator_project, "BIGQUERY_EMULATOR_HOST": bq_emulator,
    })  # fmt: skip
    prod = get_warehouse(settings, read_only=True)
    for mart, keys in MARTS_TO_COMPARE.items():
        dev_frame = _normalise(query(data_dir, f"select * from cs_ops_analytics.{mart}"), keys)
        prod_frame = _normalise(prod.query(f"select * from {{analytics}}.{mart}"), keys)
        assert len(dev_frame) == len(prod_frame) > 0, mart
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
                dev_frame[one_decimal],
                prod_frame[one_decimal],
                check_dtype=False,
                check_exact=False,
                atol=0.1001,
            )
            same_score = (dev_frame.health_score - prod_frame.health_score).abs() < 1e-9
            assert same_score.mean() > 0.8, mart
            assert (dev_frame.health_tier[same_score] == prod_frame.health_tier[same_score]).all(), mart
