"""The real app for the browser and rebuild tests: the server and page checks (app/browser.py starts it)."""

from __future__ import annotations

from app.browser import CHROMIUM, CHROMIUM_ARGS, PAGE_URLS, rendered, streamlit_server  # noqa: F401

# Streamlit's frontend first probes <page path>/_stcore/health and /host-config and falls back
# to the root: those two 404s are Streamlit's own, not the app's.
STREAMLIT_PROBES = ("/_stcore/health", "/_stcore/host-config")


def wait_for_page(page, title: str, timeout_ms: int = 90_000) -> None:
    """Wait until the page's title is shown and the script run has finished (no "Stop" status widget)."""
    page.get_by_role("heading", name=title).first.wait_for(timeout=timeout_ms)
    idle = """() => !document.querySelector('[data-testid="stStatusWidget"]')"""
    for _ in range(2):  # idle twice, 700 ms apart: a rerun may start right after the first one
        page.wait_for_function(idle, timeout=timeout_ms)
        page.wait_for_timeout(700)
    page.wait_for_function(idle, timeout=timeout_ms)


def watch_console(page) -> list[str]:
    """Console errors and uncaught page errors, collected while the page is used."""
    errors: list[str] = []

    def on_console(message) -> None:
        where = (message.location or {}).get("url", "")
        if message.type == "error" and not where.endswith(STREAMLIT_PROBES):
            errors.append(f"console: {message.text[:200]} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"pageerror: {str(error)[:200]}"))
    return errors


def horizontal_overflow(page) -> int:
    """Pixels the document is wider than the window (0 = no horizontal scrolling)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def page_problems(page) -> list[str]:
    found = []
    for selector in ('[data-testid="stException"]', '[data-testid="stAlertContentError"]'):
        for element in page.locator(selector).all():
            found.append(f"{selector}: {element.inner_text()[:300]}")
    body = page.locator("body").inner_text()
    if "Traceback" in body:
        found.append("Traceback text on the page")
    return found
