"""End to end: the scenario explorer served by Streamlit, driven in a real browser.

Uses Playwright for Python with Debian's chromium (``.ci/run`` installs it with apt-get);
Playwright's own browser download is not used. Screenshots and the downloaded PNG go to
``test-artifacts/`` at the repository root (gitignored), to be looked at.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from genaisim import load_scenario
from genaisim.calibration.posterior import load_posterior

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
TEMPLATE = ROOT / "scenarios" / "portfolio_template.csv"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_S = 60
RERUN_MS = 60_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# An expectation waits as long as a rerun may take on a loaded machine (two test
# workers and the server share two cores), not Playwright's default of 5 s.
expect.set_options(timeout=RERUN_MS)
#: The server process of each base URL (its CPU time tells whether a run has stopped).
SERVER_PIDS: dict[str, int] = {}

APP = '[data-testid="stApp"]'
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
CHARTS = '[data-testid="stVegaLiteChart"]'


# -- fixtures ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The app served by ``streamlit run app.py`` on a free port; its base URL."""
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    log = (ARTIFACTS / "streamlit-server.log").open("w")
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    command += ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    SERVER_PIDS[url] = process.pid
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with {process.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer {url}/_stcore/health in {STARTUP_S} s")
            time.sleep(0.25)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Debian's chromium is not on PATH: the browser tests drive it through Playwright "
            "(Playwright's own browser download is not used). .ci/run installs it with "
            "'apt-get install -y chromium'; locally, run that as root."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(server: str, browser: Browser) -> Iterator[Page]:
    """A fresh session on the first screen, with its first run finished."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(RERUN_MS)
    page.goto(server)
    wait_until_idle(page)
    yield page
    context.close()


# -- helpers ----------------------------------------------------------------------------
def wait_until_idle(page: Page, timeout_ms: int = RERUN_MS) -> None:
    """Wait until Streamlit has no script run going (``data-test-script-state``)."""
    page.wait_for_selector(f'{APP}[data-test-script-state="notRunning"]', timeout=timeout_ms)
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0, timeout=timeout_ms)


def assert_no_errors(page: Page) -> None:
    """No Python exception and no error box (also a chart the frontend failed to draw)."""
    errors = page.locator(ERRORS)
    texts = errors.all_inner_texts()
    assert not texts, "the app shows errors:\n" + "\n---\n".join(t[:400] for t in texts)


def open_tab(page: Page, name: str) -> None:
    """Open a tab and wait for the rerun it starts (the tab is part of the link)."""
    page.get_by_role("tab", name=name).click()
    expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")
    wait_until_idle(page)


def visible_charts_drawn(page: Page, expected: int) -> int:
    """How many visible Vega-Lite charts have drawn their canvas or svg.

    Waits (up to a rerun's time) for ``expected`` of them: a page that has just loaded
    may still be adding charts when its first one is drawn.
    """
    charts = page.locator(CHARTS).filter(visible=True)
    expect(charts.first.locator("canvas, svg").first).to_be_visible()
    try:
        page.wait_for_function(
            "n => Array.from(document.querySelectorAll('" + CHARTS + "'))"
            ".filter(c => c.offsetParent !== null && c.querySelector('canvas, svg'))"
            ".length >= n",
            arg=expected,
            timeout=RERUN_MS,
        )
    except PlaywrightTimeout:  # fewer than expected: the count below says how many
        pass
    return sum(chart.locator("canvas, svg").count() > 0 for chart in charts.all())


def table_rows(page: Page) -> int:
    """The number of data rows of the first visible dataframe (the outcome table)."""
    grid = page.locator('[data-testid="stDataFrame"]').filter(visible=True).first
    table = grid.locator("[aria-rowcount]").first
    expect(table).to_be_attached()
    return int(table.get_attribute("aria-rowcount")) - 1  # minus the header row


def screenshot(page: Page, name: str) -> None:
    """The whole app: Streamlit scrolls inside its main block, so grow the viewport to it."""
    height = page.evaluate(
        "Math.max(...['stMain', 'stSidebarContent'].map(id =>"
        " document.querySelector(`[data-testid='${id}']`)?.scrollHeight ?? 0))"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(max(height, 600), 8000)})
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    page.set_viewport_size(size)


# -- tests ------------------------------------------------------------------------------
def test_the_first_page_shows_the_baseline_results(page):
    expect(page.locator('[data-testid="stHeading"]').filter(has_text="baseline")).to_be_visible()
    expect(page.get_by_text(re.compile(r"20 replications, 1 organisation"))).to_be_visible()
    # The verdict at the top: value in M, the share paid back, break-even, label shares.
    metrics = page.locator('[data-testid="stMetric"]')
    expect(metrics.filter(has_text="Mean net value after 5 years")).to_contain_text(" M")
    expect(metrics.filter(has_text="Paid back within 5 years")).to_contain_text("%")
    expect(metrics.filter(has_text="Median break-even, months after")).to_be_visible()
    expect(page.get_by_text(re.compile(r"How the runs end: .*\d+%"))).to_be_visible()
    screenshot(page, "01-first-page")
    assert_no_errors(page)
    assert visible_charts_drawn(page, 3) == 3
    # The page is for its users: no Deploy button (.streamlit/config.toml).
    expect(page.get_by_role("button", name="Deploy")).to_have_count(0)


def test_moving_a_slider_reruns_an_edited_scenario_and_puts_it_in_the_url(page):
    assert "?preset=baseline" in page.url and "&" not in page.url
    sidebar = page.locator('[data-testid="stSidebar"]')
    expander = sidebar.locator('[data-testid="stExpander"]').filter(has_text="Ownership")
    expander.locator("summary").click()
    thumb = expander.locator('[data-testid="stSlider"] input[type="range"]').first
    expect(thumb).to_be_visible()
    before = thumb.get_attribute("aria-valuetext") or thumb.input_value()
    thumb.focus()
    for _ in range(5):
        thumb.press("ArrowRight")
    expect(page.locator('[data-testid="stHeading"]').filter(has_text="(edited)")).to_be_visible()
    expect(page).to_have_url(re.compile(r"preset=baseline&\w+\.\w+="))
    wait_until_idle(page)
    assert (thumb.get_attribute("aria-valuetext") or thumb.input_value()) != before
    expander.scroll_into_view_if_needed()
    screenshot(page, "02-slider-moved")
    assert_no_errors(page)


def test_a_comparison_shows_charts_and_outcomes_for_each_scenario(page):
    open_tab(page, "Compare")
    chosen = page.locator('[data-testid="stMultiSelect"]').filter(visible=True)
    expect(chosen).to_contain_text("compounder")
    expect(chosen).to_contain_text("pilot_loop")
    rows_for_three = table_rows(page)
    assert rows_for_three > 0 and rows_for_three % 3 == 0

    chosen.locator("input").click()
    page.get_by_role("option", name="data_first").click()
    page.keyboard.press("Escape")
    expect(chosen).to_contain_text("data_first")
    wait_until_idle(page)
    grid = page.locator('[data-testid="stDataFrame"]').filter(visible=True).first
    rows_for_four = rows_for_three // 3 * 4
    expect(grid.locator("[aria-rowcount]").first).to_have_attribute(
        "aria-rowcount", str(rows_for_four + 1)
    )
    screenshot(page, "03-comparison")
    assert_no_errors(page)
    assert visible_charts_drawn(page, 3) == 3


def test_the_export_tab_downloads_the_chart_as_png(page):
    open_tab(page, "Export")
    button = page.locator('[data-testid="stDownloadButton"]').filter(visible=True)
    png = button.filter(has=page.get_by_role("button", name="PNG", exact=True))
    expect(png).to_have_count(1)
    with page.expect_download(timeout=RERUN_MS) as info:
        png.get_by_role("button").click()
    download = info.value
    path = ARTIFACTS / (download.suggested_filename or "value_trajectories.png")
    download.save_as(path)
    assert path.name.endswith(".png")
    assert path.read_bytes()[:8] == PNG_MAGIC
    wait_until_idle(page)
    screenshot(page, "04-export")
    assert_no_errors(page)


def test_a_calibrated_population_says_what_is_calibrated_and_draws_its_uncertainty(page, server):
    # A link opens the calibrated population, made small so the draws take seconds.
    page.goto(f"{server}/?preset=enterprise_2024&population.organisations=20")
    wait_until_idle(page)
    note = page.locator('[data-testid="stAlertContentInfo"]').filter(
        has_text="calibrated population"
    )
    expect(note).to_be_visible()
    expect(note).to_contain_text("docs/calibration.md")
    calibrated = load_posterior(load_scenario("enterprise_2024").posterior).keys
    # Each sidebar group says how many of its sliders are calibrated, and an open group
    # marks them (a closed group draws no sliders).
    sidebar = page.locator('[data-testid="stSidebar"]')
    groups = sidebar.locator('[data-testid="stExpander"]').filter(has_text="calibrated)")
    counts = [
        int(re.search(r"\((\d+) calibrated\)", text).group(1))
        for text in groups.locator("summary").all_inner_texts()
    ]
    assert sum(counts) == len(calibrated)
    groups.first.locator("summary").click()
    marked = sidebar.locator('[data-testid="stWidgetLabel"]').filter(has_text="(calibrated)")
    expect(marked).to_have_count(counts[0])
    wait_until_idle(page)

    draws = page.locator('[data-testid="stMain"] [data-testid="stSlider"]').filter(
        has_text="N (parameter sets)"
    )
    thumb = draws.get_by_role("slider")
    thumb.focus()
    thumb.press("Home")  # the fewest draws: 5
    expect(thumb).to_have_attribute("aria-valuetext", "5")
    wait_until_idle(page)
    page.get_by_text("Parameter uncertainty: draw N parameter sets").click()
    table = page.locator('[data-testid="stTable"]').filter(has_text="cumulative net value (M)")
    expect(table).to_be_visible(timeout=RERUN_MS)
    expect(page.get_by_text("5 parameter sets drawn from the posterior")).to_be_visible()
    wait_until_idle(page)
    table.scroll_into_view_if_needed()
    screenshot(page, "05-parameter-uncertainty")
    assert_no_errors(page)


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a visible selectbox by typing part of it and clicking it."""
    box = page.locator('[data-testid="stSelectbox"]').filter(visible=True).filter(has_text=label)
    combo = box.get_by_role("combobox")
    combo.click()
    combo.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    expect(combo).to_have_value(option)
    wait_until_idle(page)


def enter(page: Page, label: str, value: str) -> None:
    """Type into a visible input by its label and commit it (Enter reruns the app)."""
    box = page.get_by_label(label, exact=True).filter(visible=True)
    box.fill(value)
    box.press("Enter")
    wait_until_idle(page)


def test_a_roadmap_starts_from_the_uploaded_portfolio_and_marks_its_lever_change(page):
    open_tab(page, "Roadmap")
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="current portfolio")
    uploader.locator('input[type="file"]').set_input_files(TEMPLATE)
    expect(page.get_by_text("6 pilots and 2 live systems").first).to_be_visible()
    wait_until_idle(page)
    expect(page).to_have_url(re.compile(r"current_portfolio=use_case"))

    choose(page, "Lever", "Ownership: owner probability")
    enter(page, "Month", "6")
    enter(page, "New value", "0.9")
    enter(page, "Label (optional)", "Name owners")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(
        page.get_by_text("Month 6: Name owners (Ownership: owner probability to 0.9)")
    ).to_be_visible()
    expect(
        page.get_by_text(
            re.compile(r"starts from 6 pilots and 2 live systems and has 1 lever change")
        )
    ).to_be_visible()
    expect(page).to_have_url(re.compile(r"interventions=.*Name"))
    wait_until_idle(page)
    # The value chart against the no-change path, and the portfolio's stages.
    charts = page.locator(CHARTS).filter(visible=True)
    expect(charts).to_have_count(2)
    assert visible_charts_drawn(page, 2) == 2
    grid = page.locator('[data-testid="stDataFrame"]').filter(visible=True).filter(has_text="Month")
    expect(grid.first).to_contain_text("Name owners")
    wait_until_idle(page)
    screenshot(page, "06-roadmap")
    assert_no_errors(page)


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) the process and its children (the server's worker
    processes) have used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = {
        int(child)
        for thread in Path(f"/proc/{pid}/task").iterdir()  # started by any of its threads
        for child in (thread / "children").read_text().split()
    }
    return own + sum(cpu_seconds(child) for child in children)


def test_a_large_run_waits_for_run_anyway_and_cancel_stops_the_server(page, server):
    # 2,000 organisations x 20 replications: minutes of work, so the page asks first.
    page.goto(f"{server}/?preset=baseline&population.organisations=2000")
    prompt = page.get_by_text("is a large run")
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text("2,000 organisations × 20 replications × 60 months")
    expect(prompt).to_contain_text(re.compile(r"about \d+ (s|min) on this server"))
    wait_until_idle(page)
    expect(page.locator(CHARTS)).to_have_count(0)
    screenshot(page, "07-large-run-asks")

    page.get_by_role("button", name="Run anyway").click()
    cancel_and_assert_idle(page, server)
    expect(page.get_by_role("button", name="Run anyway")).to_be_visible()
    assert_no_errors(page)


def cancel_and_assert_idle(page: Page, server: str) -> None:
    """Cancel the baseline run in progress; the page says so and the server goes idle."""
    progress = page.get_by_text(re.compile(r"Simulating baseline \(edited\): \d+%, about"))
    expect(progress).to_be_visible()
    page.get_by_role("button", name="Cancel this run").click()
    clicked = time.monotonic()
    expect(page.get_by_text("was cancelled")).to_be_visible(timeout=10_000)
    wait_until_idle(page)
    # Idle within 2 s of the click: from then on the server and its worker processes use
    # (almost) no CPU. A simulation still running would use a whole core, 1 s per second;
    # 0.2 s over 2 s leaves room for Streamlit's own housekeeping and the browser's messages.
    time.sleep(max(0.0, 2.0 - (time.monotonic() - clicked)))
    pid = SERVER_PIDS[server]
    before = cpu_seconds(pid)
    time.sleep(2.0)
    assert cpu_seconds(pid) - before < 0.2


def metric_values(page: Page) -> list[str]:
    """The verdict at the top: each metric's value as shown."""
    values = page.locator('[data-testid="stMetricValue"]')
    expect(values.first).to_be_visible()
    return values.all_inner_texts()


def test_an_uploaded_scenarios_link_reopens_it_with_the_same_numbers(page, server, tmp_path):
    upload = tmp_path / "acme.toml"
    upload.write_text(
        'base = "population_2024"\nname = "Acme"\ndescription = "Our organisation"\n'
        "[population]\norganisations = 12\n[population.log_spread]\n"
        '"organisation.size" = 0.5\n[ownership]\nowner_probability = 0.7\n'
    )
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(upload)
    expect(page.locator('[data-testid="stHeading"]').filter(has_text="Acme")).to_be_visible()
    wait_until_idle(page)
    open_tab(page, "Sensitivity")
    wait_until_idle(page)
    expect(page).to_have_url(re.compile(r"tab=Sensitivity"))
    numbers = metric_values(page)
    link = page.url
    assert "Acme" in link and "log_spread" in link

    again = page.context.new_page()
    again.goto(link)
    wait_until_idle(again)
    expect(again.locator('[data-testid="stHeading"]').filter(has_text="Acme")).to_be_visible()
    expect(again.get_by_role("tab", name="Sensitivity")).to_have_attribute("aria-selected", "true")
    assert metric_values(again) == numbers
    expect(again.get_by_text("Our organisation").first).to_be_visible()
    assert_no_errors(again)


def test_a_binary_upload_is_refused_in_one_line_and_changes_nothing(page, tmp_path):
    before = metric_values(page)
    binary = tmp_path / "x.toml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(binary)
    error = page.locator('[data-testid="stAlertContentError"]')
    expect(error).to_contain_text("x.toml")
    expect(error).to_contain_text("is a binary file")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    wait_until_idle(page)
    expect(page.locator('[data-testid="stHeading"]').filter(has_text="baseline")).to_be_visible()
    assert metric_values(page) == before


def test_a_saved_scenario_is_compared_with_a_preset(page):
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Save this scenario").click()
    name = page.get_by_label("Name", exact=True)
    name.fill("Mine")
    name.press("Enter")  # submits the form: the name and Save together
    expect(page.get_by_text("Saved as Mine (saved).")).to_be_visible()
    page.keyboard.press("Escape")
    wait_until_idle(page)
    open_tab(page, "Compare")
    chosen = page.locator('[data-testid="stMultiSelect"]').filter(visible=True)
    # The list shows its first options only: typing narrows it to the saved scenario.
    chosen.locator("input").click()
    chosen.locator("input").fill("Mine")
    page.get_by_role("option", name="Mine (saved)").click()
    page.keyboard.press("Escape")
    expect(chosen).to_contain_text("Mine (saved)")
    wait_until_idle(page)
    expect(page.get_by_text("What differs")).to_be_visible()
    verdicts = page.locator('[data-testid="stDataFrame"]').filter(visible=True).first
    expect(verdicts.locator("[aria-rowcount]").first).to_have_attribute("aria-rowcount", "5")
    screenshot(page, "08-saved-compared")
    assert_no_errors(page)


def test_on_a_phone_no_chart_is_wider_than_the_screen(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 900})
    phone = context.new_page()
    phone.set_default_timeout(RERUN_MS)
    phone.goto(server)
    wait_until_idle(phone)
    assert visible_charts_drawn(phone, 3) == 3
    rights = phone.evaluate(
        "Array.from(document.querySelectorAll("
        "'[data-testid=stVegaLiteChart] svg, [data-testid=stVegaLiteChart] canvas'))"
        ".map(e => e.getBoundingClientRect()).filter(r => r.width > 0).map(r => r.right)"
    )
    width = phone.evaluate("document.documentElement.clientWidth")
    assert len(rights) >= 3 and max(rights) <= width
    # The timeline keeps its own width and is scaled down with the rest: bars and all.
    open_tab(phone, "Inside an organisation")
    timeline = phone.locator(CHARTS).filter(visible=True).first
    expect(timeline.locator("canvas, svg").first).to_be_visible()
    box = timeline.locator("canvas, svg").first.bounding_box()
    assert box is not None and 200 < box["width"] <= width
    context.close()


def test_the_levers_are_ranked_with_intervals(page):
    page.get_by_role("button", name="Rank the 5 levers").click()
    wait_until_idle(page)
    ranked = page.locator('[data-testid="stMarkdownContainer"] ol li')
    expect(ranked).to_have_count(5)
    for text in ranked.all_inner_texts():
        assert re.search(r"95% interval [+\u2212]?\d+\.\d M to [+\u2212]?\d+\.\d M", text), text
    assert_no_errors(page)
