"""Exploratory analysis of a sweep: where a condition holds, and what matters for an outcome.

- :func:`wide_table` / :func:`export_wide`: one row per run, parameters beside outcomes;
- :func:`discover`: scenario discovery with PRIM and CART (EMA Workbench);
- :func:`feature_scores`: extra-trees and permutation importance for any outcome;
- :func:`sobol_second_order`, :func:`sobol_convergence`: interactions, and whether N
  was enough; :func:`tornado_table`: one-at-a-time swings from a design of kind ``oat``.

    >>> from genaisim.experiments import load_sweep
    >>> from genaisim import explore
    >>> results = load_sweep("results/discover_compounding")          # doctest: +SKIP
    >>> print(explore.discover(results, "compounding").sentence())    # doctest: +SKIP
"""

from genaisim.explore.condition import evaluate
from genaisim.explore.discovery import Discovery, discover
from genaisim.explore.scoring import feature_scores, stable_production_scores
from genaisim.explore.sensitivity import sobol_convergence, sobol_second_order, tornado_table
from genaisim.explore.tidy import export_wide, plain_names, wide_table

__all__ = [
    "Discovery",
    "discover",
    "evaluate",
    "export_wide",
    "feature_scores",
    "plain_names",
    "sobol_convergence",
    "sobol_second_order",
    "stable_production_scores",
    "tornado_table",
    "wide_table",
]
