"""dbt on dev spills to the data dir's temp folder and keeps building after it did.

dbt-duckdb runs `SET <key>` for every profile `settings` entry on each new cursor, and DuckDB
refuses to change `temp_directory` once something spilled there ("Cannot switch temporary
directory after the current one has been used"): a build that spilled in one model failed in
the next. The profile sets the memory limit and the temp dir once, when the database opens.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
from dbt_runs import REPO, environment

PROJECT = """
name: spill_check
version: "1.0"
profile: cs_ops_dbt
flags:
  send_anonymous_usage_stats: false
models:
  spill_check:
    +materialized: table
"""

# far more than 64MB of sort state, one row out: it completes only by spilling to the temp dir
SPILLING = "select count(*) as n from (select i, md5(i::varchar) as h from range(4000000) t(i) order by h)"


def test_a_build_keeps_going_after_a_model_spilled(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(PROJECT)
    (project / "models" / "spilled.sql").write_text(SPILLING)
    # each of these runs on a cursor opened after the spill
    for name in ("after_a", "after_b", "after_c"):
        (project / "models" / f"{name}.sql").write_text(
            "select n, current_setting('memory_limit') as memory_limit,"
            " current_setting('temp_directory') as temp_directory from {{ ref('spilled') }}"
        )
    data_dir = tmp_path / "data"
    (data_dir / "warehouse").mkdir(parents=True)
    env = environment(data_dir, CS_OPS_DUCKDB_MEMORY_LIMIT="64MB")
    done = subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", "run", "--project-dir", str(project),
         "--profiles-dir", str(REPO), "--target", "dev"],
        env=env, cwd=project, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    with duckdb.connect(str(data_dir / "warehouse" / "cs_ops.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select * from cs_ops_analytics.after_a union all select * from cs_ops_analytics.after_b"
            " union all select * from cs_ops_analytics.after_c"
        ).fetchall()
    # the 64MB pool is what forces the spill (DuckDB removes its temp files when it closes)
    assert {row[0] for row in rows} == {4_000_000}
    assert {row[1] for row in rows} <= {"64.0 MB", "61.0 MiB"}
    assert {row[2] for row in rows} == {str(data_dir / "warehouse" / "tmp")}
