"""How long the scenario explorer makes its user wait, measured in a real browser.

    .venv/bin/python benchmarks/bench_app.py [--repeats 5]

Serves the app with ``streamlit run app.py`` on a free port and drives Debian's chromium
through Playwright (as the browser tests do). Each figure runs from the user's action
until the page is idle again: no script run going and every visible chart drawn.

1. first view, cold: a new server's first page (imports, first simulation);
2. first view, warm: a new browser session on the running server (target < 3 s);
3. one slider change on the default scenario, to a value not simulated yet: the median
   over ``--repeats`` changes (target < 1 s);
4. replications 20 -> 200 on the default scenario (target < 2 s);
5. the Sensitivity tab's tornado, computed with the default scenario's replications
   (target < 2 s).

Run it on an otherwise idle machine: the browser, the server and the simulation share
the cores. Prints each figure with its target and PASS or FAIL.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Locator, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
# The screenshots script serves the app the same way: one way to start it.
from make_screenshots import free_port, serve  # noqa: E402

APP = '[data-testid="stApp"]'
CHARTS = '[data-testid="stVegaLiteChart"]'
TIMEOUT_MS = 120_000


def settled(page: Page, started_within_ms: int = 1500) -> None:
    """Wait for the rerun an action starts (if it starts) to end and its charts to draw.

    ``started_within_ms``: how long to watch for the rerun to start (0: do not watch;
    Playwright reads a timeout of 0 as "wait for ever").
    """
    if started_within_ms > 0:
        try:
            page.wait_for_selector(
                f'{APP}[data-test-script-state="running"]', timeout=started_within_ms
            )
        except Exception:  # the rerun may have ended before it was seen
            pass
    page.wait_for_selector(f'{APP}[data-test-script-state="notRunning"]', timeout=TIMEOUT_MS)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('" + CHARTS + "'))"
        ".filter(c => c.offsetParent !== null)"
        ".every(c => c.querySelector('canvas, svg'))",
        timeout=TIMEOUT_MS,
    )


def first_view(page: Page, url: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(f"{APP} {CHARTS}", timeout=TIMEOUT_MS)
    settled(page, started_within_ms=0)
    return time.perf_counter() - start


def owner_thumb(page: Page):
    sidebar = page.locator('[data-testid="stSidebar"]')
    expander = sidebar.locator('[data-testid="stExpander"]').filter(has_text="Ownership")
    expander.locator("summary").click()
    thumb = expander.locator('[data-testid="stSlider"] input[type="range"]').first
    thumb.wait_for()
    return thumb


def timed(page: Page, action, shown: Locator | None = None) -> float:
    """Seconds from ``action`` until the page is settled (and ``shown`` is visible).

    ``shown`` is what only the action's result shows: the figure then cannot end on an
    earlier rerun, or before the result is drawn.
    """
    start = time.perf_counter()
    action()
    settled(page)
    if shown is not None:
        shown.first.wait_for(state="visible", timeout=TIMEOUT_MS)
        settled(page, started_within_ms=0)
    return time.perf_counter() - start


def verdict(seconds: float, target: float) -> str:
    return f"(target < {target:g} s) {'PASS' if seconds < target else 'FAIL'}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="slider changes timed")
    args = parser.parse_args()
    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("needs Debian's chromium on PATH (apt-get install chromium)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = serve(port)
    ok = True
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            cold = first_view(context.new_page(), url)
            context.close()
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            page = context.new_page()
            warm = first_view(page, url)

            thumb = owner_thumb(page)
            settled(page)
            changes = []
            for _ in range(args.repeats):
                thumb.focus()
                changes.append(timed(page, lambda: thumb.press("ArrowRight")))

            replications = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]')
            replications = replications.filter(has_text="Replications").get_by_role("slider")

            def to_200() -> None:
                replications.focus()
                replications.press("End")

            more = timed(page, to_200, shown=page.get_by_text("— 200 replications"))
            replications.focus()
            replications.press("Home")  # back to 2, then the default 20 for the tornado
            settled(page)
            page.goto(url)
            settled(page, started_within_ms=0)
            page.get_by_role("tab", name="Sensitivity").click()
            settled(page)
            compute = page.get_by_role("button", name="Compute the tornado")
            compute.wait_for(state="visible", timeout=TIMEOUT_MS)  # the tab is open
            settled(page, started_within_ms=0)
            tornado = timed(
                page,
                compute.click,
                # the tornado's table: the tab has none before
                shown=page.locator('[data-testid="stDataFrame"]').filter(visible=True),
            )
            browser.close()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)

    median = statistics.median(changes)
    print(
        f"Explorer, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, load "
        f"{os.getloadavg()[0]:.2f}\n"
    )
    print(f"  first view, cold (new server)          {cold:6.2f} s")
    print(f"  first view, warm (new session)         {warm:6.2f} s {verdict(warm, 3)}")
    print(
        f"  one slider change, median of {len(changes)}         {median:6.2f} s "
        f"{verdict(median, 1)}   ({', '.join(f'{t:.2f}' for t in changes)})"
    )
    print(f"  replications 20 -> 200                 {more:6.2f} s {verdict(more, 2)}")
    print(f"  tornado (20 replications per end)      {tornado:6.2f} s {verdict(tornado, 2)}")
    ok = warm < 3 and median < 1 and more < 2 and tornado < 2
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
