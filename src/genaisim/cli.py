"""The ``genaisim`` command line: a thin shell over :mod:`genaisim.report` and the library.

Each subcommand is a :class:`Command` in :data:`COMMANDS`. To add one, write a function
that adds its arguments to a parser and a function that runs it, and pass both to
:func:`register`; ``main`` builds the parser from the registry each time it runs.

    $ genaisim run pilot_loop -r 50 --set feedback.culture=0.8
    $ genaisim describe baseline
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genaisim import __version__
from genaisim.errors import GenaisimError
from genaisim.report import format_parameters, format_scenarios, format_summary
from genaisim.results import TABLES, simulate
from genaisim.scenario import Scenario, load_scenario, parse_assignment

PROG = "genaisim"
USAGE_ERROR = 2  # what argparse returns for a usage error; user errors share it
INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped with Ctrl-C
BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a writer whose reader went away


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of descriptions and examples; wraps option help as usual."""


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, help texts, arguments and what it does.

    Attributes:
        name: the word typed after ``genaisim``.
        summary: one line shown in ``genaisim --help``.
        description: what the command does, shown in its own ``--help``.
        examples: example invocations, shown at the end of its ``--help``.
        add_arguments: adds the command's arguments to its parser.
        run: does the work and returns the exit status.

    """

    name: str
    summary: str
    description: str
    examples: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


#: The subcommands, in the order ``genaisim --help`` lists them.
COMMANDS: dict[str, Command] = {}


def register(command: Command) -> Command:
    """Add a subcommand to the command line (a later one with the same name replaces it)."""
    COMMANDS[command.name] = command
    return command


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``genaisim`` command with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Agent-based simulation of why some organisations' GenAI deployments compound\n"
            "in value while others stay stuck in pilot loops."
        ),
        epilog=(
            "examples:\n"
            "  genaisim scenarios\n"
            "  genaisim run baseline -r 50\n"
            "  genaisim run --help    (the options of one command)"
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help="show the version"
    )
    subparsers = parser.add_subparsers(
        title="commands", dest="command", metavar="COMMAND", required=True
    )
    for command in COMMANDS.values():
        sub = subparsers.add_parser(
            command.name,
            help=command.summary,
            description=command.description,
            epilog=f"examples:\n{command.examples}" if command.examples else None,
            formatter_class=HelpFormatter,
        )
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); returns the exit status.

    A :class:`GenaisimError` is the user's to fix: its message goes to stderr as
    ``genaisim: error: <message>`` with status 2, without a traceback.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        # argparse exits for --help, --version and usage errors; scripts calling main()
        # get the status back like any other outcome.
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        return 1
    try:
        status = args.run(args)
        # Flushed here so that a closed pipe is reported below, not by Python at exit.
        sys.stdout.flush()
        return status
    except GenaisimError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader (e.g. `| head`) left; point stdout at nothing so that Python's
        # own flush at exit does not fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE


# -- shared arguments ----------------------------------------------------------
def add_scenario_argument(parser: argparse.ArgumentParser) -> None:
    """The positional SCENARIO: a scenario name or the path of a .toml file."""
    parser.add_argument(
        "scenario",
        metavar="SCENARIO",
        help="a named scenario (see `genaisim scenarios`) or the path of a .toml file",
    )


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """The repeatable ``--set KEY=VALUE`` option that changes one parameter."""
    parser.add_argument(
        "--set",
        dest="changes",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help=(
            "change one parameter, by its dotted key (see `genaisim describe SCENARIO`); "
            "repeat for several, e.g. --set feedback.culture=0.8 --set feedback.tooling=0.9"
        ),
    )


def changes_from(assignments: Sequence[str]) -> dict[str, Any]:
    """The ``--set`` assignments as a dict of dotted key to value (a later one wins)."""
    return dict(parse_assignment(text) for text in assignments)


def scenario_from(args: argparse.Namespace) -> Scenario:
    """The scenario named on the command line, with its ``--set`` changes applied."""
    scenario = load_scenario(args.scenario)
    changes = changes_from(args.changes)
    return scenario.with_changes(changes, source="--set") if changes else scenario


# -- run -----------------------------------------------------------------------
def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    add_scenario_argument(parser)
    parser.add_argument(
        "-r",
        "--replications",
        type=int,
        metavar="N",
        help="independent replications to run (default: the scenario's simulation.replications)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="master seed; the same seed gives identical results (default: simulation.seed)",
    )
    parser.add_argument(
        "--years",
        type=int,
        metavar="Y",
        help="simulated horizon in years (default: the scenario's simulation.years)",
    )
    add_set_option(parser)
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=f"also save the tables ({', '.join(TABLES)}) and manifest.json in DIR",
    )
    parser.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default="parquet",
        help="file format of the saved tables (default: parquet)",
    )


def _run(args: argparse.Namespace) -> int:
    scenario = scenario_from(args)
    # Each option is applied on its own so that an error names the option that caused it.
    for option, key, value in (
        ("-r/--replications", "simulation.replications", args.replications),
        ("--seed", "simulation.seed", args.seed),
        ("--years", "simulation.years", args.years),
    ):
        if value is not None:
            scenario = scenario.with_changes({key: value}, source=option)
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        # Checked before the run, which may be long, rather than when saving after it.
        raise GenaisimError(f"--out {args.out}: exists and is not a folder")
    results = simulate(scenario, progress=True)
    print(format_summary(results, changes=changes_from(args.changes)))
    if args.out is not None:
        try:
            folder = results.save(args.out, args.format)
        except OSError as exc:
            raise GenaisimError(f"--out {args.out}: cannot save the results ({exc})") from None
        print(f"\nSaved {', '.join(TABLES)} ({args.format}) and manifest.json in {folder}")
    return 0


register(
    Command(
        name="run",
        summary="run a scenario and print a summary of its outcomes",
        description=(
            "Run a scenario over replications and print the share of trajectories with each\n"
            "label and the mean and 90% interval of key outcomes. With --out, also save the\n"
            "tables. -r, --seed and --years are applied after any --set."
        ),
        examples=(
            "  genaisim run baseline -r 50\n"
            "  genaisim run pilot_loop --years 10\n"
            "  genaisim run compounder --set feedback.culture=0.1 --set feedback.tooling=0.1\n"
            "  genaisim run my_org.toml --seed 7 --out results/my_org --format csv"
        ),
        add_arguments=_add_run_arguments,
        run=_run,
    )
)


# -- scenarios -----------------------------------------------------------------
def _add_no_arguments(parser: argparse.ArgumentParser) -> None:
    """A command without arguments of its own."""


def _scenarios(args: argparse.Namespace) -> int:
    print(format_scenarios())
    return 0


register(
    Command(
        name="scenarios",
        summary="list the named scenarios with one-line descriptions",
        description=(
            "List the named scenarios, from ./scenarios and the project's scenarios folder.\n"
            "A file in ./scenarios replaces a project scenario of the same name."
        ),
        examples="  genaisim scenarios",
        add_arguments=_add_no_arguments,
        run=_scenarios,
    )
)


# -- describe ------------------------------------------------------------------
def _add_describe_arguments(parser: argparse.ArgumentParser) -> None:
    add_scenario_argument(parser)
    add_set_option(parser)


def _describe(args: argparse.Namespace) -> int:
    print(format_parameters(scenario_from(args)))
    return 0


register(
    Command(
        name="describe",
        summary="list every parameter of a scenario with value, unit, range and help",
        description=(
            "List every parameter of a scenario by section, with its value, unit, allowed\n"
            "range and meaning. A * marks a value that differs from the documented default."
        ),
        examples=(
            "  genaisim describe baseline\n"
            "  genaisim describe compounder --set feedback.culture=0.2\n"
            "  genaisim describe baseline | grep -A1 ownership."
        ),
        add_arguments=_add_describe_arguments,
        run=_describe,
    )
)


if __name__ == "__main__":
    sys.exit(main())
