"""Readers while `just dev` rebuilds: every read sees marts and scores of one complete release.

It starts from a copy of the session's `dev_build` (a first `just dev`). The second
`just dev`, one month longer, resets the build file, so for most of its run the build
holds no churn_scores, and its marts gain a month. A reader polling the current release must
never find the scores missing, nor scores of another month than the marts beside them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from warehouse import get_warehouse
from warehouse.config import REPO_ROOT, load_settings

pytestmark = pytest.mark.e2e

CHECK_SQL = """
    select
        (select count(*) from {analytics}.churn_scores) as scores,
        (select max(snapshot_date) from {analytics}.churn_scores) as scored_date,
        (select max(snapshot_date) from {analytics}.fct_clientes_snapshot_mensal) as snapshot_date,
        (select count(*) from {analytics}.fct_clientes_kpis) as customers
"""


def _just_dev(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    local = Path(sys.executable).with_name("just")
    just = str(local) if local.exists() else (shutil.which("just") or "just")
    return subprocess.Popen(
        [just, "dev", *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _one_month_more(args: list[str]) -> list[str]:
    at = args.index("--months") + 1
    return [*args[:at], str(int(args[at]) + 1), *args[at + 1 :]]


def test_reads_during_just_dev_always_find_marts_and_scores_of_one_release(
    dev_build: Path, dev_args: list[str], tmp_path: Path
) -> None:
    shutil.copytree(dev_build, tmp_path / "data")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CS_OPS_", "BIGQUERY_", "GOOGLE_"))}
    env |= {"CS_OPS_TARGET": "dev", "CS_OPS_DATA_DIR": str(tmp_path / "data")}
    reader = get_warehouse(load_settings(env), read_only=True)
    before = reader.release_id()
    before_month = str(reader.query(CHECK_SQL).iloc[0]["snapshot_date"])

    second = _just_dev(_one_month_more(dev_args), env)
    reads, problems = 0, []
    deadline = time.monotonic() + 1800
    while second.poll() is None and time.monotonic() < deadline:
        row = reader.query(CHECK_SQL).iloc[0]
        reads += 1
        if row["scores"] == 0 or row["customers"] == 0:
            problems.append(f"read {reads}: {row['scores']} scores, {row['customers']} customers")
        elif str(row["scored_date"]) != str(row["snapshot_date"]):
            problems.append(
                f"read {reads}: scores of {row['scored_date']} beside marts of {row['snapshot_date']}"
            )
        time.sleep(0.05)
    out, _ = second.communicate(timeout=60)
    assert second.returncode == 0, out[-4000:]

    print(f"{reads} reads while just dev ran, {len(problems)} problems")
    assert reads >= 100, f"only {reads} reads while just dev ran"
    assert problems == [], problems[:5]
    assert reader.release_id() != before
    assert str(reader.query(CHECK_SQL).iloc[0]["snapshot_date"]) > before_month, "the new month is read"
