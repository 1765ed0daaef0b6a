"""Charts of a sweep's results (:class:`genaisim.experiments.SweepResults`).

Each reduces the sweep with :mod:`genaisim.analysis` first and charts the small table
that results, so the numbers on a chart are the numbers ``genaisim analyse`` prints.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from genaisim import analysis
from genaisim.charts.common import millions, sweep_source_line
from genaisim.charts.theme import GREY, HEIGHT, OKABE_ITO, WIDTH, styled
from genaisim.experiments import ExperimentError, SweepResults

#: Readable names of common outcomes, with units, for titles and axes.
OUTCOME_LABELS = {
    "cumulative_net_value": "cumulative net value (k)",
    "net_value_last_year": "net value in the last year (k)",
    "pilots_started": "pilots started",
    "production": "systems in production at the end",
    "pilots_open": "pilots open at the end",
    "production_quality": "production quality (0\u20131)",
}


def _factorial_factors(results: SweepResults) -> list[str]:
    design = results.manifest.get("experiment", {}).get("design", {})
    factors = list(design.get("factors", {}))
    if design.get("kind") != "factorial" or len(factors) < 2:
        raise ExperimentError(
            f"{results.path}: the foundations heatmap needs a factorial design with at least "
            f"two factors (such as experiments/foundations.toml); this design is "
            f"{design.get('kind')!r} with factors {factors or 'none'}"
        )
    return factors


def _levels(results: SweepResults, factor: str) -> list[str]:
    return list(results.manifest["experiment"]["design"]["factors"][factor])


#: Axis labels of combinations: one line per factor.
_SPLIT = "split(datum.label, ' \u00b7 ')"


def _combination(row: pd.Series, factors: Sequence[str]) -> str:
    return " \u00b7 ".join(f"{factor} {row[factor]}" for factor in factors)


def foundations_table(
    results: SweepResults,
    rows: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    outcome: str = "cumulative_net_value",
) -> pd.DataFrame:
    """Mean ``outcome`` over replications per combination of the factors' levels.

    ``rows`` and ``columns`` split the factors between the two axes (default: the
    first half of the design's factors on rows, the rest on columns; for the four
    foundations, rows = ownership x data and columns = measurement x feedback).
    Means and 95% intervals come from :func:`genaisim.analysis.summary_by`.

    Returns the factor columns, ``row``, ``column`` (the combinations' labels),
    ``mean``, ``ci_low``, ``ci_high`` and ``n``.
    """
    factors = _factorial_factors(results)
    if (
        rows is None
        and columns is None
        and {"ownership", "data", "measurement", "feedback"} <= set(factors)
    ):
        rows, columns = ("ownership", "data"), ("measurement", "feedback")
    half = (len(factors) + 1) // 2
    rows = list(rows or [f for f in factors if f not in (columns or [])][:half])
    columns = list(columns or [f for f in factors if f not in rows])
    unknown = [f for f in [*rows, *columns] if f not in factors]
    if unknown:
        raise ExperimentError(
            f"{results.path}: no factor {', '.join(map(repr, unknown))}; "
            f"choose from: {', '.join(factors)}"
        )
    table = analysis.summary_by(results, by=[*rows, *columns], outcomes=[outcome])
    table["row"] = table.apply(_combination, axis=1, factors=rows)
    table["column"] = table.apply(_combination, axis=1, factors=columns)
    table.attrs.update(rows=rows, columns=columns, outcome=outcome)
    return table[[*rows, *columns, "row", "column", "mean", "ci_low", "ci_high", "n"]]


def _order(results: SweepResults, factors: Sequence[str]) -> list[str]:
    """Combination labels in design order (every level of the last factor fastest)."""
    combos = pd.MultiIndex.from_product([_levels(results, f) for f in factors], names=factors)
    return [_combination(pd.Series(dict(zip(factors, c, strict=True))), factors) for c in combos]


def foundations_title(results: SweepResults, table: pd.DataFrame) -> str:
    """The finding: every factor at its last level, none, and the best single factor."""
    factors = [*table.attrs["rows"], *table.attrs["columns"]]
    first = {f: _levels(results, f)[0] for f in factors}
    last = {f: _levels(results, f)[-1] for f in factors}

    def mean_where(levels: dict[str, str]) -> float:
        mask = pd.Series(True, index=table.index)
        for factor, level in levels.items():
            mask &= table[factor] == level
        return float(table.loc[mask, "mean"].mean())

    all_on, none_on = mean_where(last), mean_where(first)
    singles = {f: mean_where({**first, f: last[f]}) for f in factors}
    best = max(singles, key=singles.get)
    return (
        f"Every factor '{_levels(results, factors[0])[-1]}': {millions(all_on)}; "
        f"none: {millions(none_on)}; best single factor, {best}: {millions(singles[best])}"
    )


def foundations_heatmap(
    results: SweepResults,
    rows: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    outcome: str = "cumulative_net_value",
) -> alt.LayerChart:
    """Mean cumulative net value per combination of a factorial's factors, values as text."""
    table = foundations_table(results, rows, columns, outcome)
    rows_, columns_ = table.attrs["rows"], table.attrs["columns"]
    money = outcome in ("cumulative_net_value", "net_value_last_year")
    table = table.assign(
        label=table["mean"].map(millions if money else (lambda v: f"{v:,.1f}")),
        light=(table["mean"].abs() > 0.6 * table["mean"].abs().max()),
    )
    row_order, column_order = _order(results, rows_), _order(results, columns_)
    unit = " (M)" if money else ""
    colour = alt.Color(
        "mean:Q",
        title=f"Mean{unit}",
        scale=alt.Scale(scheme="blueorange", domainMid=0, reverse=True)
        if money
        else alt.Scale(scheme="blues"),
        legend=alt.Legend(
            orient="right",
            titleOrient="top",
            direction="vertical",
            gradientLength=280,
            labelExpr="format(datum.value / 1000, ',.0f')" if money else None,
        ),
    )
    base = alt.Chart(table).encode(
        x=alt.X(
            "column:N",
            title=None,
            sort=column_order,
            axis=alt.Axis(
                labelAngle=0,
                orient="top",
                grid=False,
                labelExpr=_SPLIT,
                labelPadding=24,
                labelBaseline="bottom",
                labelFontSize=13,
                labelLineHeight=16,
            ),
        ),
        y=alt.Y("row:N", title=None, sort=row_order, axis=alt.Axis(grid=False, labelExpr=_SPLIT)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(color=colour)
    text = base.mark_text(fontSize=20, fontWeight="bold").encode(
        text="label:N",
        color=alt.condition("datum.light", alt.value("white"), alt.value("#222222")),
    )
    chart = alt.layer(cells, text).properties(width=WIDTH - 420, height=HEIGHT - 220)
    subtitle = [
        f"Mean {OUTCOME_LABELS.get(outcome, outcome)} over replications per combination; "
        f"rows: {' \u00d7 '.join(rows_)}, columns: {' \u00d7 '.join(columns_)}.",
        sweep_source_line(results),
    ]
    return styled(chart, foundations_title(results, table), subtitle)


def sensitivity_table(results: SweepResults, outcome: str = "cumulative_net_value") -> pd.DataFrame:
    """Sobol S1 and ST per parameter, long: ``parameter``, ``index``, ``value``, ``low``, ``high``.

    Parameters are ordered by ST, largest first (``rank``).
    """
    sobol = analysis.sobol_indices(results, outcome).sort_values("ST", ascending=False)
    sobol["rank"] = range(len(sobol))
    rows = []
    for index, name in (("S1", "First order (S1, alone)"), ("ST", "Total (ST, with interactions)")):
        part = sobol[["parameter", "rank"]].assign(
            index=name,
            value=sobol[index],
            low=sobol[index] - sobol[f"{index}_conf"],
            high=sobol[index] + sobol[f"{index}_conf"],
        )
        rows.append(part)
    return pd.concat(rows, ignore_index=True)


def sensitivity(results: SweepResults, outcome: str = "cumulative_net_value") -> alt.LayerChart:
    """Sobol first-order and total indices of ``outcome`` as horizontal bars with 95% intervals."""
    table = sensitivity_table(results, outcome)
    order = table.sort_values("rank")["parameter"].drop_duplicates().tolist()
    indices = table["index"].drop_duplicates().tolist()
    top = table[(table["rank"] == 0) & table["index"].str.startswith("Total")].iloc[0]
    second = table[(table["rank"] == 1) & table["index"].str.startswith("Total")]
    title = (
        f"{top['parameter'].capitalize()} drives {top['value']:.0%} of the variance in "
        f"{OUTCOME_LABELS.get(outcome, outcome.replace('_', ' '))}"
    )
    if len(second):
        title += f"; next: {second.iloc[0]['parameter']} {second.iloc[0]['value']:.0%}"
    base = alt.Chart(table).encode(
        y=alt.Y("parameter:N", title=None, sort=order),
        yOffset=alt.YOffset("index:N", sort=indices),
    )
    colour = alt.Color(
        "index:N",
        title=None,
        sort=indices,
        scale=alt.Scale(domain=indices, range=[OKABE_ITO[4], OKABE_ITO[0]]),
    )
    bars = base.mark_bar().encode(
        x=alt.X(
            "value:Q",
            title="Share of output variance (Sobol index, 95% interval)",
            axis=alt.Axis(format=".0%"),
        ),
        color=colour,
    )
    errors = base.mark_rule(color="#222222", strokeWidth=1.5).encode(x="low:Q", x2="high:Q")
    chart = alt.layer(bars, errors).properties(width=WIDTH - 260, height=HEIGHT - 190)
    subtitle = [
        "Saltelli estimators (SALib) on replication means; "
        "bars: S1 alone, ST including interactions.",
        sweep_source_line(results),
    ]
    return styled(chart, title, subtitle)


def _predictor_label(name: str) -> str:
    return name.replace("_", " ")


def predictors(results: SweepResults) -> alt.LayerChart:
    """Permutation importance of each predictor of stable production, largest first."""
    table = analysis.stable_production_predictors(results)
    table = table.assign(
        predictor=table["predictor"].map(_predictor_label),
        direction=(table["coefficient"] > 0).map(
            {True: "Raises the chance", False: "Lowers the chance"}
        ),
        low=(table["importance"] - table["importance_sd"].fillna(0)).clip(lower=0),
        high=table["importance"] + table["importance_sd"].fillna(0),
    )
    order = table["predictor"].tolist()
    top = table.iloc[0]
    ratio = (
        top["importance"] / table["importance"].iloc[1]
        if len(table) > 1 and table["importance"].iloc[1] > 0
        else None
    )
    title = f"{top['predictor'].capitalize()} is the best predictor of stable production"
    if ratio is not None:
        title += f": {ratio:,.0f}\u00d7 as informative as the next predictor"
    base = alt.Chart(table).encode(y=alt.Y("predictor:N", title=None, sort=order))
    bars = base.mark_bar().encode(
        x=alt.X(
            "importance:Q", title="Permutation importance (nats of log-likelihood per deployment)"
        ),
        color=alt.Color(
            "direction:N",
            title=None,
            scale=alt.Scale(
                domain=["Raises the chance", "Lowers the chance"],
                range=[OKABE_ITO[2], OKABE_ITO[5]],
            ),
        ),
    )
    errors = base.mark_rule(color=GREY, strokeWidth=2).encode(x="low:Q", x2="high:Q")
    chart = alt.layer(bars, errors).properties(width=WIDTH - 300, height=HEIGHT - 200)
    attrs = table.attrs
    subtitle = [
        f"Logistic regression of reaching {attrs.get('min_months', 12)} months live; "
        f"{attrs.get('deployments', 0):,} deployments judged, "
        f"{attrs.get('stable_share', 0):.0%} stable.",
        sweep_source_line(results),
    ]
    return styled(chart, title, subtitle)
