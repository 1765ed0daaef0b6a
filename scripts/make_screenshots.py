"""Screenshots of the explorer: every tab, at a desktop and a phone width, for README.

    .venv/bin/python scripts/make_screenshots.py            # writes docs/screenshots/*.png

Serves the app with Streamlit on a free port, opens it in Debian's chromium through
Playwright (as the browser tests do), and for each width opens each tab, waits until
the page is idle and saves a full-page screenshot as ``docs/screenshots/<tab>-<width>.png``.
The baseline preset at its defaults is shown, so the pictures change only when the app
or the model does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from genaisim import app_support as support

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
WIDTHS = {"desktop": 1440, "phone": 390}
TABS = support.TABS
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
APP = '[data-testid="stApp"]'
HEIGHT_JS = """() => Math.max(...[...document.querySelectorAll(
    '[data-testid="stMain"]'
)].map(e => e.scrollHeight), document.body.scrollHeight)"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    command += ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.25)
    os.killpg(process.pid, signal.SIGTERM)
    sys.exit("make_screenshots: streamlit did not start within 60 s")


def idle(page) -> None:
    page.wait_for_selector(f'{APP}[data-test-script-state="notRunning"]', timeout=120_000)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=120_000)
    page.wait_for_timeout(1500)  # charts finish drawing after the script run


def shrink(path: Path) -> None:
    """256 colours: a page of text and flat charts looks the same at a third of the size."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def slug(text: str) -> str:
    return text.lower().replace(" ", "-")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder (default docs/screenshots)")
    args = parser.parse_args()
    executable = shutil.which("chromium")
    if executable is None:
        sys.exit("make_screenshots: Debian's chromium is not on PATH (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = serve(port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            for device, width in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": 900})
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{port}")
                idle(page)
                for tab in TABS:
                    page.get_by_role("tab", name=tab).click()
                    idle(page)
                    # Streamlit scrolls inside its main section, not the document: make
                    # the window as tall as that section's content, then take it whole.
                    height = page.evaluate(HEIGHT_JS)
                    page.set_viewport_size({"width": width, "height": max(900, height)})
                    idle(page)
                    path = args.out / f"{slug(tab)}-{device}.png"
                    page.screenshot(path=path)
                    shrink(path)
                    page.set_viewport_size({"width": width, "height": 900})
                    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
                context.close()
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
