"""Plain-text reports of experiments, sweeps and their analysis, for a terminal.

The ``plan``, ``sweep`` and ``analyse`` commands print these; a script can too:

    >>> from genaisim import analysis
    >>> from genaisim.experiments import load_sweep
    >>> from genaisim.report_sweep import format_outcomes
    >>> results = load_sweep("results/foundations")                      # doctest: +SKIP
    >>> table = analysis.summary_by(results, by=["data"])                # doctest: +SKIP
    >>> print(format_outcomes(table, ["data"]))                          # doctest: +SKIP

Tables fit :data:`genaisim.report.WIDTH` columns: a table with more outcome columns
than fit is split into blocks that repeat the group columns.
"""

from __future__ import annotations

import math
import shlex
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from genaisim.experiments import Plan, SweepResults, SweepSummary, TimeEstimate
from genaisim.experiments.status import FolderStatus
from genaisim.labels import LABELS
from genaisim.report import KEY_OUTCOMES, WIDTH

#: Groups shown at most in one table; ``--csv`` writes them all.
MAX_ROWS = 40
INDENT = "  "
#: Outcome headers wrap to this width, so more outcomes fit side by side.
OUTCOME_WRAP = 14
GAP = "  "

_OUTCOME_LABELS = {o.column: o.label for o in KEY_OUTCOMES}
_OUTCOME_DECIMALS = {o.column: o.decimals for o in KEY_OUTCOMES}


def outcome_label(column: str) -> str:
    """A readable name of an outcome column (the column itself if there is none)."""
    if column in LABELS:
        return f"share {column}"
    return _OUTCOME_LABELS.get(column, column.replace("_", " "))


# -- small pieces ----------------------------------------------------------------------
def duration(seconds: float) -> str:
    """A wall time a person reads at a glance: ``<1 s``, ``42 s``, ``3 min 20 s``, ``2 h 5 min``."""
    if seconds < 1:
        return "<1 s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _about(seconds: float) -> str:
    return "under a second" if seconds < 1 else f"about {duration(seconds)}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _field(name: str, text: str) -> str:
    return textwrap.fill(
        text,
        WIDTH,
        initial_indent=f"{name:<12}",
        subsequent_indent=" " * 12,
        break_on_hyphens=False,
        break_long_words=False,  # a path split across lines cannot be copied
    )


def _wrap(text: str, indent: str = INDENT) -> str:
    return textwrap.fill(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,
    )


def _cell(value: Any, decimals: int | None = None) -> str:
    """A value as a table cell: numbers with thousands separators, NaN as ``-``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if decimals is None:
            return f"{value:.4g}"
        return f"{value:,.{decimals}f}"
    return str(value)


def _decimals(column: str, values: pd.Series) -> int:
    if column in _OUTCOME_DECIMALS:
        return _OUTCOME_DECIMALS[column]
    largest = float(values.abs().max()) if len(values) else 0.0
    return 0 if largest >= 100 else 1 if largest >= 10 else 2


@dataclass(frozen=True)
class Column:
    """One column of a text table: a header (may wrap) and its cells."""

    header: str
    cells: list[str]
    right: bool = True
    #: the narrowest the header may wrap to (None: never; cells are never wrapped)
    wrap: int | None = None


def text_table(keys: Sequence[Column], values: Sequence[Column]) -> list[str]:
    """Lines of a table; ``values`` columns are split into blocks that fit :data:`WIDTH`.

    Every block repeats the ``keys`` columns, so each can be read alone.
    """
    keys, values = list(keys), list(values)

    def width(column: Column) -> int:
        cells = max((len(c) for c in column.cells), default=0)
        words = max((len(w) for w in column.header.split()), default=0)
        if column.wrap is None:
            return max(cells, len(column.header))
        return max(cells, words, min(len(column.header), max(cells, column.wrap)))

    key_width = sum(width(c) + len(GAP) for c in keys)
    blocks: list[list[Column]] = []
    for column in values:
        used = key_width + sum(width(c) + len(GAP) for c in (blocks[-1] if blocks else []))
        if blocks and blocks[-1] and len(INDENT) + used + width(column) <= WIDTH:
            blocks[-1].append(column)
        else:
            blocks.append([column])
    lines: list[str] = []
    for block in blocks or [[]]:
        columns = keys + block
        widths = [width(c) for c in columns]
        headers = [textwrap.wrap(c.header, w) or [""] for c, w in zip(columns, widths, strict=True)]
        depth = max(len(h) for h in headers)
        if lines:
            lines.append("")
        for row in range(depth):
            # Headers sit on the bottom line, so single-line ones align with the cells.
            parts = []
            for column, w, header in zip(columns, widths, headers, strict=True):
                line = header[row - (depth - len(header))] if row >= depth - len(header) else ""
                parts.append(line.rjust(w) if column.right else line.ljust(w))
            lines.append((INDENT + GAP.join(parts)).rstrip())
        for i in range(len(columns[0].cells) if columns else 0):
            parts = [
                c.cells[i].rjust(w) if c.right else c.cells[i].ljust(w)
                for c, w in zip(columns, widths, strict=True)
            ]
            lines.append((INDENT + GAP.join(parts)).rstrip())
    return lines


def _key_columns(table: pd.DataFrame, groups: Sequence[str]) -> list[Column]:
    return [
        Column(
            group,
            [_cell(v) for v in table[group].tolist()],
            right=pd.api.types.is_numeric_dtype(table[group]),
        )
        for group in groups
    ]


def _truncated(table: pd.DataFrame, rows: int, what: str) -> tuple[pd.DataFrame, str | None]:
    if len(table) <= rows:
        return table, None
    note = f"... and {len(table) - rows} more {what}; --csv FILE writes them all."
    return table.head(rows), note


# -- plan ------------------------------------------------------------------------------
def _design_line(plan: Plan) -> str:
    design = plan.experiment.design
    points = _count(len(plan.points), "design point")
    if design.kind == "factorial":
        axes = [f"{name} ({len(levels)} levels)" for name, levels in design.factors.items()]
        axes += [f"{key} ({len(values)} values)" for key, values in design.parameters.items()]
        return f"factorial over {', '.join(axes)}: {points}"
    if design.kind == "points":
        return f"points: {points} ({', '.join(p.name for p in design.points)})"
    if design.kind == "oat":
        levels = ", ".join(
            f"{key} ({', '.join(f'{v:g}' for v in values)})"
            for key, values in design.parameters.items()
        )
        return f"one factor at a time around the base scenario: {levels}: {points}"
    ranges = ", ".join(f"{k} {v[0]:g} to {v[1]:g}" for k, v in design.parameters.items())
    detail = {
        "lhs": f"Latin hypercube of {design.samples} samples",
        "morris": f"Morris, {design.samples} trajectories on {design.levels} levels",
        "sobol": f"Sobol (Saltelli), base N = {design.samples}"
        + (", with second-order indices" if design.second_order else ""),
    }[design.kind]
    text = f"{detail} over {ranges}: {points}"
    if design.groups:
        members: dict[str, list[str]] = {}
        for key, group in design.groups.items():
            members.setdefault(group, []).append(key)
        text += "; moving together: " + "; ".join(
            f"{group} = {' + '.join(keys)}" for group, keys in members.items() if len(keys) > 1
        )
    return text


def format_plan(plan: Plan, estimate: TimeEstimate | None = None) -> str:
    """What an experiment would run, and (if given) about how long it would take."""
    experiment = plan.experiment
    base = experiment.base_scenario()
    lines = [_field("Experiment", experiment.name)]
    if experiment.description:
        lines.append(_field("", experiment.description))
    if experiment.source:
        lines.append(_field("File", experiment.source))
    organisations = base.population.organisations
    lines.append(
        _field(
            "Scenario",
            f"{experiment.scenario}, {_count(base.simulation.years, 'year')}, "
            f"{_count(organisations, 'organisation')} per run, seed {experiment.seed}",
        )
    )
    lines.append(_field("Design", _design_line(plan)))
    unique = len(plan)
    total = len(plan.runs)
    runs = (
        f"{_count(len(plan.points), 'design point')} x "
        f"{_count(experiment.replications, 'replication')} = {_count(total, 'run')}"
    )
    if unique < total:
        runs += f" ({unique:,} unique: points with the same changes share runs)"
    lines.append(_field("Runs", runs))
    recorded = ["final figures and label of every organisation"]
    if experiment.timeseries:
        recorded.append(f"monthly {', '.join(experiment.timeseries)}")
    if experiment.deployments:
        recorded.append("one row per deployment")
    lines.append(_field("Records", "; ".join(recorded)))
    if estimate is not None:
        lines.append(format_estimate(estimate))
    return "\n".join(lines)


def format_estimate(estimate: TimeEstimate) -> str:
    """The wall-time estimate of a plan, saying how it was made and that it is an estimate."""
    return _field(
        "Estimate",
        f"{_about(estimate.seconds)} with {_count(estimate.workers, 'worker')} "
        f"({estimate.seconds_per_run * 1000:,.0f} ms per run, timed over "
        f"{_count(estimate.timed, 'run')} of this plan spread across its points, in this "
        f"process, and {estimate.startup_seconds:.1f} s to start a worker). An estimate: "
        "busy cores often run slower than one alone.",
    )


# -- sweep -----------------------------------------------------------------------------
def format_folder_status(status: FolderStatus, resume: bool) -> str | None:
    """The line saying that a sweep continues an existing folder (None for a new one)."""
    if not status.same_experiment:
        return None
    left = status.planned - status.done
    verb = "Resuming" if resume else "Continuing"
    text = (
        f"{verb} {status.path}: {status.done:,} of {status.planned:,} runs are already "
        f"done and are skipped; {left:,} to run."
    )
    if not resume:
        text += " (It holds this experiment's results; use another --out to start afresh.)"
    return _wrap(text, "")


def format_adaptive_resume(folder: str, options: str) -> str:
    """The line saying that a sweep goes on with the adaptive settings recorded in its folder."""
    return _wrap(
        f"{folder} holds an adaptive sweep: going on with the settings recorded in it ({options}).",
        "",
    )


def format_sweep_summary(summary: SweepSummary, experiment_name: str) -> str:
    """How a sweep went: runs done now, skipped, failed, rate, and where the results are."""
    # ``skipped`` counts every run on disk; those of this plan are the rest of it.
    skipped = max(0, min(summary.skipped, summary.planned - summary.completed - summary.failed))
    outside = summary.skipped - skipped
    lines = [
        _field(
            "Sweep",
            f"{experiment_name}: {_count(summary.planned, 'run')} planned; "
            f"{summary.completed:,} run now, {skipped:,} skipped as already done, "
            f"{summary.failed:,} failed; {duration(summary.seconds)}"
            + (f" ({summary.rate:,.1f} runs/s)" if summary.completed + summary.failed else "")
            + (
                f". {_count(outside, 'more run')} in the folder {'is' if outside == 1 else 'are'} "
                "outside this plan and left out of its analysis"
                if outside
                else ""
            ),
        ),
        _field("Results", str(summary.folder)),
    ]
    if summary.failed:
        lines.append(
            _field(
                "Failures",
                f"{_count(summary.failed, 'run')} failed: the errors are in "
                f"{summary.folder / 'failures'} (in Python: load_sweep(...).failures). "
                "Run the same command again to retry them.",
            )
        )
    lines.append(_field("Next", f"genaisim analyse {shlex.quote(str(summary.folder))}"))
    return "\n".join(lines)


def format_interrupted(done: int, planned: int, folder: str, resume_command: str) -> str:
    """What to tell a user who pressed Ctrl-C during a sweep."""
    return "\n".join(
        [
            _wrap(
                f"Interrupted: {done:,} of {planned:,} runs are safely on disk in {folder}.",
                "",
            ),
            f"Resume with: {resume_command}",
        ]
    )


# -- analyse ---------------------------------------------------------------------------
def format_results_header(results: SweepResults) -> str:
    """Which experiment the results are from and how complete they are."""
    manifest = results.manifest
    design = manifest.get("experiment", {}).get("design", {})
    lines = [_field("Experiment", str(manifest.get("name")))]
    if manifest.get("description"):
        lines.append(_field("", manifest["description"]))
    planned = int(manifest.get("runs_planned", 0))
    done = int(results.runs["run_id"].nunique()) if not results.runs.empty else 0
    points = _count(int(manifest.get("design_points", len(results.points))), "design point")
    low, high = _replication_range(results)
    if low == high:
        replications = f"{points} x {_count(low, 'replication')}"
    else:
        replications = f"{points}, {low:,}\u2013{high:,} replications per point"
    text = f"{results.path}: {done:,} of {planned:,} runs; {design.get('kind', '?')} design, "
    text += replications
    adaptive = manifest.get("adaptive")
    if isinstance(adaptive, dict):
        text += (
            f" (adaptive: until the 95% interval of {outcome_label(str(adaptive['outcome']))} "
            f"is within {float(adaptive['precision']):.0%} of its mean, at most "
            f"{_count(int(adaptive['max_replications']), 'replication')})"
        )
    if done < planned:
        source = manifest.get("experiment_file") or "EXPERIMENT"
        text += (
            f". Incomplete: continue with genaisim sweep {shlex.quote(str(source))} "
            f"--out {shlex.quote(str(results.path))} --resume"
        )
    lines.append(_field("Results", text))
    if not results.failures.empty:
        lines.append(
            _field(
                "Failures",
                f"{_count(len(results.failures), 'run')} failed; see {results.path / 'failures'}",
            )
        )
    return "\n".join(lines)


def _replication_range(results: SweepResults) -> tuple[int, int]:
    """The fewest and most replications a design point has in the folder's plan.

    An adaptive sweep gives points different numbers, so the experiment's own
    ``replications`` describes only its first round.
    """
    from genaisim.experiments.store import DamagedFileError, read_parquet

    try:
        runs = read_parquet(results.path / "plan" / "runs.parquet", ["point", "replication"])
    except DamagedFileError:
        runs = pd.DataFrame()
    if runs.empty:
        n = int(results.manifest.get("replications", 0))
        return n, n
    counts = runs.groupby("point")["replication"].nunique()
    return int(counts.min()), int(counts.max())


def format_label_shares(table: pd.DataFrame, groups: Sequence[str]) -> str:
    """A :func:`genaisim.analysis.label_shares` table: percentages per label and group."""
    table, note = _truncated(table, MAX_ROWS, "groups")
    labels = [c for c in table.columns if c not in (*groups, "n")]
    total = int(table["n"].sum())
    lines = [f"Trajectories (share of {_count(total, 'replication x organisation row')})"]
    values = [Column("n", [_cell(int(v)) for v in table["n"]])]
    values += [Column(label, [f"{v:.0%}" for v in table[label]]) for label in labels]
    lines += text_table(_key_columns(table, groups), values)
    if note:
        lines.append(INDENT + note)
    return "\n".join(lines)


def format_outcomes(table: pd.DataFrame, groups: Sequence[str], confidence: float = 0.95) -> str:
    """A :func:`genaisim.analysis.summary_by` table: ``mean ± half-width`` per group and outcome."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    wide = table.assign(_half=(table["ci_high"] - table["ci_low"]) / 2)
    # The replications a group has: the count of its most complete outcome.
    key = wide.groupby(list(groups), sort=False, dropna=False)["n"].max().reset_index()
    key, note = _truncated(key, MAX_ROWS, "groups")
    counts = key["n"].to_numpy()
    values = [Column("n", [_cell(int(v)) for v in counts])]
    fewer = []
    for outcome in outcomes:
        rows = wide[wide["outcome"] == outcome].merge(
            key[list(groups)], on=list(groups), how="right"
        )
        decimals = _decimals(outcome, rows["mean"])
        cells = []
        for mean, half in zip(rows["mean"], rows["_half"], strict=True):
            text = _cell(float(mean), decimals)
            if not math.isnan(half):
                text += f" ± {_cell(float(half), decimals)}"
            cells.append(text)
        if (rows["n"].to_numpy() < counts).any():
            fewer.append(outcome_label(outcome))
        values.append(Column(outcome_label(outcome), cells, wrap=OUTCOME_WRAP))
    lines = [
        f"Outcomes (mean ± half-width of the {confidence:.0%} confidence interval; "
        "n: design point x replication means)"
    ]
    lines += text_table(_key_columns(key, groups), values)
    if note:
        lines.append(INDENT + note)
    if fewer:
        lines += [
            "",
            _wrap(
                f"{', '.join(fewer)}: over fewer replications in some groups, those where "
                "some organisation has a value."
            ),
        ]
    return "\n".join(lines)


def _factors(n: int, design: dict[str, Any]) -> str:
    """``3 parameters``, or with grouped parameters ``3 groups`` (a lone parameter is one)."""
    return _count(n, "group" if design.get("groups") else "parameter")


def format_sobol(table: pd.DataFrame, outcome: str, results: SweepResults) -> str:
    """A :func:`genaisim.analysis.sobol_indices` table with a key to reading it."""
    design = results.manifest.get("experiment", {}).get("design", {})
    lines = [
        f"Sobol indices of {outcome_label(outcome)}",
        _wrap(
            f"Base N = {design.get('samples')}, {_factors(len(table), design)}, "
            f"{_count(len(results.points), 'design point')}, each the mean of "
            f"{_count(int(results.manifest.get('replications', 1)), 'replication')}; "
            "± is the half-width of the 95% bootstrap interval."
        ),
    ]
    lines += text_table(
        [Column("parameter", table["parameter"].tolist(), right=False)],
        [
            Column("S1", [_cell(v, 3) for v in table["S1"]]),
            Column("± S1", [_cell(v, 3) for v in table["S1_conf"]]),
            Column("ST", [_cell(v, 3) for v in table["ST"]]),
            Column("± ST", [_cell(v, 3) for v in table["ST_conf"]]),
        ],
    )
    lines += [
        "",
        _wrap(
            "S1: share of the outcome's variance the parameter causes alone. ST: including "
            "its interactions with the others. ST well above S1: it acts through interactions."
        ),
    ]
    return "\n".join(lines)


def format_morris(table: pd.DataFrame, outcome: str, results: SweepResults) -> str:
    """A :func:`genaisim.analysis.morris_indices` table with a key to reading it."""
    design = results.manifest.get("experiment", {}).get("design", {})
    decimals = _decimals(outcome, table["mu_star"])
    lines = [
        f"Morris screening of {outcome_label(outcome)}",
        _wrap(
            f"{design.get('samples')} trajectories on {design.get('levels')} levels, "
            f"{_factors(len(table), design)}, "
            f"{_count(len(results.points), 'design point')}, each the mean of "
            f"{_count(int(results.manifest.get('replications', 1)), 'replication')}; "
            "± is the half-width of the 95% bootstrap interval of mu*."
        ),
    ]
    ordered = table.sort_values("mu_star", ascending=False)
    lines += text_table(
        [Column("parameter", ordered["parameter"].tolist(), right=False)],
        [
            Column(name, [_cell(v, decimals) for v in ordered[column]])
            for name, column in (
                ("mu*", "mu_star"),
                ("± mu*", "mu_star_conf"),
                ("mu", "mu"),
                ("sigma", "sigma"),
            )
        ],
    )
    lines += [
        "",
        _wrap(
            "mu*: mean absolute effect of one grid step (ranks importance). sigma: spread of "
            "the effects (non-linearity or interactions). mu far below mu*: effects of both signs."
        ),
    ]
    return "\n".join(lines)


def format_predictors(table: pd.DataFrame) -> str:
    """A :func:`genaisim.analysis.stable_production_predictors` table with its method."""
    deployments = table.attrs.get("deployments", 0)
    share = table.attrs.get("stable_share", math.nan)
    min_months = table.attrs.get("min_months", 12)
    shuffles, seed = table.attrs.get("shuffles"), table.attrs.get("seed")
    lines = [
        f"What predicts stable production (live {min_months} months or more)",
        _wrap(
            f"{deployments:,} deployments started at least "
            f"{table.attrs.get('history_months', 24)} months before the horizon; "
            f"{share:.0%} reached stable production. Logistic regression on standardised "
            "predictors (coefficient: log-odds per standard deviation); importance: the fall "
            "in log-likelihood per deployment when the predictor is shuffled "
            f"({shuffles} shuffles, seed {seed})."
        ),
    ]
    lines += text_table(
        [Column("predictor", table["predictor"].tolist(), right=False)],
        [
            Column("importance", [_cell(v, 4) for v in table["importance"]]),
            Column("± sd", [_cell(v, 4) for v in table["importance_sd"]]),
            Column("coefficient", [_cell(v, 2) for v in table["coefficient"]]),
            Column("std error", [_cell(v, 2) for v in table["std_error"]]),
        ],
    )
    return "\n".join(lines)


def format_replications(
    table: pd.DataFrame, outcome: str, enough: int | None, tolerance: float
) -> str:
    """A :func:`genaisim.analysis.replication_sufficiency` table and its verdict."""
    points = int(table.attrs.get("points", 1))
    lines = [
        f"Replication sufficiency of {outcome_label(outcome)} (Lorscheid, Heine & Meyer 2012)",
        _wrap(
            "Coefficient of variation over the first n replications"
            + (f", averaged over {_count(points, 'design point')}" if points > 1 else "")
            + "; change: from n - 1 to n."
        ),
    ]
    lines += text_table(
        [Column("n", [str(n) for n in table["replications"]])],
        [
            Column("cv", [_cell(v, 4) for v in table["cv"]]),
            Column("change", [_cell(v, 4) for v in table["change"]]),
            Column(
                "relative",
                ["-" if math.isnan(v) else f"{v:.1%}" for v in table["relative_change"]],
            ),
        ],
    )
    if enough is None:
        verdict = (
            f"The CV still changes by {tolerance:.1%} or more at the last replication: "
            "run more replications to find how many are enough."
        )
    else:
        verdict = (
            f"From n = {enough} on, the CV changes by less than {tolerance:.1%} per added "
            f"replication: {_count(enough, 'replication')} "
            f"{'is' if enough == 1 else 'are'} enough at this tolerance."
        )
    lines += ["", _wrap(verdict)]
    return "\n".join(lines)


def format_adaptive(summary: Any, outcome: str, precision: float) -> str:
    """How an adaptive sweep (``--until-ci``) ended: rounds, replications, points short."""
    reps = summary.replications
    lines = [
        _field(
            "Adaptive",
            f"{_count(summary.rounds, 'round')}; replications per design point from "
            f"{min(reps):,} to {max(reps):,} ({sum(reps):,} in all); "
            f"{_count(summary.completed, 'run')} run now, {summary.failed:,} failed, in "
            f"{duration(summary.seconds)}.",
        ),
    ]
    if summary.unmet:
        points = ", ".join(map(str, summary.unmet[:20])) + (
            " ..." if len(summary.unmet) > 20 else ""
        )
        lines.append(
            _field(
                "Short",
                f"{_count(len(summary.unmet), 'design point')} reached the cap with the 95% "
                f"interval of {outcome_label(outcome)} still wider than {precision:.0%} of "
                f"the mean: {points}",
            )
        )
    else:
        lines.append(
            _field(
                "Precision",
                f"every design point's 95% interval of {outcome_label(outcome)} is within "
                f"{precision:.0%} of its mean.",
            )
        )
    lines.append(_field("Results", str(summary.folder)))
    return "\n".join(lines)
