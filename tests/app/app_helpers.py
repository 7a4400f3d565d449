"""AppTest helpers shared by the page tests."""

from __future__ import annotations

import os
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from app.bench import PAGES as BENCH_PAGES

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "app" / "streamlit_app.py"


def pipeline_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"CS_OPS_TARGET": "dev", "CS_OPS_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)})
    return env


PAGES = BENCH_PAGES  # every page, in the order of the app
APP_READS = ("warehouse/published", "ml")  # what the app reads of a data dir; it writes app_state/


def linked_data_dir(source: Path, dest: Path, parts: tuple[str, ...] = APP_READS) -> Path:
    """A data dir at `dest` whose `parts` link to `source`'s: the app reads the source's releases
    and model, and writes its own state (the action log) under `dest`, never into `source`."""
    for part in parts:
        link = dest / part
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to((source / part).resolve(), target_is_directory=True)
    return dest


def open_page(
    page: str, lang: str | None = None, author: str | None = None, query: dict[str, str] | None = None
) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    if lang:
        at.session_state["lang"] = lang
    if author:
        at.session_state["author_name"] = author
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    if page != PAGES[0]:
        at.switch_page(f"views/{page}.py").run()
    return at


def problems(at: AppTest) -> list[str]:
    """Exceptions, error boxes and friendly 'missing data' boxes on the page."""
    found = [f"exception: {e.value}" for e in at.exception]
    found += [f"error: {e.value}" for e in at.error]
    found += [f"info: {i.value}" for i in at.info if "just " in i.value]
    return found


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def parse_number(text: str, lang: str = "pt") -> float:
    """Inverse of app.fmt for tests: "R$ 1.234,56" -> 1234.56, "12,5%" -> 12.5."""
    cleaned = re.sub(r"[^0-9,.\-]", "", text)
    if lang == "pt":
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    return float(cleaned)
