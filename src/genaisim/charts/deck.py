"""The chart kinds by name, and a deck: every scenario chart as files plus one HTML page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from genaisim.charts import scenarios, sweeps
from genaisim.charts.common import as_list, source_line
from genaisim.charts.export import FORMATS, export, to_svg


@dataclass(frozen=True)
class ChartKind:
    """One chart of the catalogue.

    Attributes:
        name: the name the command line uses (``--kind``).
        heading: the heading of its section in a deck.
        explanation: one sentence on what the chart shows and how to read it.
        build: the builder.

    """

    name: str
    heading: str
    explanation: str
    build: Callable


#: Charts of one or several scenarios (``genaisim.simulate`` results), in deck order.
SCENARIO_KINDS: dict[str, ChartKind] = {
    kind.name: kind
    for kind in (
        ChartKind(
            "trajectories",
            "Does the value compound?",
            "Cumulative net value month by month: the line is the median organisation, "
            "the bands hold the middle 50% and 90% of replications.",
            scenarios.value_trajectories,
        ),
        ChartKind(
            "stages",
            "Where do the systems end up?",
            "How many pilots are open, systems live and systems retired each month, on "
            "average: a growing orange layer is a pilot loop.",
            scenarios.portfolio_stages,
        ),
        ChartKind(
            "kpis",
            "What changes for the work itself?",
            "The article's KPIs in the final year, before GenAI and with it, weighted by "
            "the tasks processed.",
            scenarios.kpis,
        ),
        ChartKind(
            "feedback",
            "Does the feedback loop work?",
            "Flags raised by reviewers and acted on, with production quality and reviewer "
            "engagement: acting on flags is what makes quality climb.",
            scenarios.feedback_loop,
        ),
    )
}

#: Charts of a sweep's results folder (``genaisim sweep``).
SWEEP_KINDS: dict[str, ChartKind] = {
    kind.name: kind
    for kind in (
        ChartKind(
            "foundations",
            "Which foundations pay, and together?",
            "Mean cumulative net value for every combination of the factorial's factors.",
            sweeps.foundations_heatmap,
        ),
        ChartKind(
            "sensitivity",
            "Which lever explains the spread?",
            "Sobol indices: the share of the outcome's variance each parameter causes "
            "alone (S1) and with its interactions (ST).",
            sweeps.sensitivity,
        ),
        ChartKind(
            "predictors",
            "What predicts that a system stays in production?",
            "Permutation importance of each predictor in a logistic regression of "
            "reaching a year in production.",
            sweeps.predictors,
        ),
    )
}


def chart_title(chart) -> list[str]:
    """The lines of a chart's title (its finding)."""
    text = chart.to_dict()["title"]["text"]
    return [text] if isinstance(text, str) else list(text)


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>\s*")


def _inline_svg(markup: str) -> str:
    """SVG markup fit to inline in HTML: no XML declaration, scales to the page width."""
    markup = _XML_DECLARATION.sub("", markup)
    return markup.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)


def sweep_charts(sweep) -> list[tuple[ChartKind, object]]:
    """The sweep charts a results folder supports, built.

    The foundations heat map for a factorial with factors, Sobol indices for a Sobol
    design, and the predictors of stable production when deployments were recorded.
    """
    experiment = sweep.manifest["experiment"]
    design = experiment["design"]
    wanted = []
    if design["kind"] == "factorial" and len(design.get("factors", {})) >= 2:
        wanted.append("foundations")
    if design["kind"] == "sobol":
        wanted.append("sensitivity")
    if experiment.get("deployments"):
        wanted.append("predictors")
    return [(SWEEP_KINDS[name], SWEEP_KINDS[name].build(sweep)) for name in wanted]


def write_deck(results, out: str | Path, scale: float = 2, sweeps=()) -> list[Path]:
    """Write every scenario chart as PNG, SVG and PDF into ``out``, plus ``index.html``.

    ``sweeps`` are sweep results (:func:`genaisim.experiments.load_sweep`) whose charts
    join the deck: the foundations heat map, Sobol indices and the predictors of stable
    production, as each sweep supports. ``index.html`` is self-contained: each chart's
    SVG markup is inline under a heading and one sentence, with no scripts, stylesheets or
    images fetched from anywhere. Returns the paths written, ``index.html`` last.
    """
    items = as_list(results)
    out = Path(out)
    written: list[Path] = []
    sections: list[str] = []
    charts = [(kind, kind.name, kind.build(items)) for kind in SCENARIO_KINDS.values()]
    for sweep in sweeps:
        name = sweep.manifest.get("name", "sweep")
        charts += [(kind, f"{kind.name}_{name}", chart) for kind, chart in sweep_charts(sweep)]
    for kind, stem, chart in charts:
        for fmt in FORMATS:
            written.append(export(chart, out / f"{stem}.{fmt}", scale=scale))
        title = " ".join(chart_title(chart))
        sections.append(
            f'<section id="{stem}">\n<h2>{html.escape(kind.heading)}</h2>\n'
            f"<p>{html.escape(kind.explanation)} <strong>{html.escape(title)}.</strong></p>\n"
            f"{_inline_svg(to_svg(chart))}\n"
            f'<p class="files">Files: <a href="{stem}.png">PNG</a> \u00b7 '
            f'<a href="{stem}.svg">SVG</a> \u00b7 <a href="{stem}.pdf">PDF</a></p>\n'
            "</section>"
        )
    page = _PAGE.format(
        title=html.escape("genaisim: " + ", ".join(r.scenario.name for r in items)),
        source=html.escape(source_line(items)),
        sections="\n".join(sections),
    )
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    written.append(index)
    return written


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; max-width: 1000px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }}
h1 {{ font-size: 1.8em; margin-bottom: 0.2em; }}
h2 {{ margin-top: 2.2em; }}
.source, .files {{ color: #555; font-size: 0.9em; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="source">{source}</p>
{sections}
</body>
</html>
"""
