"""The explorer's Roadmap tab, testable without Streamlit: lever changes as table rows.

A strategist edits a table of lever changes, one lever a row (month, ramp, lever, new
value, label); rows with the same month, ramp and label are one
:class:`~genaisim.roadmap.Intervention`. Every table is validated through the
:class:`~genaisim.scenario.Scenario` (the rules live there), and its messages are put
in the table's words: rows, months and levers' plain names.

    >>> from genaisim import load_scenario
    >>> from genaisim.app_roadmap import plan_roadmap, rows_from_interventions, without_roadmap
    >>> example = load_scenario("roadmap_example")
    >>> rows = rows_from_interventions(example.interventions)
    >>> rows[0]["lever"], rows[0]["month"], rows[0]["value"]
    ('Ownership: owner probability', 3, 0.9)
    >>> plan_roadmap(without_roadmap(example), rows).scenario.interventions == example.interventions
    True

The link carries the roadmap as two query parameters beside the dotted parameter keys
(:func:`encode_roadmap`, :func:`decode_roadmap`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genaisim.errors import ScenarioError
from genaisim.results import Results
from genaisim.roadmap import (
    CurrentUseCase,
    Intervention,
    portfolio_to_csv,
    read_portfolio_csv,
)
from genaisim.scenario import Scenario, parameter_keys, scenario_dirs
from genaisim.timing import TimingComparison

#: The columns of the lever-change table, in order.
COLUMNS = ("month", "ramp_months", "lever", "value", "label")
#: The query parameters carrying the roadmap (parameters are dotted keys: no clash).
INTERVENTIONS_PARAM = "interventions"
PORTFOLIO_PARAM = "current_portfolio"
#: Longest current portfolio, in CSV characters, that the link carries (about 40 use
#: cases): longer links are cut by mail and chat programs. The scenario file has no limit.
MAX_LINK_PORTFOLIO_CHARS = 3000
#: The template of a current portfolio, looked up where the named scenarios are.
TEMPLATE = "portfolio_template.csv"
#: Where a roadmap's validation messages say they come from (stripped from them).
SOURCE = "roadmap"


# -- levers and plain words ------------------------------------------------------------
@cache
def lever_names() -> dict[str, str]:
    """The plain name of every lever that can change mid-run, by dotted key, in sidebar order.

    A name is the lever's sidebar group and label, e.g. ``"Ownership: owner probability"``;
    a parameter made changeable mid-run in :mod:`genaisim.roadmap` appears here by itself.
    """
    return {p.key: f"{p.pattern}: {_words(p.key)}" for p in Scenario().parameters() if p.mid_run}


@cache
def _whole_levers() -> dict[str, bool]:
    """Whether each lever takes whole numbers only, by dotted key."""
    return {p.key: p.kind is int for p in Scenario().parameters() if p.mid_run}


def lever_key(name: str) -> str | None:
    """The dotted key of a lever's plain name, or None when no lever has that name."""
    return {v: k for k, v in lever_names().items()}.get(name)


def _words(key: str) -> str:
    """A parameter's name in words, as the sidebar labels it: ``owner probability``."""
    return key.rpartition(".")[2].replace("_", " ")


def lever_help(scenario: Scenario, key: str) -> str:
    """A lever's value now and what it allows: ``now 0.3; allowed 0 to 1 (probability)``."""
    info = next(p for p in scenario.parameters() if p.key == key)
    unit = f" ({info.unit})" if info.unit else ""
    whole = " whole numbers" if info.kind is int else ""
    return f"now {info.value:g}; allowed{whole} {info.low:g} to {info.high:g}{unit}"


_KEY = re.compile(r"\b[a-z_]+\.[a-z_]+\b")
#: Field names of the roadmap's rows as a message puts them, and in words.
_FIELDS = {
    "ramp_months": "ramp (months)",
    "current_portfolio": "current portfolio",
    "'set'": "the list of levers",
    "set is missing": "the levers to change are missing",
}


def plain(message: str) -> str:
    """A validation message with dotted keys and field names put in words."""
    keys = set(parameter_keys())
    text = _KEY.sub(lambda m: _words(m.group()) if m.group() in keys else m.group(), message)
    for name, words in _FIELDS.items():
        text = text.replace(name, words)
    return text


def _detail(exc: ScenarioError, source: str = SOURCE) -> str:
    """The message of a roadmap's validation without its source and row prefix."""
    lines = []
    for line in str(exc).splitlines():
        line = line.removeprefix(f"{source}: ")
        line = re.sub(r"^interventions\[\d+\](?: \(month -?\d+\))?(?::\s*|\.)", "", line)
        lines.append(plain(line))
    return "; ".join(lines)


def portfolio_message(exc: ScenarioError) -> str:
    """A current portfolio's validation message in words: rows are use cases, from 1."""
    text = str(exc).replace("current_portfolio: ", "")
    return plain(re.sub(r"current_portfolio\[(\d+)\]", r"use case \1", text))


def auto_label(changes: Mapping[str, Any]) -> str:
    """A label for changes given none: ``owner probability to 0.9, triage to 0.5``."""
    return ", ".join(f"{_words(key)} to {value:g}" for key, value in changes.items())


# -- rows and interventions --------------------------------------------------------------
def rows_from_interventions(interventions: Iterable[Intervention]) -> list[dict[str, Any]]:
    """The table rows showing interventions: one row per lever changed."""
    names = lever_names()
    rows = []
    for intervention in interventions:
        label = "" if intervention.label == auto_label(intervention.set) else intervention.label
        for key, value in intervention.set.items():
            rows.append(
                {
                    "month": intervention.month,
                    "ramp_months": intervention.ramp_months,
                    "lever": names.get(key, key),
                    "value": value,
                    "label": label,
                }
            )
    return rows


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def _whole(value: Any) -> int | None:
    """``value`` as a whole number, or None when it is not one."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


@dataclass
class RowsRead:
    """What a lever-change table says: interventions (as dicts), and what is wrong with it.

    ``singles`` holds, per complete row, its row number (from 1) and the intervention of
    that row alone, to validate rows one at a time.
    """

    interventions: list[dict[str, Any]] = field(default_factory=list)
    singles: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    incomplete: list[int] = field(default_factory=list)


def read_rows(rows: Sequence[Mapping[str, Any]]) -> RowsRead:
    """Group table rows into interventions: rows of the same month, ramp and label are one.

    An empty row is skipped; a row without month, lever or value is incomplete (listed,
    not applied). A row without a label is labelled by what it changes.
    """
    read = RowsRead()
    groups: dict[tuple[int, int, str], dict[str, Any]] = {}
    first_row: dict[tuple[int, int, str, str], int] = {}
    for number, row in enumerate(rows, start=1):
        if all(_missing(row.get(column)) for column in COLUMNS):
            continue
        if any(_missing(row.get(column)) for column in ("month", "lever", "value")):
            read.incomplete.append(number)
            continue
        key = lever_key(str(row["lever"]))
        if key is None:
            read.problems.append(
                f"Row {number}: {row['lever']!r} is not a lever that can change during the "
                "run; choose one from the list"
            )
            continue
        month = _whole(row["month"])
        ramp = 0 if _missing(row.get("ramp_months")) else _whole(row["ramp_months"])
        if month is None or ramp is None:
            read.problems.append(f"Row {number}: the month and the ramp are whole numbers")
            continue
        try:
            value = float(row["value"])
        except (TypeError, ValueError):
            read.problems.append(f"Row {number}: the new value {row['value']!r} is not a number")
            continue
        if value.is_integer() and _whole_levers().get(key, False):
            value = int(value)
        label = "" if _missing(row.get("label")) else str(row["label"]).strip()
        read.singles.append(
            (number, {"month": month, "ramp_months": ramp, "set": {key: value}, "label": label})
        )
        group = groups.setdefault(
            (month, ramp, label), {"month": month, "ramp_months": ramp, "set": {}, "label": label}
        )
        twice = first_row.setdefault((month, ramp, label, key), number)
        if twice != number:
            read.problems.append(
                f"Rows {twice} and {number} both change {lever_names()[key]} in the same "
                "change; keep one"
            )
        group["set"][key] = value
    for group in groups.values():
        group["label"] = group["label"] or auto_label(group["set"])
        read.interventions.append(group)
    return read


def apply_editor_state(
    rows: Sequence[Mapping[str, Any]], state: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The table after a data editor's edits (``edited_rows``, ``deleted_rows``, ``added_rows``).

    Edited and deleted rows are counted in ``rows`` (from 0), as the editor counts them;
    added rows come last, as the editor shows them.
    """
    table = [{column: row.get(column) for column in COLUMNS} for row in rows]
    state = state or {}
    for position, changes in (state.get("edited_rows") or {}).items():
        position = int(position)
        if 0 <= position < len(table):
            table[position].update({k: v for k, v in changes.items() if k in COLUMNS})
    deleted = {int(position) for position in state.get("deleted_rows") or ()}
    table = [row for position, row in enumerate(table) if position not in deleted]
    for added in state.get("added_rows") or ():
        table.append({column: added.get(column) for column in COLUMNS})
    return table


def editor_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The rows as the data editor shows them: whole months, decimal values, text."""
    frame = pd.DataFrame([{c: row.get(c) for c in COLUMNS} for row in rows], columns=COLUMNS)
    return frame.astype(
        {
            "month": "Int64",
            "ramp_months": "Int64",
            "lever": "object",
            "value": "Float64",
            "label": "object",
        }
    )


# -- the scenario with a roadmap ------------------------------------------------------
def with_roadmap(
    scenario: Scenario,
    interventions: Iterable[Intervention | Mapping[str, Any]],
    portfolio: Iterable[CurrentUseCase] = (),
    source: str = SOURCE,
) -> Scenario:
    """The scenario with these interventions and current portfolio instead of its own.

    Unlike :meth:`Scenario.with_portfolio` this leaves ``organisation.start_month`` as it
    is, so that a portfolio on a scenario whose programme has not started is refused, not
    silently moved. Raises :class:`ScenarioError` naming ``source``.
    """
    # Unchecked until with_interventions validates the whole scenario, portfolio included.
    bare = scenario.model_copy(update={"interventions": (), "current_portfolio": tuple(portfolio)})
    return bare.with_interventions(list(interventions), source=source)


def without_roadmap(scenario: Scenario) -> Scenario:
    """The scenario with neither interventions nor a current portfolio."""
    if not scenario.interventions and not scenario.current_portfolio:
        return scenario
    return scenario.model_copy(update={"interventions": (), "current_portfolio": ()})


def _labelled(interventions: Iterable[Intervention]) -> list[Intervention]:
    """Interventions with a label, for comparing tables that label them differently."""
    return [iv.model_copy(update={"label": iv.label or auto_label(iv.set)}) for iv in interventions]


def same_roadmap(one: Scenario, other: Scenario) -> bool:
    """Whether two scenarios change the same levers at the same months from the same portfolio."""
    return (
        _labelled(one.interventions) == _labelled(other.interventions)
        and one.current_portfolio == other.current_portfolio
    )


@dataclass(frozen=True)
class RoadmapPlan:
    """A scenario with the roadmap of a table, and what could not be applied.

    Attributes:
        scenario: the scenario run: the table's lever changes when they are valid, else
            the ones applied before (``fallback``), else none.
        problems: one plain line per problem of the table (none when it was applied).
        incomplete: rows (from 1) still missing a month, lever or value: not applied.
        portfolio_problem: why the current portfolio was left out ("" when it is in).

    """

    scenario: Scenario
    problems: tuple[str, ...] = ()
    incomplete: tuple[int, ...] = ()
    portfolio_problem: str = ""


def plan_roadmap(
    scenario: Scenario,
    rows: Sequence[Mapping[str, Any]],
    portfolio: Sequence[CurrentUseCase] = (),
    fallback: Sequence[Intervention] = (),
    base: Scenario | None = None,
) -> RoadmapPlan:
    """The scenario with the table's lever changes and the current portfolio.

    A table with a bad row keeps the lever changes applied before (``fallback``): the
    scenario stays as it was, and ``problems`` names the row. When the roadmap differs
    from that of ``base``, the name gets ``(edited)``, as a changed slider does.
    """
    start, portfolio_problem = scenario, ""
    if portfolio:
        try:
            start = with_roadmap(scenario, (), portfolio)
        except ScenarioError as exc:
            portfolio_problem = portfolio_message(exc).removeprefix(f"{SOURCE}: ")
    read = read_rows(rows)
    problems = list(read.problems)
    if not problems:
        for number, single in read.singles:
            try:
                with_roadmap(start, [single], start.current_portfolio)
            except ScenarioError as exc:
                (key, value), month = next(iter(single["set"].items())), single["month"]
                problems.append(
                    f"Row {number} ({lever_names()[key]} to {value:g} from month {month}): "
                    f"{_detail(exc)}"
                )
    result = start
    if not problems:
        try:
            result = with_roadmap(start, read.interventions, start.current_portfolio)
        except ScenarioError as exc:
            problems.append(f"The lever changes do not fit together: {_detail(exc)}")
    if problems:
        try:
            result = with_roadmap(start, fallback, start.current_portfolio)
        except ScenarioError:
            problems.append(
                "The lever changes applied before do not fit this scenario either; "
                "none is applied until the table is fixed"
            )
    if base is not None and not same_roadmap(result, base) and not result.name.endswith("(edited)"):
        result = result.with_changes({"name": f"{result.name} (edited)"})
    return RoadmapPlan(result, tuple(problems), tuple(read.incomplete), portfolio_problem)


# -- what the tab shows -------------------------------------------------------------------
def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def portfolio_summary(rows: Sequence[CurrentUseCase]) -> str:
    """How many pilots and live systems a portfolio has: ``6 pilots and 2 live systems``."""
    stages = [row.stage for row in rows]
    return (
        f"{_count(stages.count('pilot'), 'pilot')} and "
        f"{_count(stages.count('production'), 'live system')}"
    )


#: Plain names of a current portfolio's columns, for display.
PORTFOLIO_HEADINGS = {
    "use_case": "Use case",
    "business_line": "Business line",
    "stage": "Stage",
    "months_in_stage": "Months in stage",
    "owner_kind": "Owner",
    "kpis_defined": "KPIs",
    "sourcing": "Built or bought",
    "quality": "Quality",
    "adoption": "Adoption",
    "business_unit": "Business unit",
    "volume": "Tasks a month",
    "manual_minutes": "Minutes a task today",
    "ai_minutes": "Minutes a task with AI",
    "review_minutes": "Review minutes",
    "manual_error_rate": "Error rate today",
    "error_cost": "Cost of an error",
    "data_dependence": "Data dependence",
}
_OWNER_WORDS = {"business": "business unit", "technology": "technology team", "none": "nobody"}


def portfolio_table(rows: Sequence[CurrentUseCase]) -> pd.DataFrame:
    """A current portfolio as a table in plain words, with the columns its rows use."""
    frame = pd.DataFrame([row.model_dump() for row in rows]).dropna(axis="columns", how="all")
    frame["use_case"] = frame["use_case"].str.replace("_", " ")
    frame["owner_kind"] = frame["owner_kind"].map(_OWNER_WORDS)
    frame["kpis_defined"] = frame["kpis_defined"].map({True: "yes", False: "no"})
    frame = frame.astype(object).where(frame.notna(), "")
    return frame.rename(columns=PORTFOLIO_HEADINGS)


def in_millions(difference: pd.DataFrame) -> pd.DataFrame:
    """A what-if difference table with money in millions (one unit on the page)."""
    table = difference.copy()
    money = table["outcome"].str.endswith("(k)")
    numbers = [c for c in table.columns if c != "outcome"]
    table[numbers] = table[numbers].astype(float)
    table.loc[money, numbers] = table.loc[money, numbers] / 1000
    table["outcome"] = table["outcome"].str.replace("(k)", "(M)", regex=False)
    return table


def plan_headline(difference: pd.DataFrame, years: int) -> str:
    """What the plan adds to cumulative net value, with its interval, in one sentence.

    ``difference`` is :func:`in_millions` of the plan against no change, with columns
    ``difference``, ``ci_low`` and ``ci_high``.
    """
    row = difference[difference["outcome"].str.startswith("Cumulative net value")].iloc[0]
    verb = "adds" if row["difference"] >= 0 else "loses"
    return (
        f"Over {years} years the plan {verb} {abs(row['difference']):,.1f} M of cumulative "
        f"net value against changing nothing (95% interval {row['ci_low']:+,.1f} to "
        f"{row['ci_high']:+,.1f} M; means over replications, paired on the same random numbers)."
    ).replace("-", "\u2212")


def roadmap_lines(scenario: Scenario) -> list[str]:
    """One line per lever change of the scenario, in plain words, in month order."""
    names = lever_names()
    lines = []
    for iv in sorted(scenario.interventions, key=lambda iv: iv.month):
        ramp = f" over {_count(iv.ramp_months, 'month')}" if iv.ramp_months else ""
        changes = ", ".join(f"{names.get(k, k)} to {v:g}" for k, v in iv.set.items())
        title = iv.label if iv.label and iv.label != auto_label(iv.set) else ""
        lines.append(
            f"Month {iv.month}{ramp}: {title} ({changes})"
            if title
            else f"Month {iv.month}{ramp}: {changes}"
        )
    return lines


def roadmap_caption(scenario: Scenario) -> str:
    """What the scenario's roadmap is, in one sentence (empty when it has none)."""
    parts = []
    if scenario.current_portfolio:
        parts.append(f"starts from {portfolio_summary(scenario.current_portfolio)}")
    if scenario.interventions:
        parts.append(f"has {_count(len(scenario.interventions), 'lever change')} over time")
    if not parts:
        return ""
    return f"This scenario {' and '.join(parts)} (see the Roadmap tab)."


def renamed(results: Results, name: str) -> Results:
    """The results under another scenario name (for a chart's legend), without running again."""
    return dataclasses.replace(results, scenario=results.scenario.model_copy(update={"name": name}))


def template_path() -> Path | None:
    """The current-portfolio template, where the named scenarios are; None if not found."""
    for folder in scenario_dirs():
        path = folder / TEMPLATE
        if path.is_file():
            return path
    return None


def read_portfolio(data: bytes, filename: str) -> tuple[CurrentUseCase, ...]:
    """An uploaded current-portfolio CSV, validated; :class:`ScenarioError` names the file."""
    return read_portfolio_csv(data, Path(filename).name or "portfolio.csv")


def timing_table(comparison: TimingComparison) -> pd.DataFrame:
    """The cost-of-waiting table as display text, money in millions."""
    years = comparison.scenario.simulation.years
    rows = []
    for row in comparison.table().itertuples():
        lost = (
            ""
            if row.Index == 0
            else _interval_m(row.delay_cost, row.delay_cost_low, row.delay_cost_high)
        )
        rows.append(
            {
                "starts": row.start,
                f"{years}-year value (M)": _interval_m(row.value, row.value_low, row.value_high),
                "break-even month": "after the run"
                if np.isnan(row.break_even)
                else f"{row.break_even:.0f}",
                "lost against the earliest start (M)": lost,
            }
        )
    return pd.DataFrame(rows)


def _interval_m(mean: float, low: float, high: float) -> str:
    if np.isnan(low):
        return f"{mean / 1000:,.1f}"
    return f"{mean / 1000:,.1f} ({low / 1000:,.1f} to {high / 1000:,.1f})"


# -- the link ----------------------------------------------------------------------------
def _compact(intervention: Intervention) -> dict[str, Any]:
    data: dict[str, Any] = {"month": intervention.month, "set": dict(intervention.set)}
    if intervention.ramp_months:
        data["ramp_months"] = intervention.ramp_months
    if intervention.label:
        data["label"] = intervention.label
    return data


def encode_roadmap(scenario: Scenario, preset: Scenario) -> tuple[dict[str, str], list[str]]:
    """Query parameters for the roadmap where it differs from the preset's, and notes.

    A note says what the link leaves out: a current portfolio longer than
    :data:`MAX_LINK_PORTFOLIO_CHARS`.
    """
    query: dict[str, str] = {}
    notes: list[str] = []
    if _labelled(scenario.interventions) != _labelled(preset.interventions):
        compact = [_compact(iv) for iv in scenario.interventions]
        query[INTERVENTIONS_PARAM] = json.dumps(compact, separators=(",", ":"))
    if scenario.current_portfolio != preset.current_portfolio:
        rows = scenario.current_portfolio
        text = portfolio_to_csv(rows) if rows else ""
        if len(text) <= MAX_LINK_PORTFOLIO_CHARS:
            query[PORTFOLIO_PARAM] = text
        else:
            notes.append(
                f"The link does not carry the current portfolio: its {len(rows)} use cases are "
                "too many for a link. Download the scenario (.toml), which holds them, and "
                "upload it to reopen this roadmap."
            )
    return query, notes


def decode_roadmap(
    scenario: Scenario, query: Mapping[str, str | Sequence[str]]
) -> tuple[Scenario, list[str]]:
    """The scenario with the roadmap a link carries, and what was ignored from it.

    The portfolio is read first, then the lever changes (which may depend on the run's
    length, set by the parameters before). A part that does not fit is left out.
    """
    problems: list[str] = []
    if PORTFOLIO_PARAM in query:
        text = _single(query[PORTFOLIO_PARAM])
        where = "the link's current portfolio"
        try:
            rows = read_portfolio_csv(text.encode("utf-8"), where) if text.strip() else ()
            scenario = with_roadmap(scenario, scenario.interventions, rows, where)
        except ScenarioError as exc:
            problems.append(portfolio_message(exc))
    if INTERVENTIONS_PARAM in query:
        try:
            interventions = json.loads(_single(query[INTERVENTIONS_PARAM]))
            if not isinstance(interventions, list) or not all(
                isinstance(iv, dict) for iv in interventions
            ):
                raise ValueError("not a list of changes")
        except ValueError:
            problems.append("the link's lever changes, which are not readable")
        else:
            try:
                scenario = with_roadmap(
                    scenario, interventions, scenario.current_portfolio, "the link"
                )
            except ScenarioError as exc:
                detail = _detail(exc, "the link")
                problems.append(f"the link's lever changes, because {detail}")
    return scenario, problems


def _single(value: str | Sequence[str]) -> str:
    return value if isinstance(value, str) else str(value[-1])
