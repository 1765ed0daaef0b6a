"""Charts of one or several simulated scenarios (:class:`genaisim.Results`).

Each chart has a data function that reduces the tables to what the chart shows (a
few hundred rows at most) and a builder that draws it. The data functions are the
ones to test and to reuse in a script.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import altair as alt
import numpy as np
import pandas as pd

from genaisim.charts.common import (
    MINUS,
    MONTH_TITLE,
    as_list,
    millions,
    scenario_names,
    source_line,
)
from genaisim.charts.theme import FONT, GREY, HEIGHT, OKABE_ITO, WIDTH, scenario_colours, styled
from genaisim.results import Results

#: Quantiles of the bands: 90% (5%–95%) and 50% (25%–75%) of replication x organisation rows.
BANDS = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}

#: Months of the "final year" the KPI chart averages over.
FINAL_MONTHS = 12


def _month_axis() -> alt.X:
    return alt.X(
        "month:Q",
        title=MONTH_TITLE,
        axis=alt.Axis(values=list(range(0, 241, 12)), format="d"),
        scale=alt.Scale(nice=False, zero=True),
    )


# -- interventions -----------------------------------------------------------------
def intervention_marks(results: Results | Sequence[Results]) -> pd.DataFrame:
    """The month, end of ramp and label of each scenario's interventions, once each.

    Returns ``month``, ``end`` (the month a ramp reaches its value; ``month`` without a
    ramp), ``label`` (prefixed with the scenario's name when several scenarios have
    interventions) and ``row`` (0, 1, 2: where the label stands, so that labels of close
    months do not overlap).
    """
    items = as_list(results)
    with_plans = [
        (name, result)
        for name, result in zip(scenario_names(items), items, strict=True)
        if result.scenario.interventions
    ]
    seen: dict[tuple[int, int, str], None] = {}
    for name, result in with_plans:
        for iv in result.scenario.interventions:
            label = f"{name}: {iv.title()}" if len(with_plans) > 1 else iv.title()
            seen[(iv.month, iv.month + max(0, iv.ramp_months - 1), label)] = None
    table = pd.DataFrame(list(seen), columns=["month", "end", "label"])
    table["row"] = np.arange(len(table)) % 3
    return table


def intervention_rules(
    results: Results | Sequence[Results], labels: bool = True
) -> list[alt.Chart]:
    """A vertical rule at each intervention's month (a band over a ramp), labelled at the top."""
    marks = intervention_marks(results)
    if marks.empty:
        return []
    marks = marks.assign(
        label=[text if len(text) <= 40 else f"{text[:38]}\u2026" for text in marks["label"]]
    )
    tooltip = [alt.Tooltip("label:N", title="Intervention"), "month:Q"]
    layers = []
    ramps = marks[marks["end"] > marks["month"]]
    if len(ramps):
        layers.append(
            alt.Chart(ramps)
            .mark_rect(color="#333333", opacity=0.08)
            .encode(x="month:Q", x2="end:Q", tooltip=tooltip)
        )
    layers.append(
        alt.Chart(marks)
        .mark_rule(color="#333333", strokeWidth=1.5, strokeDash=[2, 3])
        .encode(x="month:Q", tooltip=tooltip)
    )
    if not labels:
        return layers
    # Labels in pixel rows from the top (not on the y scale, which stays the chart's).
    texts = [
        alt.Chart(marks[marks["row"] == row])
        .mark_text(align="left", baseline="top", dx=4, dy=4 + 18 * row, fontSize=13, font=FONT)
        .encode(x="month:Q", y=alt.value(0), text="label:N", color=alt.value("#333333"))
        for row in sorted(marks["row"].unique())
    ]
    return [*layers, *texts]


# -- value trajectories ------------------------------------------------------------
def value_bands(results: Results | Sequence[Results]) -> pd.DataFrame:
    """Cumulative net value (k) per scenario and month: median and 50%/90% bands.

    Quantiles are over every replication x organisation row of that month.
    Returns ``scenario``, ``month``, ``q05``, ``q25``, ``median``, ``q75``, ``q95``.
    """
    items = as_list(results)
    frames = []
    for name, result in zip(scenario_names(items), items, strict=True):
        by_month = result.timeseries.groupby("month")["cumulative_net_value"]
        table = pd.DataFrame({column: by_month.quantile(q) for column, q in BANDS.items()})
        frames.append(table.reset_index().assign(scenario=name))
    return pd.concat(frames, ignore_index=True)[["scenario", "month", *BANDS]]


def value_trajectories_title(bands: pd.DataFrame) -> str:
    """The finding: each scenario's median cumulative net value at the end, best first."""
    last = bands.loc[bands.groupby("scenario", sort=False)["month"].idxmax()]
    last = last.sort_values("median", ascending=False)
    years = (int(last["month"].max()) + 1) // 12
    parts = [f"{row.scenario} {millions(row.median)}" for row in last.itertuples()]
    return f"After {years} years, median cumulative net value: " + ", ".join(parts)


#: The least vertical distance between two end labels (a line of 17 px text, and air).
LABEL_GAP_PX = 24


def separated(values: pd.Series, gap: float) -> pd.Series:
    """Label heights as close to ``values`` as can be with at least ``gap`` between them.

    The highest keeps its place; every other label after the first (which is drawn
    above its line, the rest below) is pushed down until it clears the one above it.
    The order of the labels never changes.
    """
    order = list(values.sort_values(ascending=False).index)
    placed = values.astype(float).copy()
    for above, index in pairwise(order[1:]):
        placed[index] = min(placed[index], placed[above] - gap)
    return placed


def value_trajectories(results: Results | Sequence[Results]) -> alt.LayerChart:
    """Cumulative net value over months: median line, 50% and 90% bands, one colour per scenario."""
    items = as_list(results)
    names = scenario_names(items)
    bands = value_bands(items)
    colour = alt.Color(
        "scenario:N",
        title="Scenario",
        scale=scenario_colours(names),
        legend=alt.Legend(symbolOpacity=1, symbolType="stroke", symbolStrokeWidth=4),
    )
    y_title = "Cumulative net value (M currency units)"
    base = alt.Chart(bands).encode(x=_month_axis(), color=colour)
    outer = base.mark_area(opacity=0.15).encode(
        y=alt.Y(
            "q05:Q", title=y_title, axis=alt.Axis(labelExpr="format(datum.value / 1000, ',.0f')")
        ),
        y2="q95:Q",
    )
    inner = base.mark_area(opacity=0.3).encode(y="q25:Q", y2="q75:Q")
    line = base.mark_line(strokeWidth=3.5).encode(y="median:Q")
    ends = bands.loc[bands.groupby("scenario", sort=False)["month"].idxmax()].assign(
        label=lambda t: [
            f"{s}: {millions(v)}" for s, v in zip(t["scenario"], t["median"], strict=True)
        ]
    )
    # The top line's label sits above it, every other one below, clear of the lines and
    # of each other: labels closer than a line of text are pushed apart.
    plot_height = HEIGHT - 170
    span = max(float(bands["q95"].max() - bands["q05"].min()), 1e-9)
    ends["label_y"] = separated(ends["median"], gap=LABEL_GAP_PX / plot_height * span)
    top = ends["median"] == ends["median"].max()
    end_labels = [
        alt.Chart(part)
        .mark_text(align="right", dx=-4, dy=dy, fontSize=17, fontWeight="bold")
        .encode(x="month:Q", y="label_y:Q", text="label:N", color=colour)
        for part, dy in ((ends[top], -16), (ends[~top], 20))
        if len(part)
    ]
    zero = (
        alt.Chart(pd.DataFrame({"y": [0.0]}))
        .mark_rule(color=GREY, strokeDash=[6, 4])
        .encode(y="y:Q")
    )
    chart = alt.layer(outer, inner, zero, line, *end_labels, *intervention_rules(items)).properties(
        width=WIDTH - 150, height=HEIGHT - 170
    )
    subtitle = [
        "Line: median over replications \u00d7 organisations; bands: middle 50% and 90%.",
        source_line(items),
    ]
    return styled(chart, value_trajectories_title(bands), subtitle)


# -- portfolio stages --------------------------------------------------------------
#: Portfolio stages as (timeseries column, label), bottom of the stack first.
STAGES = (("production", "In production"), ("pilots", "Pilots open"), ("retired", "Retired"))
STAGE_COLOURS = (OKABE_ITO[2], OKABE_ITO[1], GREY)


def stage_counts(results: Results | Sequence[Results]) -> pd.DataFrame:
    """Mean number of systems per stage, per scenario and month (over replications x organisations).

    Returns ``scenario``, ``month``, ``stage``, ``order`` (stack position) and ``systems``.
    """
    items = as_list(results)
    frames = []
    for name, result in zip(scenario_names(items), items, strict=True):
        means = result.timeseries.groupby("month")[[c for c, _ in STAGES]].mean().reset_index()
        long = means.melt(id_vars="month", var_name="column", value_name="systems")
        labels = dict(STAGES)
        order = {column: i for i, (column, _) in enumerate(STAGES)}
        long["stage"] = long["column"].map(labels)
        long["order"] = long["column"].map(order)
        frames.append(long.drop(columns="column").assign(scenario=name))
    table = pd.concat(frames, ignore_index=True)
    return table[["scenario", "month", "stage", "order", "systems"]]


def portfolio_stages_title(counts: pd.DataFrame) -> str:
    """The finding: systems in production and pilots still open at the end, per scenario."""
    last = counts[counts["month"] == counts["month"].max()]
    wide = last.pivot_table(index="scenario", columns="stage", values="systems", sort=False)
    live = ", ".join(f"{name} {row['In production']:.1f}" for name, row in wide.iterrows())
    pilots = ", ".join(f"{row['Pilots open']:.1f}" for _, row in wide.iterrows())
    return f"Systems in production at the end: {live}; pilots still open: {pilots}"


def portfolio_stages(results: Results | Sequence[Results]):
    """Mean pilots open, systems in production and retired per month, as a stacked area.

    Several scenarios give one panel each, side by side, on a shared y axis.
    """
    items = as_list(results)
    counts = stage_counts(items)
    names = scenario_names(items)
    labels = [label for _, label in STAGES]
    colour = alt.Color(
        "stage:N",
        title="Stage",
        scale=alt.Scale(domain=labels, range=list(STAGE_COLOURS)),
        sort=labels,
    )
    panel_width = (WIDTH - 120) // len(items) - 20 * (len(items) > 1)
    base = (
        alt.Chart(counts)
        .mark_area(opacity=0.85, line={"strokeWidth": 1})
        .encode(
            x=_month_axis(),
            y=alt.Y("sum(systems):Q", title="Systems (mean per organisation)", stack="zero"),
            color=colour,
            order=alt.Order("order:Q", sort="ascending"),
        )
        .properties(width=panel_width, height=HEIGHT - 190)
    )
    rules = intervention_rules(items)
    if rules:
        # Facets cannot hold the rules' own data: one layered panel per scenario instead.
        panels = [
            alt.layer(
                base.transform_filter(alt.datum.scenario == name),
                *intervention_rules(item),
                title=alt.Title(name, fontWeight="bold") if len(items) > 1 else alt.Undefined,
            ).properties(width=panel_width, height=HEIGHT - 190)
            for name, item in zip(names, items, strict=True)
        ]
        chart = alt.hconcat(*panels) if len(panels) > 1 else panels[0]
        subtitle = [
            "Mean over replications \u00d7 organisations; retired systems accumulate.",
            source_line(items),
        ]
        return styled(chart, portfolio_stages_title(counts), subtitle)
    chart = (
        base.facet(
            column=alt.Column(
                "scenario:N", title=None, sort=names, header=alt.Header(labelFontWeight="bold")
            )
        )
        if len(items) > 1
        else base
    )
    subtitle = [
        "Mean over replications \u00d7 organisations; retired systems accumulate.",
        source_line(items),
    ]
    return styled(chart, portfolio_stages_title(counts), subtitle)


# -- KPIs --------------------------------------------------------------------------
#: The article's KPIs: (panel title with unit, column before, column after, multiplier).
KPIS = (
    ("Task time (minutes)", "task_minutes_before", "task_minutes_after", 1.0),
    ("Error rate (%)", "error_rate_manual", "error_rate_after", 100.0),
    ("Escalation rate (%)", None, "escalation_rate", 100.0),
    (
        "Cost per transaction (currency)",
        "cost_per_transaction_before",
        "cost_per_transaction_after",
        1.0,
    ),
)
BEFORE, AFTER = "Before GenAI", "With GenAI"


def kpi_table(results: Results | Sequence[Results], months: int = FINAL_MONTHS) -> pd.DataFrame:
    """The article's KPIs per scenario, over the final ``months`` months.

    Method: each KPI is averaged over the months of the final year in which tasks were
    processed, weighted by the tasks processed that month (so a month with a handful of
    transactions does not count as much as a month with thousands), pooling every
    replication x organisation. A scenario that processed no tasks in its final year
    gets no rows. Rates are in percent.

    Returns ``scenario``, ``kpi``, ``when`` (before / with GenAI), ``value``, ``tasks``.
    """
    items = as_list(results)
    rows = []
    for name, result in zip(scenario_names(items), items, strict=True):
        ts = result.timeseries
        final = ts[(ts["month"] > ts["month"].max() - months) & (ts["tasks_processed"] > 0)]
        weights = final["tasks_processed"].to_numpy(float)
        for kpi, before, after, factor in KPIS:
            for when, column in ((BEFORE, before), (AFTER, after)):
                if column is None or weights.sum() == 0:
                    continue
                values = final[column].to_numpy(float)
                ok = np.isfinite(values)
                if not ok.any():
                    continue
                value = float(np.average(values[ok], weights=weights[ok])) * factor
                rows.append(
                    {
                        "scenario": name,
                        "kpi": kpi,
                        "when": when,
                        "value": value,
                        "tasks": weights.sum(),
                    }
                )
    return pd.DataFrame(rows, columns=["scenario", "kpi", "when", "value", "tasks"])


def kpis_title(table: pd.DataFrame, names: Sequence[str]) -> str:
    """The finding: cost per transaction before and with GenAI, per scenario."""
    cost = table[table["kpi"] == KPIS[3][0]].pivot_table(
        index="scenario", columns="when", values="value"
    )
    parts = []
    for name in names:
        if name not in cost.index:
            parts.append(f"{name} none (no tasks in the final year)")
            continue
        before, after = cost.loc[name, BEFORE], cost.loc[name, AFTER]
        change = (after - before) / before
        percent = f"{change:+.0%}".replace("-", MINUS)
        parts.append(f"{name} {before:.0f} \u2192 {after:.0f} ({percent})")
    return "Cost per transaction with GenAI: " + ", ".join(parts)


def kpis(results: Results | Sequence[Results]) -> alt.VConcatChart:
    """The article's KPIs before and with GenAI, per scenario, final year; one panel per KPI."""
    items = as_list(results)
    names = scenario_names(items)
    table = kpi_table(items)
    colour = alt.Color(
        "when:N", title=None, scale=alt.Scale(domain=[BEFORE, AFTER], range=[GREY, OKABE_ITO[0]])
    )
    panels = []
    for kpi, *_ in KPIS:
        data = table[table["kpi"] == kpi].assign(
            label=lambda t: t["value"].map(lambda v: f"{v:,.0f}" if abs(v) >= 10 else f"{v:.1f}")
        )
        base = alt.Chart(data).encode(
            x=alt.X(
                "scenario:N",
                title=None,
                sort=names,
                scale=alt.Scale(domain=names),
                axis=alt.Axis(labelAngle=0),
            ),
            xOffset=alt.XOffset(
                "when:N", sort=[BEFORE, AFTER], scale=alt.Scale(domain=[BEFORE, AFTER])
            ),
            y=alt.Y("value:Q", title=kpi),
        )
        bars = base.mark_bar().encode(color=colour)
        text = base.mark_text(dy=-9, fontSize=13).encode(text="label:N")
        panels.append(
            alt.layer(bars, text).properties(width=WIDTH // 2 - 110, height=(HEIGHT - 300) // 2)
        )
    chart = alt.vconcat(
        alt.hconcat(*panels[:2], spacing=60), alt.hconcat(*panels[2:], spacing=60), spacing=24
    )
    subtitle = [
        f"Final {FINAL_MONTHS} months, months with tasks processed; weighted by tasks. "
        "Escalation: share of GenAI-handled tasks sent to a person.",
        source_line(items),
    ]
    return styled(chart, kpis_title(table, names), subtitle)


# -- feedback loop -----------------------------------------------------------------
#: Monthly series of the feedback-loop chart: (column, label).
FEEDBACK = (
    ("flags_raised", "Flags raised"),
    ("flags_acted", "Flags acted on"),
    ("production_quality", "Production quality"),
    ("reviewer_engagement", "Reviewer engagement"),
)


def feedback_medians(results: Results | Sequence[Results]) -> pd.DataFrame:
    """Median per scenario and month of flags raised and acted on, quality and engagement.

    Medians are over replication x organisation rows; quality and engagement only
    exist where a system is in production, so a month without any has none.
    Returns ``scenario``, ``month``, ``series``, ``value``.
    """
    items = as_list(results)
    frames = []
    for name, result in zip(scenario_names(items), items, strict=True):
        medians = (
            result.timeseries.groupby("month")[[c for c, _ in FEEDBACK]].median().reset_index()
        )
        long = medians.melt(id_vars="month", var_name="column", value_name="value")
        long["series"] = long["column"].map(dict(FEEDBACK))
        frames.append(long.drop(columns="column").assign(scenario=name))
    table = pd.concat(frames, ignore_index=True).dropna(subset=["value"])
    return table[["scenario", "month", "series", "value"]].reset_index(drop=True)


def feedback_loop_title(results_list: Sequence[Results], names: Sequence[str]) -> str:
    """The finding: share of flags acted on, and production quality at the end, per scenario."""
    shares, qualities = [], []
    for name, result in zip(names, results_list, strict=True):
        ts = result.timeseries
        raised = ts["flags_raised"].sum()
        share = ts["flags_acted"].sum() / raised if raised else 0.0
        quality = ts.loc[ts["month"] == ts["month"].max(), "production_quality"].median()
        shares.append(f"{name} {share:.0%}")
        qualities.append(f"{quality:.2f}" if np.isfinite(quality) else "none live")
    return (
        f"Flags acted on: {', '.join(shares)}; "
        f"production quality at the end: {', '.join(qualities)}"
    )


def feedback_loop(results: Results | Sequence[Results]) -> alt.HConcatChart:
    """Flags raised vs acted on, production quality and reviewer engagement over months."""
    items = as_list(results)
    names = scenario_names(items)
    table = feedback_medians(items)
    colour = alt.Color("scenario:N", title="Scenario", scale=scenario_colours(names))
    width = (WIDTH - 150) // 3
    height = HEIGHT - 230
    flags = (
        alt.Chart(table[table["series"].isin(["Flags raised", "Flags acted on"])])
        .mark_line(strokeWidth=3)
        .encode(
            x=_month_axis(),
            y=alt.Y("value:Q", title="Flags per month (median)"),
            color=colour,
            strokeDash=alt.StrokeDash(
                "series:N",
                title=None,
                scale=alt.Scale(domain=["Flags raised", "Flags acted on"], range=[[1, 0], [6, 4]]),
            ),
        )
    )
    rules = intervention_rules(items, labels=False)
    panels = [
        alt.layer(flags, *rules).properties(
            width=width,
            height=height,
            title=alt.Title("Flags: raised (solid), acted on (dashed)", fontSize=16),
        )
    ]
    for series, y_title in (
        ("Production quality", "Production quality (0\u20131, median)"),
        ("Reviewer engagement", "Reviewer engagement (0\u20131, median)"),
    ):
        line = (
            alt.Chart(table[table["series"] == series])
            .mark_line(strokeWidth=3)
            .encode(
                x=_month_axis(),
                y=alt.Y("value:Q", title=y_title, scale=alt.Scale(domain=[0, 1])),
                color=colour,
            )
        )
        panels.append(
            alt.layer(line, *rules).properties(
                width=width, height=height, title=alt.Title(series, fontSize=16)
            )
        )
    chart = alt.hconcat(*panels, spacing=30).resolve_scale(color="shared")
    subtitle = [
        "Median per month over replications \u00d7 organisations; "
        "quality and engagement where a system is live.",
        source_line(items),
    ]
    return styled(chart, feedback_loop_title(items, names), subtitle)
