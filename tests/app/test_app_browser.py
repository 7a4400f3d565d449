"""Every page in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

At desktop (1440x900) and phone (390x844) widths, each page opened by its own URL in a new
session must show its title with no exception box, no error box, no console error and no
horizontal scrolling. The time from navigation to the page rendered is written to
<data dir>/reports/bench_app_browser.json (a measurement, not an assertion: targets live in
benchmarks). Screenshots at the default scale go to <data dir>/reports/screenshots/; with
CS_OPS_APP_SCREENSHOTS_DIR=app/screenshots they also replace the ones the README shows.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import time
from pathlib import Path

import pytest
from app_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGE_URLS,
    horizontal_overflow,
    page_problems,
    rendered,
    streamlit_server,
    wait_for_page,
    watch_console,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]
WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}


def _screens(built_data_dir: Path) -> Path:
    shots = built_data_dir / "reports" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _keep(shot: Path) -> None:
    if os.environ.get("CS_OPS_APP_SCREENSHOTS_DIR"):  # refresh the README's screenshots
        target = Path(os.environ["CS_OPS_APP_SCREENSHOTS_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target / shot.name)


@pytest.mark.parametrize("device", list(WIDTHS))
def test_every_page_by_url_at_desktop_and_phone_width(built_data_dir, tmp_path, device):
    from playwright.sync_api import sync_playwright

    width, height = WIDTHS[device]
    shots = _screens(built_data_dir)
    timings: dict[str, list[float]] = {}
    with streamlit_server(built_data_dir, tmp_path / "streamlit.log") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for round_number in range(2):  # the first round warms the server's caches
                for path, title in PAGE_URLS:
                    context = browser.new_context(viewport={"width": width, "height": height})
                    page = context.new_page()  # a new browser session per page: a new Streamlit session
                    errors = watch_console(page)
                    started = time.perf_counter()
                    page.goto(f"{url}/{path}")
                    rendered(page, title)
                    timings.setdefault(path, []).append(time.perf_counter() - started)
                    wait_for_page(page, title)
                    assert page_problems(page) == [], (device, path)
                    assert errors == [], (device, path)
                    assert horizontal_overflow(page) <= 0, f"{device} {path}: page scrolls sideways"
                    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
                    if device == "desktop":
                        assert "dev (DuckDB" in sidebar and "(Brasília)" in sidebar
                        assert str(built_data_dir) not in sidebar  # no machine path on screen
                    if round_number == 1:
                        suffix = "" if device == "desktop" else "-phone"
                        shot = shots / f"{path}{suffix}.png"
                        page.screenshot(path=str(shot), full_page=True)
                        assert shot.stat().st_size > 10_000
                        _keep(shot)
                    context.close()
        finally:
            browser.close()
    report = built_data_dir / "reports" / f"bench_app_browser_{device}.json"
    report.write_text(
        json.dumps(
            {
                "what": "seconds from page.goto (new session) to the page rendered, Debian chromium",
                "viewport": [width, height],
                "load_average": os.getloadavg(),
                "first_round_s": {p: t[0] for p, t in timings.items()},
                "second_round_s": {p: t[1] for p, t in timings.items()},
                "median_second_round_s": statistics.median(t[1] for t in timings.values()),
            },
            indent=2,
        ),
        encoding="utf-8",
    )


def test_language_toggle_is_kept_on_reload(built_data_dir, tmp_path):
    from playwright.sync_api import sync_playwright

    with streamlit_server(built_data_dir, tmp_path / "streamlit.log") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            errors = watch_console(page)
            page.goto(url)  # the root opens the executive view
            wait_for_page(page, "Visão executiva")
            page.get_by_text("English", exact=True).click()
            wait_for_page(page, "Executive view")
            page.reload()
            wait_for_page(page, "Executive view")  # still English after a reload
            assert page_problems(page) == [] and errors == []
        finally:
            browser.close()


def test_report_fits_a_phone(app_data, tmp_path):
    """The executive report at 390 px: no sideways scrolling of the page (wide tables scroll inside)."""
    from playwright.sync_api import sync_playwright

    from app import report

    out = report.write_report(tmp_path / "report.html")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            errors = watch_console(page)
            page.goto(out.as_uri())
            page.wait_for_load_state("load")
            assert horizontal_overflow(page) <= 0
            assert errors == []
        finally:
            browser.close()


@pytest.mark.parametrize(
    ("path", "title"), [("carteira-em-risco", "Carteira em risco"), ("minha-carteira", "Minha carteira")]
)
def test_abrir_opens_customer_360_at_the_first_click(built_data_dir, tmp_path, path, title):
    """One click on a row's "abrir" cell shows that account in Cliente 360, in the same tab.

    At 1440 px the "360" column is the last one on screen (the columns a CSM acts on fit
    without scrolling), so the click goes to the grid's right edge on the second row.
    """
    from playwright.sync_api import sync_playwright

    with streamlit_server(built_data_dir, tmp_path / "streamlit.log") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            errors = watch_console(page)
            page.goto(f"{url}/{path}")
            wait_for_page(page, title)
            grid = page.locator('[data-testid="stDataFrame"]').first
            grid.scroll_into_view_if_needed()
            headers = grid.locator('th[role="columnheader"]').all_inner_texts()
            cells = grid.locator('td[role="gridcell"]').all_inner_texts()
            assert "360" in headers and cells[len(headers) + headers.index("360")] == "abrir ›"
            account = cells[len(headers)]  # the second row's name: not what Cliente 360 shows by default
            box = grid.bounding_box()
            row_height = 35  # header and rows
            x, y = box["x"] + box["width"] - 25, box["y"] + row_height + row_height * 1.5
            page.mouse.move(x, y)
            page.mouse.click(x, y)
            wait_for_page(page, "Cliente 360", timeout_ms=60_000)
            assert account in page.locator('[data-testid="stMain"] h3').first.inner_text()
            assert "cliente=" in page.url and len(context.pages) == 1  # same tab; the URL names the account
            assert page_problems(page) == [] and errors == []
        finally:
            browser.close()
