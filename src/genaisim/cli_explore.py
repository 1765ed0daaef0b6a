"""The exploratory subcommands of ``genaisim``: ``discover`` and ``export``.

They register themselves with :func:`genaisim.cli.register` when :mod:`genaisim.cli`
imports this module, and are thin shells over :mod:`genaisim.explore`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from genaisim.cli import CHART_FORMATS, Command, load_sweep, register
from genaisim.errors import GenaisimError


def _share(text: str) -> float:
    """A share above 0 and at most 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{value:g}: give a share above 0 and at most 1")
    return value


# -- discover ----------------------------------------------------------------------------
def _add_discover_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "results", metavar="RESULTS", type=Path, help="a results folder written by `sweep`"
    )
    parser.add_argument(
        "--where",
        required=True,
        metavar="CONDITION",
        help=(
            "which cases (organisation-runs) to explain: a label (compounding, 'pilot loop', "
            "stalled, flat) or an expression over the outcome columns, e.g. "
            "'label == \"compounding\"' or 'cumulative_net_value > 0' (see "
            "`genaisim export --wide` for the columns)"
        ),
    )
    parser.add_argument(
        "--parameters",
        nargs="+",
        metavar="NAME",
        help="search only these parameters, by plain name (default: every one the design varies)",
    )
    parser.add_argument(
        "--min-density",
        type=_share,
        default=0.8,
        metavar="D",
        help=(
            "the chosen PRIM box is the one with the most coverage among those where at least "
            "this share of cases meet the condition (default 0.8)"
        ),
    )
    parser.add_argument(
        "--mass-min",
        type=_share,
        default=0.05,
        metavar="M",
        help="the smallest box PRIM and CART consider, as a share of all cases (default 0.05)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=(
            "also write the tables (CSV), the charts (peeling trajectory, box limits) and "
            "finding.txt in DIR"
        ),
    )
    parser.add_argument(
        "--format",
        choices=CHART_FORMATS,
        default="png",
        help="file format of the charts written with --out (default: png)",
    )


def _discover(args: argparse.Namespace) -> int:
    from genaisim import explore, report_explore

    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise GenaisimError(f"--out {args.out}: exists and is not a folder")
    results = load_sweep(args.results)
    found = explore.discover(
        results,
        args.where,
        parameters=args.parameters,
        min_density=args.min_density,
        mass_min=args.mass_min,
    )
    print(report_explore.format_discovery(found))
    if args.out is not None:
        written = write_discovery(found, args.out, args.format)
        print(f"\nWrote {', '.join(p.name for p in written)} in {args.out}")
    return 0


def write_discovery(found, folder: Path, fmt: str = "png") -> list[Path]:
    """Write a discovery's tables, charts and sentence into ``folder``; returns the files."""
    from genaisim import charts
    from genaisim.charts import explore as explore_charts

    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, table in (
            ("peeling_trajectory", found.trajectory),
            ("box_limits", found.limits),
            ("cart_rules", found.rules),
        ):
            path = folder / f"{name}.csv"
            table.to_csv(path, index=False)
            written.append(path)
        path = folder / "finding.txt"
        path.write_text(found.sentence() + "\n", encoding="utf-8")
        written.append(path)
        for name, build in (
            ("peeling_trajectory", explore_charts.peeling_trajectory),
            ("box_limits", explore_charts.box_limits),
        ):
            written.append(charts.export(build(found), folder / f"{name}.{fmt}", format=fmt))
    except OSError as exc:
        raise GenaisimError(f"--out {folder}: cannot write ({exc})") from None
    return written


register(
    Command(
        name="discover",
        summary="find the parameter region where a condition holds (PRIM and CART)",
        description=(
            "Scenario discovery on a sweep's cases (each organisation of each run counts as\n"
            "a separate case): which ranges of the parameters the design varies hold the\n"
            "cases that meet --where? PRIM (EMA Workbench) peels a box around them and\n"
            "prints its trajectory of coverage (share of the cases of interest inside the box)\n"
            "against density (share of the box that are cases of interest), the chosen box's\n"
            "limits with quasi-p-values, CART's rules, and the finding in one sentence. Works\n"
            'on any sweep; Latin hypercube sweeps (kind = "lhs") suit it best.'
        ),
        examples=(
            "  genaisim discover results/discover_compounding --where compounding\n"
            "  genaisim discover results/discover_compounding --where 'cumulative_net_value > 0'\n"
            "  genaisim discover results/discover_compounding \\\n"
            "      --where 'label == \"pilot loop\"' --min-density 0.7 --out loop --format svg"
        ),
        add_arguments=_add_discover_arguments,
        run=_discover,
    )
)


# -- export ------------------------------------------------------------------------------
def _add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "results", metavar="RESULTS", type=Path, help="a results folder written by `sweep`"
    )
    parser.add_argument(
        "--wide",
        required=True,
        type=Path,
        metavar="FILE",
        help=(
            "write one row per case (an organisation in a run): point, replication, "
            "organisation, seed, the varied "
            "parameters under plain names, label, final outcomes (.parquet, or .csv)"
        ),
    )


def _export(args: argparse.Namespace) -> int:
    from genaisim import explore

    if args.wide.suffix.lower() not in (".parquet", ".csv"):
        raise GenaisimError(f"--wide {args.wide}: end the name with .parquet or .csv")
    results = load_sweep(args.results)
    try:
        path = explore.export_wide(results, args.wide)
    except OSError as exc:
        raise GenaisimError(f"--wide {args.wide}: cannot write ({exc})") from None
    table = explore.wide_table(results)
    names = ", ".join(f"{plain} = {key}" for plain, key in table.attrs["parameters"].items())
    print(f"Wrote {len(table):,} cases x {len(table.columns)} columns to {path}")
    print("A case is one organisation in one run: the organisations of a run are separate rows.")
    print(f"Parameters: {names}")
    return 0


register(
    Command(
        name="export",
        summary="write a sweep as one tidy table: parameters beside outcomes, a row per case",
        description=(
            "Join a sweep's design points, runs and results into one table with a row per\n"
            "case (an organisation in a run: replication x organisation): the parameters\n"
            "the design varies under plain column names (owner_probability, not\n"
            "ownership.owner_probability), the seed, the trajectory label and every final\n"
            "outcome. Read it with pandas, or with\n"
            "DuckDB: SELECT label, avg(owner_probability) FROM read_parquet('runs.parquet')\n"
            "GROUP BY label."
        ),
        examples=(
            "  genaisim export results/discover_compounding --wide runs.parquet\n"
            "  genaisim export results/foundations --wide foundations.csv"
        ),
        add_arguments=_add_export_arguments,
        run=_export,
    )
)
