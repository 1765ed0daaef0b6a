"""Regenerate docs/roadmap.md: from a current portfolio to a three-year plan, worked through.

    .venv/bin/python scripts/make_roadmap_docs.py

Runs the example (``scenarios/roadmap_example.toml`` started from
``scenarios/portfolio_template.csv``) and writes, between the ``<!-- generated:NAME -->``
markers of docs/roadmap.md, the command-line output of each step and the charts in
docs/roadmap/. Nothing in those blocks is typed by hand. Takes about a minute.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

from genaisim import charts
from genaisim.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "roadmap.md"
FIGURES = ROOT / "docs" / "roadmap"
TEMPLATE = "scenarios/portfolio_template.csv"

#: Each generated block: the command whose output it shows.
OWNERS = (
    f"genaisim compare-timing roadmap_example --intervention owners --at 0,6,12,18 "
    f"--portfolio {TEMPLATE} --years 3 -r 40"
)
COMMANDS = {
    "today": f"genaisim run baseline --portfolio {TEMPLATE} --years 3 -r 40",
    "plan": f"genaisim run roadmap_example --portfolio {TEMPLATE} --years 3 -r 40",
    "waiting": f"genaisim compare-timing roadmap_example --intervention 'fix the data' "
    f"--at 0,6,12,18 --portfolio {TEMPLATE} --years 3 -r 40",
    # The same question under both ends of the assumption it rests on.
    "owners_retrofit": OWNERS,
    "owners_new_only": f"{OWNERS} --set ownership.owner_retrofit=0 "
    "--set measurement.kpi_retrofit=0",
}


def run(command: str) -> str:
    """The output of one ``genaisim`` command, run in this process from the project folder."""
    argv = shlex.split(command)[1:]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.chdir(ROOT):
        status = main(argv)
    if status != 0:
        raise SystemExit(f"{command!r} failed with status {status}")
    return out.getvalue().rstrip()


def replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(
        rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", flags=re.S
    )
    if not pattern.search(text):
        raise SystemExit(f"{PAGE}: no generated:{name} block")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def main_script() -> None:
    import genaisim
    from genaisim.charts.timing import cost_of_delay
    from genaisim.roadmap import read_portfolio_csv
    from genaisim.timing import compare_timing

    text = PAGE.read_text(encoding="utf-8")
    for name, command in COMMANDS.items():
        body = f"```\n$ {command}\n{run(command)}\n```"
        text = replace_block(text, name, body)

    FIGURES.mkdir(parents=True, exist_ok=True)
    rows = read_portfolio_csv(ROOT / TEMPLATE)
    with contextlib.chdir(ROOT):
        plan = genaisim.load_scenario("roadmap_example").with_portfolio(rows)
        today = (
            genaisim.load_scenario("baseline")
            .with_changes({"name": "no change"})
            .with_portfolio(rows)
        )
        results = [genaisim.simulate(s, replications=40, years=3) for s in (plan, today)]
        charts.export(charts.value_trajectories(results), FIGURES / "plan_vs_today.svg")
        comparison = compare_timing(plan, "fix the data", [0, 6, 12, 18], replications=40, years=3)
        charts.export(cost_of_delay(comparison), FIGURES / "cost_of_waiting.svg")
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)} and {FIGURES.relative_to(ROOT)}/")


if __name__ == "__main__":
    main_script()
