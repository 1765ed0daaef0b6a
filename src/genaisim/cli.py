"""The ``genaisim`` command line: a thin shell over the library and its text reports.

Reports are formatted by :mod:`genaisim.report` (scenarios, runs) and
:mod:`genaisim.report_sweep` (experiments, sweeps, analysis).

Each subcommand is a :class:`Command` in :data:`COMMANDS`. To add one, write a function
that adds its arguments to a parser and a function that runs it, and pass both to
:func:`register`; ``main`` builds the parser from the registry each time it runs.

    $ genaisim run pilot_loop -r 50 --set feedback.culture=0.8
    $ genaisim describe baseline
    $ genaisim sweep experiments/foundations.toml && genaisim analyse results/foundations
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import shlex
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from genaisim import __version__
from genaisim.budget import TooLargeError, check_run
from genaisim.errors import GenaisimError
from genaisim.explore_kinds import EXPLORE_KINDS
from genaisim.files import FolderLock, folder_is_empty, is_locked
from genaisim.outputs import TABLES

if TYPE_CHECKING:
    from genaisim.scenario import Scenario


# -- imported when first used ---------------------------------------------------------
# The model, pandas, pydantic and scipy take about a second to import; `genaisim --help`
# and a mistyped option need none of them.
def _later(module: str, name: str) -> Callable[..., Any]:
    """A function that imports ``module.name`` on its first call and calls it."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``{module}.{name}``, imported when first called."
    return call


def _report_sweep() -> Any:
    """The sweep reports module (pandas), imported when first used."""
    return importlib.import_module("genaisim.report_sweep")


estimate_time = _later("genaisim.experiments", "estimate_time")
execute = _later("genaisim.experiments", "execute")
experiment_from_dict = _later("genaisim.experiments", "experiment_from_dict")
folder_status = _later("genaisim.experiments", "folder_status")
load_experiment = _later("genaisim.experiments", "load_experiment")
load_sweep = _later("genaisim.experiments", "load_sweep")
make_executor = _later("genaisim.experiments", "make_executor")
plan = _later("genaisim.experiments", "plan")
format_parameters = _later("genaisim.report", "format_parameters")
format_scenarios = _later("genaisim.report", "format_scenarios")
format_summary = _later("genaisim.report", "format_summary")
simulate = _later("genaisim.results", "simulate")
read_portfolio_csv = _later("genaisim.roadmap", "read_portfolio_csv")
load_scenario = _later("genaisim.scenario", "load_scenario")
parse_assignment = _later("genaisim.scenario", "parse_assignment")

PROG = "genaisim"
USAGE_ERROR = 2  # what argparse returns for a usage error; user errors share it
INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped with Ctrl-C
TERMINATED = 143  # 128 + SIGTERM, as a shell reports a command stopped with kill
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


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, pointing to ``--help``."""

    def error(self, message: str) -> NoReturn:
        """Exit with status 2 after ``prog: error: message (see 'prog --help')``."""
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``genaisim`` command with every registered subcommand."""
    parser = Parser(
        allow_abbrev=False,
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
            allow_abbrev=False,
            help=command.summary,
            description=command.description,
            epilog=f"examples:\n{command.examples}" if command.examples else None,
            formatter_class=HelpFormatter,
        )
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: the command stops as it does for Ctrl-C, tidying up on the way."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


@contextlib.contextmanager
def _sigterm_like_ctrl_c() -> Iterator[None]:
    """Handle SIGTERM as Ctrl-C while a command runs (from the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


#: Options whose value may start with a dash (a month before the run, e.g. ``-3:...``).
_DASH_VALUED = ("--change-at",)


def _glue_dash_values(argv: Sequence[str]) -> list[str]:
    """``--change-at -3:key=v`` read as ``--change-at=-3:key=v``.

    Otherwise argparse takes the value for an option and prints its usage block; this
    way the value's own check gives its one-line message.
    """
    out: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        if args[i] in _DASH_VALUED and i + 1 < len(args) and args[i + 1].startswith("-"):
            if args[i + 1] != "--" and not args[i + 1].startswith("--"):
                out.append(f"{args[i]}={args[i + 1]}")
                i += 2
                continue
        out.append(args[i])
        i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); returns the exit status.

    A :class:`GenaisimError` is the user's to fix: its message goes to stderr as
    ``genaisim: error: <message>`` with status 2, without a traceback.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(_glue_dash_values(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        # argparse exits for --help, --version and usage errors; scripts calling main()
        # get the status back like any other outcome.
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        return 1
    try:
        with _sigterm_like_ctrl_c():
            status = args.run(args)
        # Flushed here so that a closed pipe is reported below, not by Python at exit.
        sys.stdout.flush()
        return status
    except TooLargeError as exc:
        print(f"{PROG}: error: {exc} with --force", file=sys.stderr)
        return USAGE_ERROR
    except GenaisimError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except Terminated:
        print(f"{PROG}: terminated", file=sys.stderr)
        return TERMINATED
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


def add_portfolio_option(parser: argparse.ArgumentParser) -> None:
    """``--portfolio CSV``: start from the use cases the organisation runs today."""
    parser.add_argument(
        "--portfolio",
        type=Path,
        metavar="CSV",
        help=(
            "start from the organisation's current use cases (pilots and live systems), one "
            "row each; template: scenarios/portfolio_template.csv"
        ),
    )


def add_change_at_option(parser: argparse.ArgumentParser) -> None:
    """The repeatable ``--change-at MONTH[+RAMP]:KEY=VALUE`` option: an intervention."""
    parser.add_argument(
        "--change-at",
        dest="change_at",
        metavar="MONTH[+RAMP]:KEY=VALUE",
        action="append",
        default=[],
        help=(
            "change a lever from a month on (an intervention), e.g. --change-at "
            "9:ownership.owner_probability=0.9; with +RAMP, move to the value over RAMP "
            "months, e.g. --change-at 12+6:data.data_investment=0.6; repeat for several"
        ),
    )


def interventions_from(assignments: Sequence[str]) -> list[dict[str, Any]]:
    """``--change-at`` values as interventions (changes at the same month and ramp merged)."""
    merged: dict[tuple[int, int], dict[str, Any]] = {}
    for text in assignments:
        when, sep, assignment = text.partition(":")
        month, _, ramp = when.partition("+")
        try:
            key = (int(month), int(ramp or 0))
        except ValueError:
            raise GenaisimError(
                f"--change-at {text!r}: expected MONTH[+RAMP]:KEY=VALUE with whole numbers, "
                "e.g. 9:ownership.owner_probability=0.9"
            ) from None
        if not sep or "=" not in assignment:
            raise GenaisimError(
                f"--change-at {text!r}: expected MONTH[+RAMP]:KEY=VALUE, e.g. "
                "9:ownership.owner_probability=0.9"
            )
        name, value = parse_assignment(assignment)
        merged.setdefault(key, {})[name] = value
    return [
        {"month": month, "ramp_months": ramp, "set": values}
        for (month, ramp), values in merged.items()
    ]


def scenario_from(args: argparse.Namespace) -> Scenario:
    """The scenario named on the command line, with ``--set``, ``--change-at``, ``--portfolio``."""
    scenario = load_scenario(args.scenario)
    changes = changes_from(args.changes)
    if changes:
        scenario = scenario.with_changes(changes, source="--set")
    if getattr(args, "change_at", None):
        scenario = scenario.with_interventions(
            interventions_from(args.change_at), source="--change-at"
        )
    if getattr(args, "portfolio", None) is not None:
        if changes.get("organisation.start_month", 0) != 0:
            raise GenaisimError(
                f"--portfolio {args.portfolio}: a current portfolio means the programme is "
                "running (start month 0); leave out --set organisation.start_month"
            )
        rows = read_portfolio_csv(args.portfolio)
        scenario = scenario.with_portfolio(rows, source=f"--portfolio {args.portfolio}")
    return scenario


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
    add_change_at_option(parser)
    add_portfolio_option(parser)
    parser.add_argument(
        "--posterior",
        type=workers_option,
        metavar="N",
        help=(
            "draw N parameter sets from the scenario's calibrated posterior (e.g. "
            "enterprise_2024) and run each over the replications, to see parameter "
            "uncertainty beside the stochastic one"
        ),
    )
    parser.add_argument(
        "--workers",
        type=workers_option,
        metavar="N",
        help="run the replications on N processes (default 1); the numbers are identical",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=(
            f"also save the tables ({', '.join(TABLES)}; with a posterior, draws; with "
            "interventions, interventions) and manifest.json in DIR"
        ),
    )
    parser.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default="parquet",
        help="file format of the saved tables (default: parquet)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace what --out holds (by default a folder that is not empty is refused)",
    )
    add_force_option(parser)


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
    sim = scenario.simulation
    runs = sim.replications * (args.posterior or 1)
    check_run(scenario.population.organisations, sim.years * 12, runs, args.force)
    if args.posterior and not scenario.posterior:
        raise GenaisimError(
            f"--posterior: scenario {scenario.name!r} has no calibrated posterior to draw "
            "from; use a calibrated scenario such as enterprise_2024"
        )
    if args.out is None:
        results = simulate(scenario, progress=True, posterior=args.posterior, workers=args.workers)
        print(format_summary(results, changes=changes_from(args.changes)))
        return 0
    # The folder is checked and locked before the run, which may be long, and stays
    # locked until the results are saved in it.
    if args.out.exists() and not args.out.is_dir():
        raise GenaisimError(f"--out {args.out}: exists and is not a folder")
    with FolderLock(args.out):
        if not args.overwrite and not folder_is_empty(args.out):
            raise GenaisimError(
                f"--out {args.out}: is not empty; choose another folder, or give --overwrite "
                "to replace what it holds"
            )
        results = simulate(scenario, progress=True, posterior=args.posterior, workers=args.workers)
        print(format_summary(results, changes=changes_from(args.changes)))
        try:
            folder = results.save(args.out, args.format, overwrite=args.overwrite)
        except OSError as exc:
            raise GenaisimError(f"--out {args.out}: cannot save the results ({exc})") from None
    saved = [*TABLES, *(["draws"] if results.draws is not None else [])]
    saved += ["interventions"] if scenario.interventions else []
    print(f"\nSaved {', '.join(saved)} ({args.format}) and manifest.json in {folder}")
    return 0


register(
    Command(
        name="run",
        summary="run a scenario and print a summary of its outcomes",
        description=(
            "Run a scenario over replications and print the share of trajectories with each\n"
            "label and the mean and 90% interval of key outcomes. With --out, also save the\n"
            "tables; a folder that is not empty is refused unless --overwrite, which replaces\n"
            "it in one step. -r, --seed and --years are applied after any --set."
        ),
        examples=(
            "  genaisim run baseline -r 50\n"
            "  genaisim run pilot_loop --years 10\n"
            "  genaisim run compounder --set feedback.culture=0.1 --set feedback.tooling=0.1\n"
            "  genaisim run my_org.toml --seed 7 --out results/my_org --format csv\n"
            "  genaisim run baseline --change-at 9:ownership.owner_probability=0.9\n"
            "  genaisim run roadmap_example --portfolio scenarios/portfolio_template.csv"
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
    add_portfolio_option(parser)


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


# -- experiments: plan, sweep, analyse ---------------------------------------------
def add_experiment_argument(parser: argparse.ArgumentParser) -> None:
    """The positional EXPERIMENT: the path of an experiment file."""
    parser.add_argument(
        "experiment",
        metavar="EXPERIMENT",
        help="an experiment file (.toml), e.g. experiments/foundations.toml",
    )


def workers_option(text: str) -> int:
    """``--workers``: a whole number of at least 1."""
    try:
        workers = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if workers < 1:
        raise argparse.ArgumentTypeError(f"{workers}: give at least 1")
    return workers


#: Largest ``--scale``: a 7,680 x 4,320 PNG (8K) is already more than any screen shows.
MAX_SCALE = 8.0


def scale_option(text: str) -> float:
    """``--scale``: a number above 0 and at most :data:`MAX_SCALE`."""
    try:
        scale = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < scale <= MAX_SCALE:
        raise argparse.ArgumentTypeError(f"{text}: give a number above 0 and at most {MAX_SCALE:g}")
    return scale


def _add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    add_experiment_argument(parser)
    parser.add_argument(
        "--workers",
        type=workers_option,
        metavar="N",
        help=f"estimate the wall time for N workers (default: every core, {os.cpu_count()} here)",
    )
    add_force_option(parser)


def add_force_option(parser: argparse.ArgumentParser) -> None:
    """``--force``: go ahead with a run or plan larger than the size limits."""
    parser.add_argument(
        "--force",
        action="store_true",
        help=(
            "go ahead even when the estimate exceeds the limits (over a million runs, a "
            "week of one core's work, or for run, tables over half the memory)"
        ),
    )


def _plan(args: argparse.Namespace) -> int:
    the_plan = plan(load_experiment(args.experiment), force=args.force)
    print(_report_sweep().format_plan(the_plan), flush=True)  # shown while a few runs are timed
    estimate = estimate_time(the_plan, args.workers or os.cpu_count() or 1)
    print(_report_sweep().format_estimate(estimate))
    return 0


register(
    Command(
        name="plan",
        summary="show what an experiment would run and estimate how long it would take",
        description=(
            "Show an experiment's design, its design points, replications and runs, and\n"
            "estimate the wall time of a sweep on this machine by timing a few of its runs\n"
            "here. Nothing is written."
        ),
        examples=(
            "  genaisim plan experiments/foundations.toml\n"
            "  genaisim plan experiments/foundations.toml --workers 16"
        ),
        add_arguments=_add_plan_arguments,
        run=_plan,
    )
)


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """``--workers`` and where to run: ``--serial``, ``--dask-local`` or ``--scheduler``."""
    parser.add_argument(
        "--workers",
        type=workers_option,
        metavar="N",
        help="worker processes, here or in a --dask-local cluster (default: every core)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--serial", action="store_true", help="run in this process, one run at a time"
    )
    where.add_argument(
        "--dask-local",
        action="store_true",
        help="run on a local Dask cluster of --workers processes (needs genaisim[dask])",
    )
    where.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run on the Dask cluster whose scheduler is at this address (needs genaisim[dask])",
    )


def _add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    add_experiment_argument(parser)
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="the results folder (default: results/<experiment name>)",
    )
    add_executor_options(parser)
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the sweep in DIR, skipping the runs already done (DIR must hold it)",
    )
    parser.add_argument(
        "--until-ci",
        type=_precision,
        metavar="P",
        help=(
            "add replications per design point (doubling them each round) until the 95%% "
            "confidence interval of --outcome is within P of its mean (0.05: within 5%%), or "
            "--max-replications is reached; the options are recorded in DIR, and --resume "
            "goes on with them"
        ),
    )
    parser.add_argument(
        "--outcome",
        metavar="NAME",
        help=(
            "--until-ci: the numeric outcome whose interval decides (default: cumulative_net_value)"
        ),
    )
    parser.add_argument(
        "--max-replications",
        type=workers_option,
        metavar="N",
        help="--until-ci: the most replications a design point gets (default 100)",
    )
    add_force_option(parser)
    parser.add_argument(
        "--repair",
        action="store_true",
        help="with --resume: remove damaged part files first and run their runs again",
    )
    parser.add_argument(
        "--replications",
        type=workers_option,
        metavar="N",
        help=(
            "replications per design point instead of the file's; with --resume, more "
            "replications extend the sweep in DIR"
        ),
    )


def _precision(text: str) -> float:
    """``--until-ci``: a share between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{value:g}: give a share between 0 and 1, e.g. 0.05")
    return value


def _adaptive_settings(args: argparse.Namespace, out: Path, same: bool) -> dict[str, Any] | None:
    """The ``--until-ci`` settings of this sweep (None for a plain one).

    A folder that holds an adaptive sweep of this experiment goes on adaptively with the
    settings recorded in it, unless the command gives others: resuming it as a plain
    sweep would plan only the first round's replications and hide the rest.
    """
    from genaisim.experiments.adaptive import MAX_REPLICATIONS, OUTCOME, recorded_settings

    recorded = recorded_settings(out) if same else None
    if args.until_ci is None and recorded is None:
        given_options = ((args.outcome, "--outcome"), (args.max_replications, "--max-replications"))
        for given, option in given_options:
            if given is not None:
                raise GenaisimError(
                    f"{option} applies to an adaptive sweep; add --until-ci P (e.g. 0.05) "
                    f"or leave out {option}"
                )
        return None
    recorded = recorded or {}
    settings = {
        "precision": args.until_ci if args.until_ci is not None else recorded["precision"],
        "outcome": args.outcome or recorded.get("outcome") or OUTCOME,
        "max_replications": args.max_replications
        or recorded.get("max_replications")
        or MAX_REPLICATIONS,
    }
    return settings


def _adaptive_options(settings: dict[str, Any]) -> list[str]:
    """The command-line options that give an adaptive sweep ``settings``."""
    return [
        "--until-ci",
        f"{settings['precision']:g}",
        "--outcome",
        str(settings["outcome"]),
        "--max-replications",
        str(settings["max_replications"]),
    ]


def _sweep(args: argparse.Namespace) -> int:
    if args.workers and (args.serial or args.scheduler):
        which = "--serial" if args.serial else "--scheduler"
        raise GenaisimError(f"--workers does not apply with {which}; leave one of them out")
    if args.repair and not args.resume:
        raise GenaisimError("--repair applies to a sweep resumed with --resume; add --resume")
    experiment = load_experiment(args.experiment)
    if args.replications is not None:
        experiment = experiment_from_dict(
            {**experiment.model_dump(), "replications": args.replications},
            source=experiment.source,
        )
    the_plan = plan(experiment, force=args.force)
    out = args.out or Path("results") / experiment.name
    status = folder_status(out, the_plan)
    if args.resume and not status.is_results:
        raise GenaisimError(
            f"--resume: {out} holds no sweep to resume; leave out --resume to start one"
        )
    adaptive_settings = _adaptive_settings(args, out, status.same_experiment)
    if adaptive_settings is not None:
        from genaisim.experiments.adaptive import check_outcome, first_round

        check_outcome(adaptive_settings["outcome"])  # before any run, not after a round
        if args.until_ci is None:
            options = shlex.join(_adaptive_options(adaptive_settings))
            print(_report_sweep().format_adaptive_resume(str(out), options), flush=True)
        # What the first round runs: the folder's plan, never fewer replications.
        status = folder_status(out, first_round(the_plan, out))
    note = _report_sweep().format_folder_status(status, args.resume)
    if note and not is_locked(out):  # a folder another process writes is refused below
        print(note, flush=True)
    resume = ["genaisim", "sweep", args.experiment, "--out", str(out), "--resume"]
    if args.replications is not None:
        resume += ["--replications", str(args.replications)]
    if adaptive_settings is not None:
        resume += _adaptive_options(adaptive_settings)
    try:
        with make_executor(
            workers=args.workers,
            serial=args.serial,
            scheduler=args.scheduler,
            dask_local=args.dask_local,
        ) as (executor, workers):
            if adaptive_settings is not None:
                from genaisim.experiments.adaptive import execute_until

                adaptive = execute_until(
                    the_plan,
                    out,
                    executor,
                    workers,
                    outcome=adaptive_settings["outcome"],
                    precision=adaptive_settings["precision"],
                    max_replications=adaptive_settings["max_replications"],
                    progress=True,
                    repair=args.repair,
                )
                print(
                    _report_sweep().format_adaptive(
                        adaptive, adaptive_settings["outcome"], adaptive_settings["precision"]
                    )
                )
                return 1 if adaptive.failed else 0
            summary = execute(the_plan, out, executor, workers, progress=True, repair=args.repair)
    except _damaged_part() as exc:
        raise GenaisimError(
            f"{exc.path}: damaged part file ({exc.problem}); run its runs again with: "
            f"{shlex.join([*resume, '--repair'])}"
        ) from None
    except KeyboardInterrupt as exc:
        if adaptive_settings is not None:
            from genaisim.experiments import ResultsFolder

            # Every round's runs count: the plan on disk is the round that was running.
            folder = ResultsFolder(out)
            done = len(folder.done_ids(skip_damaged=True))
            manifest = folder.manifest() if (out / "manifest.json").is_file() else {}
            planned = max(done, int(manifest.get("runs_planned", len(the_plan))))
        else:
            done, planned = folder_status(out, the_plan).done, len(the_plan)
        print(
            _report_sweep().format_interrupted(done, planned, str(out), shlex.join(resume)),
            file=sys.stderr,
        )
        return TERMINATED if isinstance(exc, Terminated) else INTERRUPTED
    except OSError as exc:
        # An unreachable scheduler or an unwritable folder: the user's to fix.
        unreachable = args.scheduler and "connect" in str(exc).lower()
        where = f"--scheduler {args.scheduler}" if unreachable else f"--out {out}"
        raise GenaisimError(f"{where}: {exc}") from None
    if summary.repaired:
        print(f"Removed {summary.repaired} damaged part file(s); their runs ran again.")
    print(_report_sweep().format_sweep_summary(summary, experiment.name))
    return 1 if summary.failed else 0


register(
    Command(
        name="sweep",
        summary="run every run of an experiment and stream the results to a folder",
        description=(
            "Run every run of an experiment (see `genaisim plan`) on local worker processes,\n"
            "in this process (--serial) or on a Dask cluster, writing results as they finish.\n"
            "A folder that already holds this experiment's results is continued: finished\n"
            "runs are skipped. A folder of a different experiment is refused. After Ctrl-C,\n"
            "every finished run is on disk; run the same command with --resume to go on.\n"
            "Exit status: 0 when every run succeeded, 1 when some failed (their errors are\n"
            "in DIR/failures), 2 for a mistake in the command or the experiment, 130 after\n"
            "Ctrl-C, 143 after SIGTERM (handled like Ctrl-C). Only one sweep at a time\n"
            "writes a folder; a second gets exit status 2. --resume --repair runs the\n"
            "runs of damaged part files again; --resume --replications N extends a sweep."
        ),
        examples=(
            "  genaisim sweep experiments/foundations.toml\n"
            "  genaisim sweep experiments/foundations.toml --workers 4 --out results/f4\n"
            "  genaisim sweep experiments/foundations.toml --out results/f4 --resume\n"
            "  genaisim sweep experiments/foundations.toml --serial --out /tmp/debug\n"
            "  genaisim sweep experiments/foundations.toml --until-ci 0.05 --max-replications 80\n"
            "  genaisim sweep experiments/foundations.toml --scheduler tcp://10.0.0.5:8786"
        ),
        add_arguments=_add_sweep_arguments,
        run=_sweep,
    )
)


def _add_analyse_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "results", metavar="RESULTS", type=Path, help="a results folder written by `sweep`"
    )
    parser.add_argument(
        "--by",
        nargs="+",
        metavar="COL",
        help=(
            "group by these columns of the results (default: the design's factors, the "
            "points' names, or the design point)"
        ),
    )
    parser.add_argument(
        "--outcome",
        metavar="NAME",
        help=(
            "the outcome to analyse, a column of the results such as production or "
            "pilots_started (default: several key outcomes; cumulative_net_value for "
            "--sobol, --morris and --replications)"
        ),
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--sobol", action="store_true", help="Sobol indices of --outcome (sobol designs)"
    )
    what.add_argument(
        "--morris", action="store_true", help="Morris screening of --outcome (morris designs)"
    )
    what.add_argument(
        "--predictors",
        action="store_true",
        help="which factor best predicts stable production (needs deployments = true)",
    )
    what.add_argument(
        "--replications",
        action="store_true",
        help="how many replications are enough for --outcome (Lorscheid et al. 2012)",
    )
    what.add_argument(
        "--convergence",
        action="store_true",
        help=(
            "Sobol S1 and ST of --outcome at N/4, N/2 and N, with a warning when a 95%% "
            "interval is wider than --tolerance (sobol designs)"
        ),
    )
    what.add_argument(
        "--tornado",
        action="store_true",
        help="one-factor-at-a-time swings of --outcome (designs of kind oat)",
    )
    what.add_argument(
        "--scores",
        action="store_true",
        help=(
            "which parameters matter for --outcome (any design): extra-trees and permutation "
            "importance; --outcome may be a label or a condition such as 'production > 2'"
        ),
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        metavar="T",
        help=(
            "--replications: relative change of the CV that counts as settled (default 0.01); "
            "--convergence: the widest acceptable half-width of a 95%% interval (default 0.05)"
        ),
    )
    parser.add_argument(
        "--csv", type=Path, metavar="FILE", help="also write the table shown to FILE (CSV)"
    )


def _damaged_part() -> type[Exception]:
    from genaisim.experiments.store import DamagedPartError

    return DamagedPartError


def _load_sweep_or_say_how_to_repair(folder: Path):
    try:
        return load_sweep(folder)
    except _damaged_part() as exc:
        from genaisim.experiments import ResultsFolder

        source = ResultsFolder(folder).manifest().get("experiment_file") or "EXPERIMENT"
        command = ["genaisim", "sweep", source, "--out", str(folder), "--resume", "--repair"]
        raise GenaisimError(
            f"{exc.path}: damaged part file ({exc.problem}); run its runs again with: "
            f"{shlex.join(command)}"
        ) from None


def _analyse(args: argparse.Namespace) -> int:
    from genaisim import analysis  # here, not at the top: scipy takes half a second to load

    if args.tolerance is not None and not 0 < args.tolerance < 1:
        raise GenaisimError(f"--tolerance {args.tolerance}: give a number between 0 and 1")
    results = _load_sweep_or_say_how_to_repair(args.results)
    outcome = args.outcome or "cumulative_net_value"
    # Everything is computed before anything is printed, so an error comes alone.
    if args.sobol:
        from genaisim import explore, report_explore

        table = analysis.sobol_indices(results, outcome)
        text = _report_sweep().format_sobol(table, outcome, results)
        if results.manifest["experiment"]["design"].get("second_order"):
            pairs = explore.sobol_second_order(results, outcome)
            text += "\n\n" + report_explore.format_second_order(pairs, outcome)
    elif args.convergence:
        from genaisim import explore, report_explore

        tolerance = 0.05 if args.tolerance is None else args.tolerance
        table = explore.sobol_convergence(results, outcome, tolerance=tolerance)
        text = report_explore.format_convergence(table)
    elif args.tornado:
        from genaisim import explore, report_explore

        table = explore.tornado_table(results, outcome)
        text = report_explore.format_tornado(table)
    elif args.morris:
        table = analysis.morris_indices(results, outcome)
        text = _report_sweep().format_morris(table, outcome, results)
    elif args.predictors:
        from genaisim import explore, report_explore

        table = analysis.stable_production_predictors(results)
        scores = explore.stable_production_scores(results, seed=int(results.manifest["seed"]))
        text = "\n\n".join(
            [_report_sweep().format_predictors(table), report_explore.format_scores(scores)]
        )
    elif args.replications:
        tolerance = 0.01 if args.tolerance is None else args.tolerance
        table = analysis.replication_sufficiency(results, outcome)
        enough = analysis.enough_replications(table, tolerance)
        text = _report_sweep().format_replications(table, outcome, enough, tolerance)
    elif args.scores:
        from genaisim import explore, report_explore

        table = explore.feature_scores(results, outcome, seed=int(results.manifest["seed"]))
        text = report_explore.format_scores(table)
    else:
        groups = args.by or analysis.design_columns(results)
        if results.manifest["experiment"]["design"]["kind"] in ("lhs", "morris", "sobol"):
            groups = args.by or ["point"]  # a few dozen parameter values per row do not fit
        outcomes = [args.outcome] if args.outcome else list(analysis.DEFAULT_OUTCOMES)
        shares = analysis.label_shares(results, by=groups)
        summary = analysis.summary_by(results, by=groups, outcomes=outcomes)
        text = "\n\n".join(
            [
                _report_sweep().format_label_shares(shares, groups),
                _report_sweep().format_outcomes(summary, groups),
            ]
        )
        # The file holds the label shares as outcomes too, with their intervals.
        from genaisim.labels import LABELS

        table = analysis.summary_by(results, by=groups, outcomes=[*outcomes, *LABELS])
    print(_report_sweep().format_results_header(results))
    print()
    print(text)
    if args.csv is not None:
        try:
            table.to_csv(args.csv, index=False)
        except OSError as exc:
            raise GenaisimError(f"--csv {args.csv}: cannot write ({exc})") from None
        print(f"\nWrote {args.csv}")
    return 0


register(
    Command(
        name="analyse",
        summary="summarise a sweep's results: labels, outcomes, sensitivity, predictors",
        description=(
            "Read a results folder written by `genaisim sweep` (complete or not) and print,\n"
            "per design point or per --by group, the share of trajectories with each label\n"
            "and the mean of key outcomes over replications with a 95% confidence interval.\n"
            "With --sobol or --morris: sensitivity indices of --outcome; --predictors: which\n"
            "factor best predicts stable production; --replications: how many replications\n"
            "are enough; --convergence: whether the Sobol indices have settled;\n"
            "--tornado: one-at-a-time swings; --scores: which parameters matter for --outcome.\n"
            "--csv writes the table shown."
        ),
        examples=(
            "  genaisim analyse results/foundations\n"
            "  genaisim analyse results/foundations --by ownership --outcome production\n"
            "  genaisim analyse results/foundations --replications --outcome pilots_started\n"
            "  genaisim analyse results/sobol_foundations --sobol --outcome net_value_last_year\n"
            "  genaisim analyse results/screening --morris\n"
            "  genaisim analyse results/ownership_predictor --predictors --csv predictors.csv\n"
            "  genaisim analyse results/discover_compounding --scores --outcome compounding\n"
            "  genaisim analyse results/sobol_foundations --convergence --tolerance 0.05\n"
            "  genaisim analyse results/oat_levers --tornado --outcome production"
        ),
        add_arguments=_add_analyse_arguments,
        run=_analyse,
    )
)


# -- chart, deck ---------------------------------------------------------------------
CHART_FORMATS = ("png", "svg", "pdf")


def _add_simulation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-r",
        "--replications",
        type=int,
        metavar="N",
        help="replications per scenario (default: the scenario's simulation.replications)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="master seed (default: the scenario's simulation.seed)",
    )
    parser.add_argument(
        "--years",
        type=int,
        metavar="Y",
        help="simulated horizon in years (default: the scenario's)",
    )


def _scenario_results(inputs: Sequence[str], args: argparse.Namespace) -> list:
    """Each input as Results: a folder saved by `run --out`, or a scenario simulated here."""
    from genaisim.results import Results

    items = []
    for text in inputs:
        path = Path(text)
        if path.is_dir():
            if (path / "plan").is_dir():
                raise GenaisimError(
                    f"{text}: is a sweep's results folder; the scenario charts need scenario "
                    "names, .toml files or folders saved by `genaisim run --out`"
                )
            items.append(Results.load(path))
            continue
        items.append(
            simulate(text, replications=args.replications, seed=args.seed, years=args.years)
        )
    return items


def _chart_kinds() -> tuple[dict, dict]:
    from genaisim.charts import SCENARIO_KINDS, SWEEP_KINDS  # altair: loaded only when needed

    return SCENARIO_KINDS, SWEEP_KINDS


CHART_KINDS = (
    "trajectories",
    "stages",
    "kpis",
    "feedback",
    "foundations",
    "sensitivity",
    "predictors",
    *EXPLORE_KINDS,
)


def _add_chart_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="SCENARIO_OR_RESULTS",
        help=(
            "scenario names or .toml files (simulated here), folders saved by `genaisim run "
            "--out`, or, for foundations, sensitivity and predictors, one sweep results folder"
        ),
    )
    parser.add_argument("--kind", required=True, choices=CHART_KINDS, help="which chart to draw")
    parser.add_argument("--out", required=True, type=Path, metavar="FILE", help="the file to write")
    parser.add_argument(
        "--format",
        choices=CHART_FORMATS,
        help="png, svg or pdf (default: from the suffix of --out)",
    )
    parser.add_argument(
        "--outcome",
        default="cumulative_net_value",
        metavar="NAME",
        help=(
            "sensitivity, foundations, scores, tornado, morris, interactions, convergence: the "
            "outcome to chart (default: cumulative_net_value)"
        ),
    )
    parser.add_argument(
        "--where",
        metavar="CONDITION",
        help="peeling and box: the runs to explain, as for `genaisim discover --where`",
    )
    parser.add_argument(
        "--scale",
        type=scale_option,
        default=2,
        metavar="X",
        help="a PNG is a 16:9 slide of 960 x 540 times X pixels (default 2: 1920 x 1080)",
    )
    _add_simulation_options(parser)


def _chart(args: argparse.Namespace) -> int:
    from genaisim import charts

    fmt = args.format or args.out.suffix.lstrip(".").lower()
    if fmt not in CHART_FORMATS:
        raise GenaisimError(
            f"--out {args.out}: cannot tell the format from the suffix; end the name with "
            f".png, .svg or .pdf, or give --format"
        )
    scenario_kinds, sweep_kinds = _chart_kinds()
    if args.kind in EXPLORE_KINDS:
        from genaisim.explore_kinds import explore_chart

        if len(args.inputs) != 1 or not Path(args.inputs[0], "plan").is_dir():
            raise GenaisimError(
                f"--kind {args.kind} charts one sweep's results folder (written by "
                f"`genaisim sweep`); got {' '.join(args.inputs)}"
            )
        chart = explore_chart(args.kind, load_sweep(args.inputs[0]), args.outcome, args.where)
    elif args.kind in sweep_kinds:
        if len(args.inputs) != 1 or not Path(args.inputs[0], "plan").is_dir():
            raise GenaisimError(
                f"--kind {args.kind} charts one sweep's results folder (written by "
                f"`genaisim sweep`); got {' '.join(args.inputs)}"
            )
        results = load_sweep(args.inputs[0])
        if args.kind == "sensitivity":
            chart = charts.sensitivity(results, args.outcome)
        elif args.kind == "foundations":
            chart = charts.foundations_heatmap(results, outcome=args.outcome)
        else:
            chart = sweep_kinds[args.kind].build(results)
    else:
        chart = scenario_kinds[args.kind].build(_scenario_results(args.inputs, args))
    path = charts.export(chart, args.out, scale=args.scale, format=fmt)
    print(f"Wrote {path}")
    return 0


register(
    Command(
        name="chart",
        summary="draw one chart of scenarios or a sweep as PNG, SVG or PDF",
        description=(
            "Draw one chart of the catalogue, titled with its finding, for a slide (16:9).\n"
            "Scenario charts (trajectories, stages, kpis, feedback) simulate the scenarios\n"
            "named (or read folders saved by `genaisim run --out`); sweep charts\n"
            "(foundations, sensitivity, predictors, and the exploratory ones: peeling and\n"
            "box with --where, scores, tornado, morris, interactions, convergence) read one\n"
            "folder written by `genaisim sweep`. Rendering is local: no network is needed."
        ),
        examples=(
            "  genaisim chart compounder pilot_loop --kind trajectories --out value.png\n"
            "  genaisim chart baseline --kind stages --out stages.svg -r 50 --seed 7\n"
            "  genaisim chart results/foundations --kind foundations --out foundations.pdf\n"
            "  genaisim chart results/sobol_foundations --kind sensitivity --out sobol.png\n"
            "  genaisim chart results/discover_compounding --kind box --where compounding \\\n"
            "      --out box.png\n"
            "  genaisim chart results/oat_levers --kind tornado --out tornado.svg"
        ),
        add_arguments=_add_chart_arguments,
        run=_chart,
    )
)


def _add_deck_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="scenario names, .toml files or folders saved by `genaisim run --out`",
    )
    parser.add_argument(
        "--out", required=True, type=Path, metavar="DIR", help="the folder to write the deck in"
    )
    parser.add_argument(
        "--sweep",
        dest="sweeps",
        action="append",
        default=[],
        type=Path,
        metavar="RESULTS",
        help=(
            "also chart a sweep's results folder (foundations heat map, Sobol indices, "
            "predictors, as it supports); repeat for several"
        ),
    )
    _add_simulation_options(parser)


def _deck(args: argparse.Namespace) -> int:
    from genaisim import charts
    from genaisim.experiments import load_sweep

    if args.out.exists() and not args.out.is_dir():
        raise GenaisimError(f"--out {args.out}: exists and is not a folder")
    sweeps = [load_sweep(folder) for folder in args.sweeps]
    written = charts.write_deck(_scenario_results(args.scenarios, args), args.out, sweeps=sweeps)
    print(f"Wrote {len(written)} files in {args.out}; open {written[-1]}")
    return 0


register(
    Command(
        name="deck",
        summary="write every scenario chart as PNG, SVG and PDF plus an offline index.html",
        description=(
            "Run the scenarios and write every scenario chart (trajectories, stages, kpis,\n"
            "feedback) as PNG (1920 x 1080), SVG and PDF, and index.html: one self-contained\n"
            "page with each chart inline under a heading and one sentence."
        ),
        examples=(
            "  genaisim deck compounder pilot_loop --out deck/\n"
            "  genaisim deck baseline owners_only data_first --out deck/ -r 50 --seed 7\n"
            "  genaisim deck compounder pilot_loop --out deck/ --sweep results/foundations \\\n"
            "      --sweep results/sobol_foundations --sweep results/ownership_predictor"
        ),
        add_arguments=_add_deck_arguments,
        run=_deck,
    )
)


# -- app -------------------------------------------------------------------------
def app_path() -> Path:
    """The Streamlit page, shipped with the package (``app.py`` in a checkout links to it)."""
    path = Path(__file__).resolve().parent / "explorer_page.py"
    if not path.is_file():
        raise GenaisimError(f"cannot find the app at {path}; reinstall genaisim")
    return path


def _add_app_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=int, metavar="PORT", help="port to serve on (default: Streamlit's 8501)"
    )


def _app(args: argparse.Namespace) -> int:
    import subprocess

    command = [sys.executable, "-m", "streamlit", "run", str(app_path())]
    command += ["--server.headless", "true", "--client.toolbarMode", "viewer"]
    command += ["--browser.gatherUsageStats", "false"]
    if args.port is not None:
        command += ["--server.port", str(args.port)]
    print(f"Running: {shlex.join(command)}", file=sys.stderr)
    return subprocess.call(command)


register(
    Command(
        name="app",
        summary="open the scenario explorer (a Streamlit app) in the browser",
        description=(
            "Serve the Streamlit scenario explorer: edit a scenario's parameters, compare\n"
            "presets, try one-click what-ifs, compute a tornado and export charts.\n"
            "Open the address it prints; stop it with Ctrl-C."
        ),
        examples="  genaisim app\n  genaisim app --port 8600",
        add_arguments=_add_app_arguments,
        run=_app,
    )
)


# The exploratory commands (discover, export) and calibration live in modules of their
# own and register here.
from genaisim import cli_calibrate, cli_explore, cli_roadmap  # noqa: E402, F401

if __name__ == "__main__":
    sys.exit(main())
