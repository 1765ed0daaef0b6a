"""The presenters' chart catalogue: Altair charts of simulated scenarios and sweeps.

Every builder takes results (a :class:`genaisim.Results`, a list of them, or a sweep's
:class:`~genaisim.experiments.SweepResults`), reduces them with pandas to the few
hundred rows the chart shows, and returns an Altair chart styled for a 16:9 slide,
with a title that states the finding computed from the data:

    >>> import genaisim
    >>> from genaisim import charts
    >>> runs = [genaisim.simulate(s, replications=10) for s in ("compounder", "pilot_loop")]
    >>> chart = charts.value_trajectories(runs)
    >>> charts.export(chart, "value.png")                     # doctest: +SKIP
    >>> charts.write_deck(runs, "deck/")                      # doctest: +SKIP
"""

from __future__ import annotations

from genaisim.charts.deck import SCENARIO_KINDS, SWEEP_KINDS, ChartKind, write_deck
from genaisim.charts.export import FORMATS, export, to_pdf, to_png, to_svg
from genaisim.charts.scenarios import (
    feedback_loop,
    feedback_medians,
    kpi_table,
    kpis,
    portfolio_stages,
    stage_counts,
    value_bands,
    value_trajectories,
)
from genaisim.charts.sweeps import (
    foundations_heatmap,
    foundations_table,
    predictors,
    sensitivity,
    sensitivity_table,
)
from genaisim.charts.theme import OKABE_ITO, theme_config

__all__ = [
    "FORMATS",
    "OKABE_ITO",
    "SCENARIO_KINDS",
    "SWEEP_KINDS",
    "ChartKind",
    "export",
    "feedback_loop",
    "feedback_medians",
    "foundations_heatmap",
    "foundations_table",
    "kpi_table",
    "kpis",
    "portfolio_stages",
    "predictors",
    "sensitivity",
    "sensitivity_table",
    "stage_counts",
    "theme_config",
    "to_pdf",
    "to_png",
    "to_svg",
    "value_bands",
    "value_trajectories",
    "write_deck",
]
