"""A real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) on the running app."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from app_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGE_URLS,
    page_problems,
    streamlit_server,
    wait_for_page,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]


def test_every_page_in_a_real_browser(built_data_dir, tmp_path):
    """Every page without an error element, in pt-BR and after the English toggle.

    Screenshots go to <data dir>/reports/screenshots/; with CS_OPS_APP_SCREENSHOTS_DIR=app/screenshots
    they also replace the ones the README shows.
    """
    from playwright.sync_api import sync_playwright

    shots = built_data_dir / "reports" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with streamlit_server(built_data_dir, tmp_path / "streamlit.log") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            for path, title in PAGE_URLS:
                page.goto(f"{url}/{path}")
                wait_for_page(page, title)
                assert page_problems(page) == [], path
                sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
                assert "dev (DuckDB" in sidebar and "UTC" in sidebar
                name = path or "visao-executiva"
                page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
                assert (shots / f"{name}.png").stat().st_size > 10_000
                if os.environ.get("CS_OPS_APP_SCREENSHOTS_DIR"):  # refresh the README's screenshots
                    target = Path(os.environ["CS_OPS_APP_SCREENSHOTS_DIR"])
                    target.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(shots / f"{name}.png", target / f"{name}.png")
            # the language toggle re-renders the page in English
            page.goto(url)
            wait_for_page(page, "Visão executiva")
            page.get_by_text("English", exact=True).click()
            wait_for_page(page, "Executive view")
            assert page_problems(page) == []
        finally:
            browser.close()
