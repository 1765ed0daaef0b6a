"""Exploratory analysis of a sweep: where a condition holds, and what matters for an outcome.

- :func:`wide_table` / :func:`export_wide`: one row per run, parameters beside outcomes;
- :func:`discover`: scenario discovery with PRIM and CART (EMA Workbench);
- :func:`feature_scores`: extra-trees and permutation importance for any outcome.

    >>> from genaisim.experiments import load_sweep
    >>> from genaisim import explore
    >>> results = load_sweep("results/discover_compounding")          # doctest: +SKIP
    >>> print(explore.discover(results, "compounding").sentence())    # doctest: +SKIP
"""

from genaisim.explore.condition import evaluate
from genaisim.explore.discovery import Discovery, discover
from genaisim.explore.scoring import feature_scores
from genaisim.explore.tidy import export_wide, plain_names, wide_table

__all__ = [
    "Discovery",
    "discover",
    "evaluate",
    "export_wide",
    "feature_scores",
    "plain_names",
    "wide_table",
]
