"""Plain-text reports of scenarios and results, for a terminal or a log file.

The command line prints these; a script can too:

    >>> import genaisim
    >>> from genaisim.report import format_summary
    >>> print(format_summary(genaisim.simulate("compounder", replications=4, years=3)))
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from genaisim.errors import GenaisimError
from genaisim.labels import LABELS
from genaisim.results import Results
from genaisim.scenario import (
    SECTIONS,
    ParameterInfo,
    Scenario,
    available_scenarios,
    load_scenario,
    scenario_dirs,
)

WIDTH = 100
INTERVAL = (0.05, 0.95)  # the 90% interval reported beside every mean


@dataclass(frozen=True)
class Outcome:
    """One column of :meth:`Results.summary` as a summary reports it."""

    column: str
    label: str
    decimals: int
    #: Which rows have a value, for outcomes that some rows lack.
    defined_for: str = "with a value"


IN_PRODUCTION_AT_END = "with a system in production at the end"

#: The outcomes a summary reports, in the order shown.
KEY_OUTCOMES: tuple[Outcome, ...] = (
    Outcome("cumulative_net_value", "cumulative net value (k)", 0),
    Outcome("net_value_year_before", "net value in the year before (k)", 0),
    Outcome("net_value_last_year", "net value in the last year (k)", 0),
    Outcome(
        "months_to_payback",
        "months from first pilot to payback",
        1,
        "where the programme paid back within the horizon",
    ),
    Outcome("pilots_started", "pilots started", 1),
    Outcome("production", "in production at end", 1),
    Outcome("pilots_open", "pilots open at end", 1),
    Outcome("permanent_prototypes", "permanent prototypes", 1),
    Outcome(
        "median_months_to_production",
        "median months to production",
        1,
        "where a system ever reached production",
    ),
    Outcome("production_quality", "production quality", 2, IN_PRODUCTION_AT_END),
    Outcome("reviewer_engagement", "reviewer engagement", 2, IN_PRODUCTION_AT_END),
    Outcome("data_quality", "data quality", 2),
    Outcome("leadership_confidence", "leadership confidence", 2),
)


# -- tables --------------------------------------------------------------------
def label_share_table(summary: pd.DataFrame) -> pd.Series:
    """Share of rows of a :meth:`Results.summary` table with each label, in ``LABELS`` order.

    Labels no row has are kept, with share 0, so reports always show all of them.
    """
    shares = summary["label"].value_counts(normalize=True)
    order = list(LABELS) + [label for label in shares.index if label not in LABELS]
    return shares.reindex(order, fill_value=0.0).rename("share")


def outcome_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Mean, 5th and 95th percentile and row count of each key outcome.

    One row per :data:`KEY_OUTCOMES` entry, indexed by column name. ``rows`` counts the
    rows with a value: a replication whose organisation never took a system to
    production has no months-to-production.
    """
    low, high = INTERVAL
    records = []
    for outcome in KEY_OUTCOMES:
        values = pd.to_numeric(summary[outcome.column], errors="coerce").dropna()
        records.append(
            {
                "outcome": outcome.column,
                "mean": values.mean(),
                "low": values.quantile(low),
                "high": values.quantile(high),
                "rows": len(values),
            }
        )
    return pd.DataFrame(records).set_index("outcome")


# -- results -------------------------------------------------------------------
def format_summary(results: Results, changes: Mapping[str, Any] | None = None) -> str:
    """A readable plain-text summary of simulated results.

    It gives the scenario, the run settings, the share of trajectories with each label
    and, for each key outcome, the mean and the 90% interval (5th to 95th percentile)
    across the replication x organisation rows of :meth:`Results.summary`.

    Args:
        results: what :func:`genaisim.simulate` returned.
        changes: dotted-key changes made to the named scenario, listed under its name.

    """
    scenario = results.scenario
    summary = results.summary()
    rows = len(summary)
    organisations = scenario.population.organisations
    lines = [_field("Scenario", scenario.name)]
    if scenario.description:
        lines.append(_field("", scenario.description))
    if changes:
        lines.append(_field("Changes", ", ".join(f"{k} = {v!r}" for k, v in changes.items())))
    for intervention in scenario.interventions:
        ramp = f" over {intervention.ramp_months} months" if intervention.ramp_months else ""
        changes_text = ", ".join(f"{k} = {v:g}" for k, v in intervention.set.items())
        title = f"{intervention.label}: " if intervention.label else ""
        lines.append(_field("Timeline", f"month {intervention.month}{ramp}: {title}{changes_text}"))
    if scenario.current_portfolio:
        stages = [row.stage for row in scenario.current_portfolio]
        lines.append(
            _field(
                "Portfolio",
                f"{_count(stages.count('pilot'), 'pilot')} and "
                f"{_count(stages.count('production'), 'live system')} at the start (the "
                "programme is running: organisation.start_month = 0)",
            )
        )
    lines.append(
        _field(
            "Runs",
            f"{_count(results.replications, 'replication')} x "
            f"{_count(organisations, 'organisation')}, "
            f"{_count(results.years, 'year')}, seed {results.seed}",
        )
    )

    lines += ["", f"Trajectories (share of {_count(rows, 'replication x organisation row')})"]
    shares = label_share_table(summary)
    label_width = max(len(label) for label in shares.index)
    bar_width = 40
    for label, share in shares.items():
        bar = "#" * round(share * bar_width)
        lines.append(f"  {label:<{label_width}}  {share:>4.0%}  {bar}".rstrip())

    paid = summary["months_to_payback"].notna()
    lines += [
        "",
        _field(
            "Payback",
            f"{paid.mean():.0%} of rows paid back the programme's cumulative costs within "
            f"{_count(results.years, 'year')}"
            + (
                f" (median {summary.loc[paid, 'months_to_payback'].median():.0f} months after "
                f"{'the start' if scenario.current_portfolio else 'the first pilot'}, among those)"
                if paid.any()
                else ""
            ),
        ),
    ]

    table = outcome_table(summary)
    lo, hi = (f"{q:.0%}" for q in INTERVAL)
    name_width = max(len(o.label) for o in KEY_OUTCOMES)
    lines += [
        "",
        "Outcomes per organisation (mean and 90% interval across rows)",
        f"  {'':<{name_width}}  {'mean':>10}  {lo:>10}  {hi:>10}",
    ]
    notes = []
    for outcome in KEY_OUTCOMES:
        row = table.loc[outcome.column]
        cells = [_number(row[stat], outcome.decimals) for stat in ("mean", "low", "high")]
        lines.append(f"  {outcome.label:<{name_width}}  " + "  ".join(f"{c:>10}" for c in cells))
        defined = int(row["rows"])
        if defined < rows:
            notes.append(
                f"{outcome.label}: over the {defined} of {rows} rows {outcome.defined_for}"
            )
    if notes:
        lines.append("")
        lines += [_wrap(note, "  ") for note in notes]
    if "draw" in summary.columns:
        lines += ["", *_parameter_uncertainty(summary)]
    elif scenario.posterior:
        lines += [
            "",
            _wrap(
                "This scenario is calibrated: its fitted parameters are at their posterior "
                "medians. Run it with --posterior N (e.g. 50) to see how much the results "
                "move over parameter sets drawn from the posterior (docs/calibration.md).",
                "",
            ),
        ]
    return "\n".join(lines)


def posterior_intervals(summary: pd.DataFrame, level: float = 0.9) -> pd.DataFrame:
    """Parameter uncertainty: per outcome, the interval of the per-draw means over draws.

    Each posterior draw's mean (over its replications and organisations) is one
    plausible value of the outcome's mean; their spread over draws is what the
    calibration leaves uncertain. Beside it, ``within`` is the mean width of the 90%
    range across rows inside one draw: organisations and chance.
    """
    tail = (1.0 - level) / 2.0
    records = []
    for outcome in KEY_OUTCOMES:
        values = summary[["draw", outcome.column]].dropna()
        means = values.groupby("draw")[outcome.column].mean()
        spread = values.groupby("draw")[outcome.column].quantile(1 - tail) - values.groupby("draw")[
            outcome.column
        ].quantile(tail)
        records.append(
            {
                "outcome": outcome.column,
                "mean": means.mean(),
                "low": means.quantile(tail),
                "high": means.quantile(1 - tail),
                "within": spread.mean(),
            }
        )
    return pd.DataFrame(records).set_index("outcome")


def _parameter_uncertainty(summary: pd.DataFrame) -> list[str]:
    draws = summary["draw"].nunique()
    table = posterior_intervals(summary)
    name_width = max(len(o.label) for o in KEY_OUTCOMES)
    lines = [
        f"Parameter uncertainty ({_count(draws, 'posterior draw')}): the mean of each outcome",
        "per draw, its 90% interval over draws (what calibration leaves open), and the",
        "width of the 90% range inside one draw (organisations and chance)",
        f"  {'':<{name_width}}  {'mean':>10}  {'5%':>10}  {'95%':>10}  {'in a draw':>10}",
    ]
    for outcome in KEY_OUTCOMES:
        row = table.loc[outcome.column]
        cells = [_number(row[stat], outcome.decimals) for stat in ("mean", "low", "high")]
        cells.append(_number(row["within"], outcome.decimals))
        lines.append(f"  {outcome.label:<{name_width}}  " + "  ".join(f"{c:>10}" for c in cells))
    shares = summary.groupby("draw")["label"].value_counts(normalize=True).unstack(fill_value=0.0)
    lines += ["", "  Label shares over draws (median and 90% interval)"]
    for label in shares.columns:
        q = shares[label].quantile([0.05, 0.5, 0.95])
        lines.append(
            f"    {label:<12} {q.loc[0.5]:>4.0%}  ({q.loc[0.05]:.0%} to {q.loc[0.95]:.0%})"
        )
    return lines


def _field(name: str, text: str) -> str:
    return textwrap.fill(
        text,
        WIDTH,
        initial_indent=f"{name:<10}",
        subsequent_indent=" " * 10,
        break_on_hyphens=False,
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _number(value: float, decimals: int) -> str:
    if pd.isna(value):
        return "-"
    return f"{value:,.{decimals}f}"


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(
        text, WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    )


# -- scenarios -----------------------------------------------------------------
def format_parameters(scenario: Scenario) -> str:
    """Every parameter of a scenario, by section, with value, unit, range and help.

    A ``*`` in the first column marks a value that differs from the documented default,
    and the default is shown beside it.
    """
    infos = scenario.parameters()
    key_width = max(len(info.key) for info in infos)
    # Capped so that one long value does not push every row past the terminal's width.
    value_width = min(max(len(_value_cell(info)) for info in infos), 20)
    lines = [_field("Scenario", scenario.name)]
    if scenario.description:
        lines.append(_field("", scenario.description))
    changed = sum(_is_changed(info) for info in infos)
    lines.append(
        _field("Legend", f"* differs from the default ({changed} of {len(infos)} parameters)")
    )
    lines.append(
        _field("", "mid-run: a lever an intervention can change over time ([[interventions]])")
    )
    section = None
    for info in infos:
        if info.section != section:
            section = info.section
            lines += ["", _section_heading(info)]
        mark = "*" if _is_changed(info) else " "
        mid_run = "mid-run" if info.mid_run else ""
        unit_and_range = ", ".join(part for part in (info.unit, _range(info), mid_run) if part)
        row = f"{mark} {info.key:<{key_width}}  {_value_cell(info):<{value_width}}"
        if len(row) + 2 + len(unit_and_range) <= WIDTH:
            lines.append(f"{row}  {unit_and_range}".rstrip())
        else:
            lines += [row.rstrip(), f"      {unit_and_range}"]
        lines += [f"      {entry}" for entry in _dict_entries(info.value)]
        if info.help:
            lines.append(_wrap(info.help, " " * 6))
    if scenario.interventions:
        lines += ["", "[[interventions]]  Timed changes to levers, at the start of their month."]
        for iv in scenario.interventions:
            ramp = f" over {iv.ramp_months} months" if iv.ramp_months else ""
            changes = ", ".join(f"{k} = {v:g}" for k, v in iv.set.items())
            lines.append(_wrap(f"month {iv.month}{ramp}: {changes}", "  "))
            if iv.label:
                lines.append(_wrap(iv.label, " " * 6))
    if scenario.current_portfolio:
        lines += ["", "[[current_portfolio]]  What the organisation runs at the start."]
        for row in scenario.current_portfolio:
            lines.append(
                f"  {row.use_case} (line {row.business_line}): {row.stage}, "
                f"{row.months_in_stage} months, owner {row.owner_kind}"
                f"{', KPIs' if row.kpis_defined else ''}, {row.sourcing}"
            )
    return "\n".join(lines)


def _section_heading(info: ParameterInfo) -> str:
    # A section's docstring names its pattern and says what it covers.
    doc = (SECTIONS[info.section].__doc__ or info.pattern).strip().splitlines()
    heading = f"[{info.section}]  "
    return textwrap.fill(
        doc[0] if doc else "",
        WIDTH,
        initial_indent=heading,
        subsequent_indent=" " * len(heading),
        break_on_hyphens=False,
    )


def _is_changed(info: ParameterInfo) -> bool:
    return bool(info.value != info.default)


def _value_cell(info: ParameterInfo) -> str:
    value = _scalar(info.value)
    # A table's entries are listed below it, which says more than its default would.
    if _is_changed(info) and not isinstance(info.value, Mapping):
        value += f" (default {_scalar(info.default)})"
    return value


def _scalar(value: Any) -> str:
    if isinstance(value, Mapping):
        # The entries are listed on their own lines below; here only how many.
        return f"{len(value)} entries" if value else "none"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _dict_entries(value: Any) -> list[str]:
    if not isinstance(value, Mapping):
        return []
    return [f"{key} = {_scalar(v)}" for key, v in value.items()]


def _range(info: ParameterInfo) -> str:
    if info.low is None or info.high is None:
        return ""
    return f"{_scalar(info.low)} to {_scalar(info.high)}"


def format_scenarios() -> str:
    """The named scenarios :func:`genaisim.load_scenario` finds, each with its description.

    A file that fails to load is listed with its error message, so one broken file
    does not hide the others.
    """
    found = available_scenarios()
    if not found:
        places = ", ".join(str(d) for d in scenario_dirs()) or "./scenarios"
        return f"No named scenarios found (looked in {places})."
    name_width = max(len(name) for name in found)
    indent = " " * (name_width + 4)
    lines = []
    for name, path in found.items():
        try:
            about = load_scenario(path).description or "(no description)"
        except (GenaisimError, ValueError, OSError) as exc:
            # Messages may list several problems, one a line; a listing keeps one line each.
            about = "cannot load: " + "; ".join(str(exc).splitlines())
        lines.append(
            textwrap.fill(
                about,
                WIDTH,
                initial_indent=f"  {name:<{name_width}}  ",
                subsequent_indent=indent,
                break_on_hyphens=False,
            )
        )
    places = ", ".join(str(d) for d in scenario_dirs())
    return "\n".join([*lines, "", _wrap(f"From {places}.", "")])
