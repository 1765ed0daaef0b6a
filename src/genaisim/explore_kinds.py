"""The exploratory chart kinds of ``genaisim chart``: names, and building one from a sweep.

Kept apart from :mod:`genaisim.charts` so that the command line can list the kinds
without importing Altair.
"""

from __future__ import annotations

from typing import Any

from genaisim.errors import GenaisimError

#: What each exploratory chart kind shows (``genaisim chart --kind``).
EXPLORE_KINDS: dict[str, str] = {
    "peeling": "PRIM's peeling trajectory for --where (coverage against density)",
    "box": "the chosen PRIM box's limits for --where",
    "scores": "extra-trees feature scores of --outcome",
    "tornado": 'one-factor-at-a-time swings of --outcome (kind = "oat")',
    "morris": 'Morris mu* against sigma of --outcome (kind = "morris")',
    "interactions": "second-order Sobol indices of --outcome (sobol, second_order = true)",
    "convergence": 'Sobol indices of --outcome at N/4, N/2 and N (kind = "sobol")',
}


def explore_chart(kind: str, results: Any, outcome: str, where: str | None) -> Any:
    """Build the exploratory chart ``kind`` of a sweep's results."""
    from genaisim import analysis, explore
    from genaisim.charts import explore as charts
    from genaisim.charts.common import sweep_source_line

    source = sweep_source_line(results)
    if kind in ("peeling", "box"):
        if not where:
            raise GenaisimError(f"--kind {kind} needs --where: the runs to explain")
        found = explore.discover(results, where)
        return charts.peeling_trajectory(found) if kind == "peeling" else charts.box_limits(found)
    if kind == "scores":
        seed = int(results.manifest.get("seed", 0))
        return charts.feature_scores(explore.feature_scores(results, outcome, seed=seed), source)
    if kind == "tornado":
        return charts.tornado(explore.tornado_table(results, outcome), source)
    if kind == "morris":
        return charts.morris(analysis.morris_indices(results, outcome), outcome, source)
    if kind == "interactions":
        return charts.interactions(explore.sobol_second_order(results, outcome), outcome, source)
    if kind == "convergence":
        return charts.convergence(explore.sobol_convergence(results, outcome), source)
    raise GenaisimError(f"--kind {kind}: not an exploratory chart")  # pragma: no cover


__all__ = ["EXPLORE_KINDS", "explore_chart"]
