"""The real app in a real browser: `streamlit run` on a free port, Debian's Chromium via Playwright.

Shared by the browser bench (`python -m app.bench`) and the browser tests (tests/app/):
one way to start the server and one definition of "the page has rendered". Playwright is
a dev dependency and is imported only by the callers; the browser is always Debian's
/usr/bin/chromium (Playwright never downloads one here).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app" / "streamlit_app.py"
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

# The page has rendered when its script run is over (no status widget, no skeleton) and
# its last elements are drawn: every chart shown has its canvas/svg, every table shown its
# grid canvas (those in a closed expander are not drawn until it opens).
RENDERED_JS = """() => {
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    const main = document.querySelector('[data-testid="stMain"]');
    if (!main || !main.querySelector('h1')) return false;
    const shown = (selector) => [...main.querySelectorAll(selector)].filter((el) => el.checkVisibility());
    for (const chart of shown('[data-testid="stVegaLiteChart"]')) {
        const drawn = chart.querySelector('canvas, svg.marks');
        if (!drawn || drawn.getBoundingClientRect().height === 0) return false;
    }
    for (const table of shown('[data-testid="stDataFrame"]')) {
        if (!table.querySelector('canvas')) return false;
    }
    return true;
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CS_OPS_TARGET": "dev",
        "CS_OPS_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO),
    }


@contextlib.contextmanager
def streamlit_server(data_dir: Path, log_path: Path, timeout_s: float = 60, app: Path = APP) -> Iterator[str]:
    """`streamlit run` of the app (or `app`) on a free local port over `data_dir`; yields its URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
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
            command, cwd=REPO, env=server_env(data_dir), stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start; log:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def rendered(page, title: str, timeout_ms: int = 90_000) -> None:
    """Wait until the page shows `title` and its last elements are drawn (RENDERED_JS)."""
    page.get_by_role("heading", name=title).first.wait_for(timeout=timeout_ms)
    page.wait_for_function(RENDERED_JS, timeout=timeout_ms, polling="raf")


# What the page drew: elements of the script run, charts and tables shown (RENDERED_JS's own selectors).
DRAWN_JS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const shown = (selector) => [...main.querySelectorAll(selector)].filter((el) => el.checkVisibility());
    return {
        elements: main.querySelectorAll('[data-testid="stElementContainer"]').length,
        charts: shown('[data-testid="stVegaLiteChart"]').length,
        tables: shown('[data-testid="stDataFrame"]').length,
    };
}"""


def open_timed(browser, url: str, title: str, viewport: tuple[int, int]) -> tuple[float, object]:
    """A new browser context (a new Streamlit session) opens `url`: seconds until rendered, and the page."""
    seconds, page, _ = open_measured(browser, url, title, viewport)
    return seconds, page


def open_measured(browser, url: str, title: str, viewport: tuple[int, int]) -> tuple[float, object, dict]:
    """open_timed, plus where the time went: what the browser received and drew, and when.

    `requests`/`http_bytes`: the HTTP responses (the frontend's JavaScript, CSS and fonts,
    fetched anew by every new context); `ws_bytes`/`ws_last_s`: the Streamlit messages of the
    script run and when the last one arrived; `elements`/`charts`/`tables`: what was drawn.
    """
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    frames: list[tuple[float, int]] = []
    responses: list[object] = []
    started = time.perf_counter()

    def on_frame(payload: str | bytes) -> None:
        frames.append((time.perf_counter() - started, len(payload)))

    def on_websocket(socket) -> None:
        socket.on("framereceived", on_frame)

    page.on("websocket", on_websocket)
    page.on("requestfinished", lambda request: responses.append(request))
    page.goto(url)
    rendered(page, title)
    seconds = time.perf_counter() - started
    stats = {
        "requests": len(responses),
        "http_bytes": sum(_body_size(request) for request in responses),
        "ws_messages": len(frames),
        "ws_bytes": sum(size for _, size in frames),
        "ws_last_s": round(max((at for at, _ in frames), default=0.0), 3),
        **page.evaluate(DRAWN_JS),
    }
    return seconds, page, stats


def _body_size(request) -> int:
    try:
        return int(request.sizes()["responseBodySize"])
    except Exception:  # a request whose response is gone (page closed): its size is unknown
        return 0
