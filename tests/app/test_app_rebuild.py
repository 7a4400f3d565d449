"""Rebuilding (generate one more month -> load -> dbt build -> publish) while the app is read: zero errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time

import pytest
import streamlit as st
from app_helpers import PAGES, REPO, open_page, pipeline_env, problems

from app import fmt, queries

REBUILD = [
    ["-m", "generator", "--continue", "--months", "1", "--quiet"],
    ["-m", "warehouse", "load"],
    ["-m", "warehouse.dbt", "build"],
    ["-m", "warehouse", "publish"],
]


@pytest.mark.e2e
def test_pages_keep_serving_while_the_warehouse_is_rebuilt(built_data_dir, tmp_path, use_data_dir):
    data_dir = tmp_path / "data"
    shutil.copytree(built_data_dir, data_dir, ignore=shutil.ignore_patterns("screenshots"))
    use_data_dir(data_dir)
    from warehouse import get_warehouse

    reader = get_warehouse(read_only=True)
    before_stamp = reader.data_timestamp()
    before_month = queries.kpis_mensais(reader)["month"].max()

    outcome: dict[str, object] = {}

    def rebuild() -> None:
        for args in REBUILD:
            done = subprocess.run(
                [sys.executable, *args],
                cwd=REPO,
                env=pipeline_env(data_dir),
                capture_output=True,
                text=True,
                timeout=600,
            )
            if done.returncode != 0:
                outcome["failed"] = f"{args}: {done.stdout[-2000:]}\n{done.stderr[-2000:]}"
                return
        outcome["done"] = True

    writer = threading.Thread(target=rebuild)
    writer.start()
    renders, seen_problems = 0, []
    started = time.monotonic()
    while writer.is_alive() or renders < len(PAGES):
        page = PAGES[renders % len(PAGES)]
        st.cache_data.clear()  # every render reads the warehouse, not the cache
        at = open_page(page)
        seen_problems += [f"{page}: {p}" for p in problems(at)]
        renders += 1
        assert time.monotonic() - started < 900, "rebuild took too long"
    writer.join()

    assert "failed" not in outcome, outcome.get("failed")
    assert seen_problems == []
    assert renders >= len(PAGES)
    after_stamp = reader.data_timestamp()
    assert after_stamp > before_stamp  # a new snapshot was published ...
    assert queries.kpis_mensais(reader)["month"].max() > before_month  # ... with the new month in it
    st.cache_data.clear()
    at = open_page("visao_executiva")  # and the app shows it
    assert problems(at) == []
    assert any(fmt.timestamp(after_stamp) in c.value for c in at.sidebar.caption)  # São Paulo time
