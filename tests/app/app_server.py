"""Start the real app with `streamlit run` on a free local port (for the browser and rebuild tests)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from app_helpers import APP, REPO, pipeline_env

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# url path, title in pt-BR (the default language); every page has its own address
PAGE_URLS = [
    ("visao-executiva", "Visão executiva"),
    ("minha-carteira", "Minha carteira"),
    ("alertas", "Alertas"),
    ("carteira-em-risco", "Carteira em risco"),
    ("cliente-360", "Cliente 360"),
    ("simulador", "Simulador"),
    ("modelo", "Modelo de churn"),
    ("qualidade-de-dados", "Qualidade de dados"),
]
# Streamlit's frontend first probes <page path>/_stcore/health and /host-config and falls back
# to the root: those two 404s are Streamlit's own, not the app's.
STREAMLIT_PROBES = ("/_stcore/health", "/_stcore/host-config")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(data_dir: Path, log_path: Path) -> Iterator[str]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=REPO, env=pipeline_env(data_dir), stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start; log:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_page(page, title: str, timeout_ms: int = 90_000) -> None:
    """Wait until the page's title is shown and the script run has finished (no "Stop" status widget)."""
    page.get_by_role("heading", name=title).first.wait_for(timeout=timeout_ms)
    idle = """() => !document.querySelector('[data-testid="stStatusWidget"]')"""
    for _ in range(2):  # idle twice, 700 ms apart: a rerun may start right after the first one
        page.wait_for_function(idle, timeout=timeout_ms)
        page.wait_for_timeout(700)
    page.wait_for_function(idle, timeout=timeout_ms)


def rendered(page, title: str, timeout_ms: int = 90_000) -> None:
    """The page's title is shown and its script run has finished (status widget gone, no skeleton)."""
    page.get_by_role("heading", name=title).first.wait_for(timeout=timeout_ms)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
            && !document.querySelector('[data-testid="stSkeleton"]')""",
        timeout=timeout_ms,
    )


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
