"""The offline executive report: real data in, one self-contained HTML file out."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

from app_helpers import REPO, pipeline_env

from app import fmt, queries, report


def test_report_is_self_contained_and_shows_the_numbers(app_data, reader, tmp_path):
    out = report.write_report(tmp_path / "r.html")
    html = out.read_text(encoding="utf-8")
    # offline: no external script, stylesheet, image or font
    assert "<script" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert html.count("<svg") >= 3  # MRR trend, movements, churn
    last = queries.kpis_mensais(reader).iloc[-1]
    assert fmt.brl(last["mrr"]) in html
    assert fmt.month(last["month"]) in html
    top = queries.portfolio(reader).iloc[0]
    assert top["customer_id"] in html
    assert fmt.brl(top["mrr_at_risk"]) in html
    for table in queries.quality(reader)["table_name"].unique():
        assert f'<td class="">{table}</td>' in html


def test_report_in_english(app_data, tmp_path):
    html = report.write_report(tmp_path / "en.html", lang="en").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Executive report" in html and "Top 15 accounts at risk" in html


def test_report_cli_writes_to_the_reports_dir(built_data_dir, tmp_path):
    data_dir = tmp_path / "data"  # the shared build is read-only: the report goes to a copy's reports/
    shutil.copytree(built_data_dir / "warehouse" / "published", data_dir / "warehouse" / "published")
    done = subprocess.run(
        [sys.executable, "-m", "app.report", "--top", "5"],
        cwd=REPO,
        env=pipeline_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    path = data_dir / "reports" / report.REPORT_NAME
    assert str(path) in done.stdout
    assert "Top 5 contas em risco" in path.read_text(encoding="utf-8")


def test_report_cli_without_data_says_what_to_run(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "app.report"],
        cwd=REPO,
        env=pipeline_env(tmp_path / "none"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "just dev" in done.stderr
    assert "Traceback" not in done.stderr
