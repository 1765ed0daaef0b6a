"""The ``genaisim compare-timing`` subcommand: what waiting to act costs.

It registers itself with :func:`genaisim.cli.register` when :mod:`genaisim.cli` imports
this module, and is a thin shell over :mod:`genaisim.timing`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from genaisim.budget import check_run
from genaisim.cli import (
    Command,
    add_change_at_option,
    add_force_option,
    add_portfolio_option,
    add_scenario_argument,
    add_set_option,
    register,
    scenario_from,
)
from genaisim.errors import GenaisimError

DEFAULT_MONTHS = "0,3,6,12"


def months_from(text: str) -> list[int]:
    """``--at``: start months as whole numbers separated by commas."""
    try:
        months = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise GenaisimError(
            f"--at {text!r}: give start months as whole numbers separated by commas, e.g. 0,6,12"
        ) from None
    if not months:
        raise GenaisimError(f"--at {text!r}: give at least one start month, e.g. 0,6,12")
    return months


def _writable(option: str, path: Path | None) -> None:
    """Refuse, before any run, an output path that cannot be written."""
    if path is None:
        return
    if path.is_dir():
        raise GenaisimError(f"{option} {path}: is a folder; give a file name")
    folder = path.parent
    if not folder.is_dir():
        raise GenaisimError(f"{option} {path}: no such folder {folder}")
    if not os.access(folder, os.W_OK):
        raise GenaisimError(f"{option} {path}: cannot write in {folder}")


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    add_scenario_argument(parser)
    parser.add_argument(
        "--intervention",
        required=True,
        metavar="NAME",
        help="the intervention to move: its label, part of it, or its number (from 1)",
    )
    parser.add_argument(
        "--at",
        default=DEFAULT_MONTHS,
        metavar="MONTHS",
        help=f"start months to compare, e.g. 0,6,12,24 (default: {DEFAULT_MONTHS})",
    )
    parser.add_argument(
        "-r", "--replications", type=int, metavar="N", help="replications per start month"
    )
    parser.add_argument(
        "--seed", type=int, metavar="S", help="master seed (default: simulation.seed)"
    )
    parser.add_argument("--years", type=int, metavar="Y", help="simulated horizon in years")
    add_set_option(parser)
    add_change_at_option(parser)
    add_portfolio_option(parser)
    parser.add_argument(
        "--csv", type=Path, metavar="FILE", help="also write the table to FILE (CSV)"
    )
    parser.add_argument(
        "--chart",
        type=Path,
        metavar="FILE",
        help="also draw the chart to FILE (.png, .svg or .pdf)",
    )
    add_force_option(parser)


def _compare_timing(args: argparse.Namespace) -> int:
    from genaisim.charts.export import FORMATS
    from genaisim.timing import compare_timing, find_intervention

    scenario = scenario_from(args)
    for option, key, value in (
        ("-r/--replications", "simulation.replications", args.replications),
        ("--seed", "simulation.seed", args.seed),
        ("--years", "simulation.years", args.years),
    ):
        if value is not None:
            scenario = scenario.with_changes({key: value}, source=option)
    find_intervention(scenario, args.intervention)  # a wrong name fails before any run
    months = months_from(args.at)
    horizon = scenario.simulation.years * 12
    outside = [m for m in months if not 0 <= m < horizon]
    if outside:
        raise GenaisimError(
            f"--at {args.at}: month {outside[0]} is outside the run (months 0 to {horizon - 1})"
        )
    if args.chart is not None and args.chart.suffix.lstrip(".").lower() not in FORMATS:
        raise GenaisimError(f"--chart {args.chart}: give a .png, .svg or .pdf file")
    _writable("--csv", args.csv)
    _writable("--chart", args.chart)
    sim = scenario.simulation
    starts = len(set(months)) + 1
    check_run(
        scenario.population.organisations, sim.years * 12, sim.replications * starts, args.force
    )

    from tqdm.auto import tqdm

    def progress(steps):
        return tqdm(steps, desc="start months", unit="set", leave=False, disable=None)

    comparison = compare_timing(scenario, args.intervention, months, progress=progress)
    print(format_timing(comparison))
    try:
        if args.csv is not None:
            comparison.save(args.csv)
            print(f"\nSaved the table in {args.csv}")
        if args.chart is not None:
            from genaisim.charts.export import export
            from genaisim.charts.timing import cost_of_delay

            export(cost_of_delay(comparison), args.chart)
            print(f"Saved the chart in {args.chart}")
    except OSError as exc:
        raise GenaisimError(f"cannot write the output ({exc.strerror}: {exc.filename})") from None
    return 0


def format_timing(comparison) -> str:
    """The comparison as plain text: one line per start month, then the finding."""
    scenario = comparison.scenario
    sim = scenario.simulation
    iv = comparison.intervention
    orgs = scenario.population.organisations
    lines = [
        f"Scenario  {scenario.name}",
        f"Moving    {iv.title()!r} (month {iv.month} in the scenario) to months "
        + ", ".join(map(str, comparison.months)),
        f"Runs      {comparison.replications} replications x {orgs} organisation"
        f"{'s' if orgs != 1 else ''}, {sim.years} years, seed {sim.seed}; the same random "
        "numbers for every start month",
        "",
        f"{'starts':<10} {f'{sim.years}-year value (M)':>24} {'break-even month':>22} "
        f"{'lost vs earliest (M)':>24}",
    ]
    for row in comparison.table().itertuples():
        value = (
            f"{row.value / 1000:,.1f} ({row.value_low / 1000:,.1f} to {row.value_high / 1000:,.1f})"
        )
        if row.break_even == row.break_even:
            break_even = f"{row.break_even:.0f} ({row.broke_even:.0%} of runs)"
        else:
            break_even = f"after the run ({row.broke_even:.0%} before)"
        lost = (
            "-"
            if row.Index == 0
            else f"{row.delay_cost / 1000:,.1f} ({row.delay_cost_low / 1000:,.1f} to "
            f"{row.delay_cost_high / 1000:,.1f})"
        )
        lines.append(f"{row.start:<10} {value:>24} {break_even:>22} {lost:>24}")
    lines += [
        "",
        comparison.sentence() + ".",
        "Intervals: 95% over replications, paired (every start month shares the runs' luck).",
        "Value after the horizon is not counted: a late start can look like never.",
    ]
    return "\n".join(lines)


register(
    Command(
        name="compare-timing",
        summary="what waiting costs: one intervention started at different months",
        description=(
            "Run one of a scenario's interventions at each start month given with --at, and\n"
            "without it, on the same random numbers, and report the value at the horizon,\n"
            "the break-even month and the value lost against the earliest start, with 95%\n"
            "intervals over replications. The scenario's other interventions stay as they are."
        ),
        examples=(
            "  genaisim compare-timing roadmap_example --intervention owners --at 0,6,12,24\n"
            "  genaisim compare-timing my_org.toml --intervention 2 -r 100 --chart delay.png\n"
            "  genaisim compare-timing roadmap_example --intervention 'fix the data' "
            "--portfolio scenarios/portfolio_template.csv"
        ),
        add_arguments=_add_arguments,
        run=_compare_timing,
    )
)
