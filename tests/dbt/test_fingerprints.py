"""A changed var, macro or model SQL reaches the rows the incremental models already hold.

1. The fingerprint of each incremental model covers what its rows depend on and nothing
   else (the real parsed project, changed in memory).
2. Real builds: a changed var that the event models read rebuilds them on the next plain
   build, with one line each saying why, and the result equals a full refresh with that
   var; new health weights touch no incremental model and apply to every month at once.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dbt_runs import REPO, dbt, table_checksums

from warehouse.dbt_fingerprints import (
    Stale,
    Stored,
    components,
    fingerprint,
    incremental_models,
    stale_models,
)

EVENT_MODELS = {
    "int_eventos_uso__deduplicated",
    "int_eventos_uso__lotes",
    "int_eventos_uso__rejeitados",
    "int_uso__mensal",
    "int_uso__janelas_mensais",
}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory):
    from dbt.cli.main import dbtRunner

    target = tmp_path_factory.mktemp("fingerprint-parse")
    project = REPO / "cs_ops_dbt"
    args = ["parse", "--quiet", "--project-dir", str(project), "--profiles-dir", str(REPO)]
    result = dbtRunner().invoke([*args, "--target-path", str(target), "--log-path", str(target)])
    assert result.success, result.exception
    return result.result


def current(manifest) -> dict[str, dict[str, str]]:
    variables = {"max_event_duration_seconds": 86400, "health_weight_usage": 0.3}
    return {
        node.name: components(manifest, unique_id, variables, "duckdb")
        for unique_id, node in incremental_models(manifest).items()
    }


def test_only_the_event_models_are_incremental(manifest) -> None:
    assert set(current(manifest)) == EVENT_MODELS


def test_a_fingerprint_covers_upstream_models_macros_and_vars_it_reads(manifest) -> None:
    parts = current(manifest)["int_uso__janelas_mensais"]
    assert {
        "model stg_erp__eventos_uso",
        "model int_usuarios__known",
        "var max_event_duration_seconds",
    } <= set(parts)
    assert "macro cs_normalize_enum" in parts and "macro duckdb__cs_date_add" in parts
    assert not any(name.startswith("model int_clientes__mensal") for name in parts)
    for model, model_parts in current(manifest).items():
        assert not any(name.startswith("var health_") for name in model_parts), model


def test_a_changed_upstream_model_or_macro_changes_the_fingerprint_of_its_dependants_only(manifest) -> None:
    before = {model: fingerprint(parts) for model, parts in current(manifest).items()}
    users = manifest.nodes["model.cs_ops_dbt.stg_erp__usuarios"]
    original = users.raw_code
    users.raw_code = original + "\n-- a change"
    try:
        after = {model: fingerprint(parts) for model, parts in current(manifest).items()}
    finally:
        users.raw_code = original
    changed = {model for model in before if before[model] != after[model]}
    # the users decide which events are orphan candidates and which count in the windows
    assert changed == EVENT_MODELS - {"int_eventos_uso__rejeitados"}

    macro = next(m for m in manifest.macros.values() if m.name == "cs_normalize_enum")
    original = macro.macro_sql
    macro.macro_sql = original.replace("-%}", "-%}\n", 1)
    try:
        after = {model: fingerprint(parts) for model, parts in current(manifest).items()}
    finally:
        macro.macro_sql = original
    assert {model for model in before if before[model] != after[model]} == EVENT_MODELS


def test_stale_models_says_what_changed() -> None:
    parts = {"model a": "1", "var v": "2"}
    stored = {"m": Stored(fingerprint({"model a": "1", "var v": "3"}), {"model a": "1", "var v": "3"})}
    assert stale_models({"m": parts}, stored, {"m"}) == [Stale("m", ("var v",))]
    assert stale_models({"m": parts}, {"m": Stored(fingerprint(parts), parts)}, {"m"}) == []
    assert stale_models({"m": parts}, {}, set()) == [], "a model without rows is built anyway"
    assert "no fingerprint is stored" in stale_models({"m": parts}, {}, {"m"})[0].describe()
    assert (
        Stale("m", ("var v",)).describe()
        == "m: rebuilding in full: var v changed since its rows were written"
    )


def rebuilt(stdout: str) -> set[str]:
    return {line.split(":", 1)[0] for line in stdout.splitlines() if ": rebuilding in full: " in line}


def test_a_changed_var_rebuilds_what_it_affects_on_the_next_plain_build(
    fixture_build: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(fixture_build, data_dir)
    assert rebuilt(dbt(data_dir, "run")) == set(), "nothing changed: nothing is rebuilt"

    short = "{max_event_duration_seconds: 120}"
    out = dbt(data_dir, "run", "--vars", short)
    assert rebuilt(out) == EVENT_MODELS
    assert "int_uso__mensal: rebuilding in full: var max_event_duration_seconds changed" in out
    assert rebuilt(dbt(data_dir, "run", "--vars", short)) == set(), "stored with the rows: once only"
    incremental = table_checksums(data_dir)
    dbt(data_dir, "run", "--full-refresh", "--vars", short)
    assert table_checksums(data_dir) == incremental

    weights = "{max_event_duration_seconds: 120, health_weight_usage: 3.0}"
    out = dbt(data_dir, "run", "--vars", weights)
    assert rebuilt(out) == set(), "no incremental model reads the health weights"
    new_weights = table_checksums(data_dir)
    assert new_weights["int_clientes__health_scores"] != incremental["int_clientes__health_scores"]
    dbt(data_dir, "run", "--full-refresh", "--vars", weights)
    assert table_checksums(data_dir) == new_weights
