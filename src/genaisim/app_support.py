"""Pure functions behind the Streamlit app, testable without Streamlit.

The app (``app.py``) is a thin shell: it turns the specs built here into widgets and
the tables built here into charts. Everything here is plain data in, plain data out:

    >>> from genaisim import load_scenario
    >>> from genaisim.app_support import encode_query, decode_query
    >>> s = load_scenario("baseline").with_changes({"feedback.culture": 0.8})
    >>> query = encode_query("baseline", s)
    >>> query["feedback.culture"]
    '0.8'
    >>> decode_query(query).scenario.feedback.culture
    0.8
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from genaisim import app_roadmap
from genaisim.errors import ScenarioError
from genaisim.intervals import replication_interval
from genaisim.labels import LABELS
from genaisim.report import KEY_OUTCOMES, posterior_intervals
from genaisim.results import Results, simulate
from genaisim.scenario import Scenario, load_scenario, parameter_keys, scenario_from_toml

if TYPE_CHECKING:
    from genaisim.calibration.posterior import Posterior

#: Keys the sidebar does not render as generated sliders: the spread is a table, and the
#: replications and seed get their own widgets.
NOT_GENERATED = (
    "population.spread",
    "population.log_spread",
    "simulation.replications",
    "simulation.seed",
)
#: The query parameter naming the preset a URL's changes apply to.
PRESET_PARAM = "preset"
#: Final outcomes the comparison and what-if tables report.
OUTCOMES = ("cumulative_net_value", "net_value_last_year", "production", "pilots_open")
OUTCOME_LABELS = {
    "cumulative_net_value": "Cumulative net value (k)",
    "net_value_last_year": "Net value, last year (k)",
    "production": "Systems in production",
    "pilots_open": "Pilots open",
}

#: The explorer's tabs, in order (the page, its screenshots and their tests read them here).
TABS = ("Compare", "Roadmap", "Inside an organisation", "Sensitivity", "Explain", "Export")

#: One-click "what if" changes, by button label.
WHAT_IFS: dict[str, dict[str, Any]] = {
    "Name owners": {
        "ownership.owner_probability": 0.9,
        "ownership.owner_resourced_probability": 0.9,
    },
    "Fix data": {"data.data_investment": 0.6, "data.workaround_tendency": 0.2},
    "Define KPIs": {"measurement.kpi_probability": 0.9},
    "Complete the loop": {
        "feedback.tooling": 0.8,
        "feedback.process": 0.8,
        "feedback.culture": 0.8,
    },
    "Cap pilots": {"portfolio.max_open_pilots": 3},
}

#: The levers the tornado varies one at a time over their whole range.
TORNADO_LEVERS = (
    "ownership.owner_probability",
    "data.data_investment",
    "data.workaround_tendency",
    "measurement.kpi_probability",
    "feedback.tooling",
    "feedback.process",
    "feedback.culture",
    "portfolio.pilot_appetite",
)


# -- sidebar widgets -----------------------------------------------------------------
@dataclass(frozen=True)
class SliderSpec:
    """One generated sidebar slider: everything ``st.slider`` needs."""

    key: str
    label: str
    low: float | int
    high: float | int
    step: float | int
    value: float | int
    format: str
    help: str


def slider_step(low: float, high: float, kind: type) -> float | int:
    """A round step of about a hundredth of the range (1, 2 or 5 times a power of ten)."""
    if kind is int:
        return max(1, int(_round_step((high - low) / 100)))
    return _round_step((high - low) / 100)


def _round_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover


def _format(step: float | int, kind: type) -> str:
    if kind is int:
        return "%d"
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f"%.{decimals}f"


def slider_specs(scenario: Scenario) -> dict[str, list[SliderSpec]]:
    """Sliders for every bounded numeric parameter, grouped by the article's pattern.

    A parameter added to :mod:`genaisim.scenario` appears here without UI code.
    """
    groups: dict[str, list[SliderSpec]] = {}
    for info in scenario.parameters():
        if info.key in NOT_GENERATED or info.kind not in (int, float):
            continue
        if info.low is None or info.high is None:
            continue
        step = slider_step(info.low, info.high, info.kind)
        unit = f" ({info.unit})" if info.unit else ""
        caster = int if info.kind is int else float
        groups.setdefault(info.pattern, []).append(
            SliderSpec(
                key=info.key,
                label=f"{info.key.split('.', 1)[1].replace('_', ' ')}{unit}",
                low=caster(info.low),
                high=caster(info.high),
                step=step,
                value=caster(info.value),
                format=_format(step, info.kind),
                help=f"{info.help} Default {info.default:g}; key `{info.key}`.",
            )
        )
    return groups


#: Appended to the sidebar label of a parameter the scenario's posterior calibrates.
CALIBRATED = " (calibrated)"


def mark_calibrated(
    specs: Mapping[str, Sequence[SliderSpec]], calibrated: Collection[str]
) -> dict[str, list[SliderSpec]]:
    """The sliders with :data:`CALIBRATED` appended to the labels of calibrated parameters.

    ``calibrated`` holds dotted keys (a posterior's ``keys``); other sliders are unchanged.
    """
    keys = set(calibrated)
    return {
        pattern: [
            replace(spec, label=spec.label + CALIBRATED) if spec.key in keys else spec
            for spec in group
        ]
        for pattern, group in specs.items()
    }


def group_label(pattern: str, specs: Sequence[SliderSpec]) -> str:
    """A sidebar group's title, saying how many of its sliders are calibrated, if any."""
    calibrated = sum(spec.label.endswith(CALIBRATED) for spec in specs)
    return f"{pattern} ({calibrated} calibrated)" if calibrated else pattern


def widget_values(scenario: Scenario) -> dict[str, Any]:
    """The value every generated slider (and replications, seed) shows for a scenario."""
    keys = [s.key for specs in slider_specs(scenario).values() for s in specs]
    keys += ["simulation.replications", "simulation.seed"]
    return {key: scenario.get(key) for key in keys}


# -- scenarios and the URL -----------------------------------------------------------
#: What a link carries besides the parameters: the scenario's name, description and the
#: lever groups it changes, and how the population's parameters spread.
LINK_EXTRAS = ("population.spread", "population.log_spread", "name", "description", "changes")


def changed_values(scenario: Scenario, base: Scenario) -> dict[str, Any]:
    """What differs in ``scenario`` from ``base``, by dotted key.

    The parameters first, then the spreads, the name and the description (``LINK_EXTRAS``).
    """
    keys = [k for k in parameter_keys() if k not in LINK_EXTRAS] + list(LINK_EXTRAS)
    return {
        key: _value(scenario, key) for key in keys if _value(scenario, key) != _value(base, key)
    }


def _value(scenario: Scenario, key: str) -> Any:
    return getattr(scenario, key) if "." not in key else scenario.get(key)


def encode_query(preset: str, scenario: Scenario) -> dict[str, str]:
    """URL query parameters for a scenario: its preset and what differs from it."""
    return encode_link(preset, scenario)[0]


def encode_link(preset: str, scenario: Scenario) -> tuple[dict[str, str], list[str]]:
    """URL query parameters for a scenario, and notes saying what the link leaves out.

    The parameters are the preset, the values that differ from it by dotted key, and
    the roadmap (lever changes, current portfolio) when it differs from the preset's;
    see :func:`genaisim.app_roadmap.encode_roadmap`.
    """
    preset_scenario = load_scenario(preset)
    query = {PRESET_PARAM: preset}
    for key, value in changed_values(scenario, preset_scenario).items():
        query[key] = json.dumps(value)
    roadmap, notes = app_roadmap.encode_roadmap(scenario, preset_scenario)
    query = {**query, **roadmap}
    if not notes:
        # Whatever the link still leaves out is said, not silently lost.
        reopened = decode_query(query).scenario.model_dump(mode="json")
        wanted = scenario.model_dump(mode="json")
        missing = [key for key in wanted if reopened.get(key) != wanted[key]]
        if missing:
            notes = [
                "The link does not reproduce this scenario's "
                + ", ".join(f"`{key}`" for key in missing)
                + ": download the scenario (.toml) to keep all of it."
            ]
    return query, notes


#: Query parameters of the view rather than the scenario: the open tab, the scenarios
#: compared with it and the what-if shown.
TAB_PARAM, COMPARE_PARAM, WHAT_IF_PARAM = "tab", "compare", "what_if"
#: Query parameters of the run shown inside one organisation (both counted from 0).
REPLICATION_PARAM, ORGANISATION_PARAM = "replication", "organisation"

#: Query parameters that are not parameter keys: the preset, the roadmap and the view.
NOT_PARAMETERS = (
    PRESET_PARAM,
    app_roadmap.INTERVENTIONS_PARAM,
    app_roadmap.PORTFOLIO_PARAM,
    TAB_PARAM,
    COMPARE_PARAM,
    WHAT_IF_PARAM,
    REPLICATION_PARAM,
    ORGANISATION_PARAM,
)


@dataclass
class ViewState:
    """The view a link opens: its tab, compared presets and what-if, and what was ignored."""

    tab: str | None = None
    compare: list[str] | None = None
    what_if: str | None = None
    replication: int = 0
    organisation: int = 0
    problems: list[str] = field(default_factory=list)


def encode_view(
    tab: str | None,
    compare: Sequence[str] | None,
    default_compare: Sequence[str],
    what_if: str | None,
    replication: int = 0,
    organisation: int = 0,
) -> dict[str, str]:
    """URL query parameters for the view; what is as the page opens anyway is left out."""
    query = {}
    if replication:
        query[REPLICATION_PARAM] = str(int(replication))
    if organisation:
        query[ORGANISATION_PARAM] = str(int(organisation))
    if tab and tab != TABS[0]:
        query[TAB_PARAM] = tab
    if compare is not None and list(compare) != list(default_compare):
        query[COMPARE_PARAM] = json.dumps(list(compare))
    if what_if:
        query[WHAT_IF_PARAM] = what_if
    return query


def decode_view(query: Mapping[str, str | Sequence[str]], presets: Sequence[str]) -> ViewState:
    """The view a link asks for; a tab, preset or what-if the page does not have is reported."""
    view = ViewState()
    view.tab = _one_of(query, TAB_PARAM, TABS, "tab", view.problems)
    view.what_if = _one_of(query, WHAT_IF_PARAM, list(WHAT_IFS), "what-if", view.problems)
    if COMPARE_PARAM in query:
        text = _single(query[COMPARE_PARAM])
        try:
            names = json.loads(text)
        except json.JSONDecodeError:
            names = None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            view.problems.append(f"URL: compare={text!r} is not a list of presets")
        else:
            unknown = [n for n in names if n not in presets]
            if unknown:
                view.problems.append(
                    "URL: compared scenarios that are not presets here: " + ", ".join(unknown)
                )
            view.compare = [n for n in names if n in presets][:3]
    for name in (REPLICATION_PARAM, ORGANISATION_PARAM):
        if name in query:
            text = _single(query[name])
            if text.isdigit():
                setattr(view, name, int(text))
            else:
                view.problems.append(f"URL: {name}={text!r} is not a whole number from 0")
    return view


def _one_of(
    query: Mapping[str, str | Sequence[str]],
    param: str,
    allowed: Sequence[str],
    what: str,
    problems: list[str],
) -> str | None:
    """The link's value of ``param`` if it is one of ``allowed``; otherwise a problem."""
    if param not in query:
        return None
    value = _single(query[param])
    if value in allowed:
        return value
    problems.append(f"URL: no {what} {value!r}; there are {', '.join(allowed)}")
    return None


@dataclass
class QueryState:
    """A scenario read back from URL query parameters, with any problems found."""

    preset: str
    scenario: Scenario
    changes: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def decode_query(
    query: Mapping[str, str | Sequence[str]], default_preset: str = "baseline"
) -> QueryState:
    """Read a scenario from URL query parameters written by :func:`encode_query`.

    A key or value the scenario does not accept is skipped and reported in ``problems``,
    so a stale or hand-edited link still opens the rest of the scenario. The roadmap is
    read after the parameters (its months may depend on the run's length).
    """
    problems: list[str] = []
    preset = _single(query.get(PRESET_PARAM, default_preset))
    try:
        base = load_scenario(preset)
    except ScenarioError as exc:
        problems.append(f"URL: {exc}")
        preset, base = default_preset, load_scenario(default_preset)
    scenario, changes = base, {}
    for key, raw in query.items():
        if key in NOT_PARAMETERS:
            continue
        text = _single(raw)
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        try:
            scenario = scenario.with_changes({key: value}, source="URL")
        except ScenarioError as exc:
            problems.append(str(exc))
            continue
        changes[key] = value
    if changes and "name" not in changes and not base.name.endswith("(edited)"):
        # A hand-made link that changes parameters without naming the result: named as
        # the app names an edited preset.
        scenario = scenario.with_changes({"name": f"{base.name} (edited)"})
    scenario, roadmap_problems = app_roadmap.decode_roadmap(scenario, query)
    return QueryState(preset, scenario, changes, problems + roadmap_problems)


def _single(value: str | Sequence[str]) -> str:
    return value if isinstance(value, str) else str(value[-1])


def scenario_from_widgets(base: Scenario, values: Mapping[str, Any]) -> Scenario:
    """The base scenario with the widgets' values; renamed ``<name> (edited)`` if changed."""
    changes = {k: v for k, v in values.items() if base.get(k) != v}
    if not changes:
        return base
    name = base.name if base.name.endswith("(edited)") else f"{base.name} (edited)"
    return base.with_changes({**changes, "name": name})


def validate_upload(data: bytes, filename: str) -> Scenario:
    """Validate an uploaded scenario file; raises :class:`ScenarioError` naming the file.

    An upload is held to the checks a file on disk is, and may start from a preset with
    ``base``; being nobody's file on this server, it cannot start from one of its files.
    """
    return scenario_from_toml(data, Path(filename).name or "uploaded.toml")


# -- calibration -----------------------------------------------------------------------
#: Where the calibration, its targets and its posterior are described.
CALIBRATION_DOC = "docs/calibration.md"


def _short(value: float) -> str:
    """A parameter value in three significant digits."""
    return f"{value:.3g}"


def calibration_note(posterior: Posterior, scenario: Scenario, base: Scenario) -> str:
    """Markdown saying that ``base`` is a calibrated population, and what is calibrated.

    One line per calibrated parameter, named by its sidebar label and group: its
    posterior median and 90% interval, and the value the sidebar now gives it when that
    differs from ``base``. The numbers come from the posterior itself, so a newer
    calibration is shown as it is.
    """
    where = {
        spec.key: (pattern, spec.label)
        for pattern, group in slider_specs(base).items()
        for spec in group
    }
    lines = [
        f"**{base.name} is a calibrated population.** These {len(posterior.keys)} "
        "parameters were fitted to published figures; each is set to its posterior "
        "median, shown with its 90% posterior interval (what the calibration leaves "
        "uncertain):",
        "",
    ]
    for key in posterior.keys:
        pattern, label = where.get(key, (key.split(".", 1)[0], key.split(".", 1)[-1]))
        label = label.replace("_", " ")
        low, high = posterior.interval(key)
        line = (
            f"- **{label}** ({pattern}): median {_short(posterior.median(key))}, "
            f"90% interval {_short(low)} to {_short(high)}"
        )
        if scenario.get(key) != base.get(key):
            line += f" — changed here to {_short(scenario.get(key))}"
        lines.append(line)
    lines += [
        "",
        "Every other parameter is not calibrated: it is a judgement default, or an input "
        "the scenario sets (not fits). In the sidebar, the sliders of calibrated parameters "
        f'are marked "{CALIBRATED.strip()}". How the calibration was done, and how well it '
        f"fits, is in **{CALIBRATION_DOC}**.",
    ]
    return "\n".join(lines)


#: Final outcomes in thousands, shown in millions in the parameter-uncertainty table.
MONEY_OUTCOMES = frozenset(o.column for o in KEY_OUTCOMES if o.label.endswith("(k)"))


def _cell(value: float, decimals: int) -> str:
    return "n/a" if pd.isna(value) else f"{value:,.{decimals}f}"


def parameter_uncertainty_table(summary: pd.DataFrame, level: float = 0.9) -> pd.DataFrame:
    """Each key outcome over posterior draws: mean, interval over draws, width within one.

    ``summary`` is :meth:`Results.summary` of a run with a posterior (it has a ``draw``
    column). The interval is that of the per-draw means (parameter uncertainty); the
    width is the mean width of the 90% range of rows inside one draw (organisations and
    chance). Money is in millions with one decimal; cells are display text.
    """
    table = posterior_intervals(summary, level)
    percent = f"{level:.0%}"
    rows = []
    for outcome in KEY_OUTCOMES:
        row = table.loc[outcome.column]
        label, decimals, scale = outcome.label, outcome.decimals, 1.0
        if outcome.column in MONEY_OUTCOMES:
            label, decimals, scale = label.replace("(k)", "(M)"), 1, 1000.0
        rows.append(
            {
                "outcome": label,
                "mean": _cell(row["mean"] / scale, decimals),
                f"{percent} interval over draws": (
                    f"{_cell(row['low'] / scale, decimals)} to "
                    f"{_cell(row['high'] / scale, decimals)}"
                ),
                f"{percent} width within a draw": _cell(row["within"] / scale, decimals),
            }
        )
    return pd.DataFrame(rows)


def label_share_intervals(summary: pd.DataFrame, level: float = 0.9) -> pd.DataFrame:
    """The share of each trajectory label: its mean over posterior draws and interval.

    One row per label some draw has, in :data:`~genaisim.labels.LABELS` order; shares
    are display text in whole percent.
    """
    tail = (1.0 - level) / 2.0
    shares = summary.groupby("draw")["label"].value_counts(normalize=True).unstack(fill_value=0.0)
    order = [label for label in LABELS if label in shares.columns]
    order += [label for label in shares.columns if label not in LABELS]
    rows = []
    for label in order:
        values = shares[label]
        rows.append(
            {
                "label": label,
                "share": f"{values.mean():.0%}",
                f"{level:.0%} interval over draws": (
                    f"{values.quantile(tail):.0%} to {values.quantile(1 - tail):.0%}"
                ),
            }
        )
    return pd.DataFrame(rows)


# -- tables ----------------------------------------------------------------------------
def outcome_summary(results: Sequence[Results], names: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean and 95% interval of the final outcomes, one row per scenario x outcome.

    The replication is the unit (:mod:`genaisim.intervals`): in a population, the
    organisations of one replication are averaged first.
    """
    names = list(names) if names is not None else [r.scenario.name for r in results]
    rows = []
    for name, result in zip(names, results, strict=True):
        summary = result.summary()
        for outcome in OUTCOMES:
            mean, low, high = replication_interval(summary, outcome)
            rows.append(
                {
                    "scenario": name,
                    "outcome": OUTCOME_LABELS[outcome],
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "replications": result.replications,
                }
            )
    return pd.DataFrame(rows)


def what_if_difference(base: Results, variant: Results) -> pd.DataFrame:
    """Final outcomes of a what-if against the base, and their paired difference with 95% CI.

    Both runs use the same seeds, so replication r of each faces the same luck; the
    difference is taken organisation by organisation, averaged per replication, and
    its interval has the replication as the unit (:mod:`genaisim.intervals`).
    """
    keys = ["replication", "organisation"]
    paired = base.summary().merge(variant.summary(), on=keys, suffixes=("_base", "_what_if"))
    rows = []
    for outcome in OUTCOMES:
        before = paired[f"{outcome}_base"].to_numpy(dtype=float)
        after = paired[f"{outcome}_what_if"].to_numpy(dtype=float)
        differences = paired[keys].assign(difference=after - before)
        diff, low, high = replication_interval(differences, "difference")
        rows.append(
            {
                "outcome": OUTCOME_LABELS[outcome],
                "current": before.mean(),
                "what if": after.mean(),
                "difference": diff,
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows)


#: The timeline's tooltip: plain titles for the columns of :func:`deployment_timeline`.
TIMELINE_TOOLTIP: dict[str, str] = {
    "use_case": "Use case",
    "phase": "Phase",
    "owner": "Owner",
    "kpis": "KPIs before go-live",
    "started": "Pilot started (month)",
    "went_live": "Went live (month)",
    "ended": "Ended (month)",
    "outcome": "How it ended",
}
#: The timeline's plot width (px): shown at its own size, scaled down on a narrow screen.
TIMELINE_WIDTH = 640
#: How a deployment ended, in words.
ENDINGS = {
    "abandoned": "stopped before going live",
    "cut": "cut at a budget review",
    "rolled_back": "rolled back after an incident stayed open",
}


def deployment_timeline(
    results: Results, replication: int = 0, organisation: int = 0
) -> pd.DataFrame:
    """The phases of every deployment of one organisation in one replication, one row each.

    A deployment has a pilot phase (from its start to going live, or to its end) and,
    once live, a live phase (to its end, or the horizon while it runs). Columns:
    ``row`` (the deployment's label: number, use case and business line, 1-based),
    ``phase``, ``start`` and ``end`` (months), and the tooltip's columns
    (``TIMELINE_TOOLTIP``), all in words.
    """
    horizon = results.years * 12
    table = results.deployments
    rows = table[(table["replication"] == replication) & (table["organisation"] == organisation)]
    segments = []
    for d in rows.itertuples(index=False):
        retired = pd.notna(d.month_retired)
        end = float(d.month_retired) if retired else float(horizon)
        promoted = float(d.month_promoted) if pd.notna(d.month_promoted) else None
        reason = d.retire_reason if pd.notna(d.retire_reason) else None
        use_case = d.use_case.replace("_", " ")
        base = {
            "row": f"{d.deployment:02d} {use_case} (line {d.business_line + 1})",
            "use_case": use_case,
            "owner": "business unit" + (", resourced" if d.owner_resourced else ", unresourced")
            if d.owner_kind == "business_unit"
            else "technology team",
            "kpis": "yes" if d.kpis_defined else "no",
            "started": str(int(d.month_started)),
            "went_live": "never" if promoted is None else str(int(promoted)),
            "ended": str(int(end)) if retired else "still running",
            "outcome": ENDINGS.get(reason, "—") if reason else "still running",
        }
        pilot_end = promoted if promoted is not None else end
        segments.append(
            {
                **base,
                "phase": "pilot",
                "start": float(d.month_started),
                "end": max(pilot_end, d.month_started + 0.5),
            }
        )
        if promoted is not None:
            segments.append(
                {**base, "phase": "live", "start": promoted, "end": max(end, promoted + 0.5)}
            )
    columns = ["row", "phase", "start", "end", *TIMELINE_TOOLTIP]
    return pd.DataFrame(segments, columns=list(dict.fromkeys(columns)))


def timeline_chart(timeline: pd.DataFrame) -> alt.LayerChart:
    """One row per deployment: its pilot and live phases as bars, a cross where it ended.

    Styled as the other charts (the presentation theme); its title counts the use cases.
    """
    from genaisim.charts.theme import styled

    tooltip = [alt.Tooltip(f"{c}:N", title=t) for c, t in TIMELINE_TOOLTIP.items()]
    y = alt.Y("row:N", sort=None, title=None, axis=alt.Axis(labelLimit=360))
    bars = (
        alt.Chart(timeline)
        .mark_bar(cornerRadius=2)
        .encode(
            x=alt.X("start:Q", title="Month of the run"),
            x2="end:Q",
            y=y,
            color=alt.Color(
                "phase:N",
                title="Phase",
                scale=alt.Scale(domain=["pilot", "live"], range=["#E69F00", "#009E73"]),
            ),
            tooltip=tooltip,
        )
    )
    ends = (
        alt.Chart(
            timeline[timeline["ended"] != "still running"].drop_duplicates("row", keep="last")
        )
        .mark_point(shape="cross", size=60, color="#555555", filled=True)
        .encode(x=alt.X("end:Q"), y=y, tooltip=tooltip)
    )
    rows = timeline["row"].nunique()
    live = timeline.loc[timeline["phase"] == "live", "row"].nunique()
    chart = (bars + ends).properties(width=TIMELINE_WIDTH, height=max(200, 24 * rows))
    return styled(
        chart,
        f"{rows} use cases started, {live} of them taken live",
        "Orange: pilot; green: live; a cross where a use case ended. "
        "Each bar's owner, KPIs and ending show on hover.",
    )


# -- sensitivity -------------------------------------------------------------------------
def tornado(
    scenario: Scenario,
    levers: Sequence[str] = TORNADO_LEVERS,
    replications: int = 10,
    seed: int | None = None,
    outcome: str = "cumulative_net_value",
    progress: Callable[[float, str], Any] | None = None,
    run: Callable[[Scenario, int, int], Results] | None = None,
    means: Callable[[Sequence[Scenario], str], Iterable[float]] | None = None,
) -> pd.DataFrame:
    """One-factor-at-a-time sensitivity: each lever at the low and high ends of its range.

    Returns one row per lever with the mean ``outcome`` at low and high, the base mean
    and the swing (|high - low|), largest swing first. ``progress(fraction, text)`` is
    called after every run; ``run(scenario, replications, seed)`` replaces
    :func:`simulate` (e.g. with a cached version). ``means(scenarios, outcome)``, when
    given, replaces both: it gets every scenario to run at once (the current one first,
    then each lever's low and high end, replications and seed set) and gives each one's
    mean ``outcome`` in that order, e.g. from :func:`genaisim.results.scenario_mean` on
    worker processes.
    """
    seed = scenario.simulation.seed if seed is None else seed
    info = {p.key: p for p in scenario.parameters()}
    ends = []
    for key in levers:
        low, high = info[key].low, info[key].high
        if key == "portfolio.pilot_appetite":  # the full range (36/year) is not a policy
            low, high = 0.0, 12.0
        ends.append((key, low, high))
    runs = [(scenario, "current scenario")] + [
        (scenario.with_changes({key: info[key].kind(end)}), f"{key} = {end:g}")
        for key, low, high in ends
        for end in (low, high)
    ]
    if means is not None:
        fixed = {"simulation.replications": replications, "simulation.seed": seed}
        values = list(means([s.with_changes(fixed) for s, _ in runs], outcome))
    else:
        run = run or (lambda s, r, sd: simulate(s, replications=r, seed=sd))
        values = []
        for done, (s, text) in enumerate(runs, start=1):
            values.append(float(run(s, replications, seed).summary()[outcome].mean()))
            if progress:
                progress(done / len(runs), text)
    base = values[0]
    rows = [
        {
            "lever": key,
            "current": info[key].value,
            "low": low,
            "high": high,
            "at_low": at_low,
            "at_high": at_high,
            "base": base,
            "swing": abs(at_high - at_low),
        }
        for (key, low, high), at_low, at_high in zip(ends, values[1::2], values[2::2], strict=True)
    ]
    return pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)


def tornado_chart(
    table: pd.DataFrame, outcome_label: str = "cumulative net value (k)"
) -> alt.Chart:
    """Tornado bars: the change from the base mean with each lever at its low and high end.

    The same bars ``genaisim chart --kind tornado`` draws from a sweep of kind ``oat``,
    titled with the lever that swings the outcome most (``table`` sorted by ``swing``).
    """
    from genaisim.charts.explore import tornado_bars
    from genaisim.charts.theme import styled

    top = table.iloc[0]
    title = (
        f"{top['lever']} moves the {outcome_label} most: by {top['swing']:,.1f} between "
        f"{top['low']:g} and {top['high']:g}"
    )
    subtitle = "One lever at a time, over its range; bars: change from the current scenario."
    return styled(tornado_bars(table, outcome_label), title, subtitle)


# -- your own scenarios --------------------------------------------------------------------
#: How a scenario saved in this browser tab is named among the presets.
SAVED_SUFFIX = " (saved)"


def parameter_differences(scenarios: Mapping[str, Scenario], base: str) -> pd.DataFrame:
    """The parameters that differ between the scenarios, one row each, in plain names.

    Columns: ``parameter`` (its group and name, e.g. ``Ownership: owner probability``),
    ``unit``, then each scenario's value as text, ``base`` first. Rows: every parameter where some
    scenario differs from ``base``, the population's spread included; empty when none do.
    """
    infos = {p.key: p for p in scenarios[base].parameters()}
    order = [base, *(name for name in scenarios if name != base)]
    keys: list[str] = []
    for name in order[1:]:
        for key in changed_values(scenarios[name], scenarios[base]):
            if key not in keys and key not in ("name", "description", "changes"):
                keys.append(key)
    rows = []
    for key in keys:
        info = infos.get(key)
        label = f"{info.pattern}: {key.rpartition('.')[2].replace('_', ' ')}" if info else key
        row = {"parameter": label, "unit": info.unit if info else ""}
        for name in order:
            row[name] = _shown(scenarios[name].get(key))
        rows.append(row)
    return pd.DataFrame(rows, columns=["parameter", "unit", *order])


def _shown(value: Any) -> str:
    """A parameter's value as a table shows it: ``0.45``, ``20``, ``data quality 0.15, …``."""
    if isinstance(value, dict):
        if not value:
            return "none"
        return ", ".join(
            f"{k.rpartition('.')[2].replace('_', ' ')} {v:g}" for k, v in value.items()
        )
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def ranking_sentences(ranking: pd.DataFrame, scenario: Scenario) -> list[str]:
    """The ranked levers' sentences, saying so where a lever has nothing to change.

    A what-if that sets values the scenario already has cannot move anything: its
    sentence says that, rather than reporting a zero effect as if it had been tried.
    """
    sentences = []
    for lever, sentence in zip(ranking["lever"], ranking["sentence"], strict=True):
        changes = WHAT_IFS.get(lever, {})
        if changes and all(scenario.get(k) == v for k, v in changes.items()):
            values = ", ".join(f"`{k}` = {v:g}" for k, v in changes.items())
            sentence = f"{lever}: nothing to change, the scenario already has {values}."
        sentences.append(sentence)
    return sentences
