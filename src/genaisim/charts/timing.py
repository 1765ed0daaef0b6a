"""The cost of waiting: five-year value by the month an intervention starts."""

from __future__ import annotations

import altair as alt
import pandas as pd

from genaisim import __version__
from genaisim.charts.theme import GREY, HEIGHT, OKABE_ITO, WIDTH, styled
from genaisim.timing import TimingComparison


def cost_of_delay_table(comparison: TimingComparison) -> pd.DataFrame:
    """Start months with value and interval in M, and the value without the intervention."""
    table = comparison.table()
    table = table.assign(
        value_m=table["value"] / 1000,
        low_m=table["value_low"] / 1000,
        high_m=table["value_high"] / 1000,
    )
    return table


def cost_of_delay(comparison: TimingComparison) -> alt.LayerChart:
    """Mean value (with its 95% interval) by start month; a dashed line without the change."""
    table = cost_of_delay_table(comparison)
    starts = table[table["start"] != "never"]
    never = table[table["start"] == "never"]
    years = comparison.scenario.simulation.years
    x = alt.X(
        "month:Q",
        title="Month the change starts",
        axis=alt.Axis(values=[int(m) for m in starts["month"]], format="d"),
        scale=alt.Scale(zero=True, nice=False, padding=30),
    )
    y_title = f"{years}-year cumulative net value (M)"
    colour = OKABE_ITO[4]
    bars = (
        alt.Chart(starts)
        .mark_errorbar(ticks=True, thickness=2.5, color=colour)
        .encode(x=x, y=alt.Y("low_m:Q", title=y_title), y2="high_m:Q")
    )
    line = alt.Chart(starts).mark_line(color=colour, strokeWidth=2).encode(x=x, y="value_m:Q")
    points = (
        alt.Chart(starts)
        .mark_point(filled=True, size=160, color=colour)
        .encode(
            x=x,
            y="value_m:Q",
            tooltip=[
                alt.Tooltip("start:N", title="Starts"),
                alt.Tooltip("value_m:Q", title="Value (M)", format=",.1f"),
                alt.Tooltip("low_m:Q", title="95% interval from", format=",.1f"),
                alt.Tooltip("high_m:Q", title="to", format=",.1f"),
                alt.Tooltip("break_even:Q", title="Break-even month (median)", format=".0f"),
            ],
        )
    )
    layers = [bars, line, points]
    if len(never):
        base = never.assign(text=[f"Never: {v:,.1f} M" for v in never["value_m"]])
        layers += [
            alt.Chart(base)
            .mark_rule(color=GREY, strokeDash=[6, 4], strokeWidth=2)
            .encode(y="value_m:Q"),
            alt.Chart(base)
            .mark_text(align="left", dx=6, dy=-10, color=GREY, fontSize=15)
            .encode(x=alt.value(0), y="value_m:Q", text="text:N"),
        ]
    chart = alt.layer(*layers).properties(width=WIDTH - 150, height=HEIGHT - 190)
    sim = comparison.scenario.simulation
    subtitle = [
        f"Points: mean over {comparison.replications} replications; bars: 95% interval. "
        "Every start month uses the same random numbers.",
        f"Scenario: {comparison.scenario.name} \u00b7 {years} years \u00b7 seed {sim.seed} "
        f"\u00b7 genaisim {__version__}",
    ]
    return styled(chart, comparison.sentence() + ".", subtitle)
