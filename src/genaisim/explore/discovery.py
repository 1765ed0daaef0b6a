"""Scenario discovery: the region of parameter space where a condition holds.

Two rule-induction methods from the EMA Workbench (Kwakkel 2017), run on the runs of a
sweep with their design parameters as inputs and a condition (a label or a threshold
on an outcome, see :mod:`genaisim.explore.condition`) as the case of interest:

- **PRIM** (Friedman & Fisher 1999; Bryant & Lempert 2010): peels thin slices off a box
  around all runs, each time the slice whose removal raises the share of cases of
  interest in the box most, until the box holds ``mass_min`` of the runs. Every box on
  the way is a trade-off between **coverage** (the share of all cases of interest inside
  the box) and **density** (the share of runs in the box that are cases of interest).
  The chosen box is the one with the highest coverage among those with density at least
  ``min_density``. Each restriction's **quasi-p-value** is a one-sided binomial test of
  whether lifting it would lower the density by chance alone: a restriction with a
  large value (above 0.05) is not supported by the data.
- **CART** (Breiman et al. 1984): a classification tree whose leaves are boxes too; its
  rules show the same regions as disjoint pieces.

    >>> from genaisim.experiments import load_sweep
    >>> from genaisim.explore import discover
    >>> results = load_sweep("results/discover_compounding")    # doctest: +SKIP
    >>> print(discover(results, "compounding").sentence())     # doctest: +SKIP

The unit is the case: one organisation in one run (a replication of a design point).
The organisations of a run, and the replications of a design point, count as separate
cases, so noisy outcomes give less dense boxes rather than being averaged away.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from genaisim.experiments import ExperimentError, SweepResults
from genaisim.explore.condition import condition_label, evaluate, expand
from genaisim.explore.tidy import wide_table

#: Density the chosen PRIM box must reach (share of cases of interest inside it).
MIN_DENSITY = 0.8
#: PRIM's peeling step: the share of the box's runs removed at each step.
PEEL_ALPHA = 0.05
#: The smallest box PRIM and CART consider, as a share of all runs.
MASS_MIN = 0.05
#: Quasi-p-value above which a restriction is reported as not significant.
SIGNIFICANCE = 0.05


def _workbench():
    """The EMA Workbench's prim and cart modules, imported quietly.

    The workbench warns on import about optional parallel back-ends we do not use.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import cart, prim
    return prim, cart


@dataclass
class Discovery:
    """What scenario discovery found for one condition.

    Attributes:
        condition: the condition, as given.
        parameters: plain parameter name -> scenario key (or itself, for a table).
        runs: how many cases (organisation x run) were analysed.
        cases: how many of them meet the condition.
        trajectory: PRIM's peeling trajectory, one row per box: ``box``, ``coverage``,
            ``density``, ``mass``, ``restricted`` (dimensions), ``runs`` (cases in the box),
            ``cases`` (cases of interest in the box).
        chosen: the row of ``trajectory`` chosen (see :data:`MIN_DENSITY`).
        limits: the chosen box, one row per parameter: ``parameter``, ``low``, ``high``
            (PRIM's limits), ``inside_low``, ``inside_high`` (values of the runs in the
            box), ``range_low``, ``range_high`` (all runs), ``restricted``, ``qp_low``,
            ``qp_high`` (quasi-p-values of the lower and upper restriction; NaN where
            that side is not restricted).
        rules: CART's leaves where the condition is the majority, densest first:
            ``rule`` (in words), ``coverage``, ``density``, ``mass``, ``runs`` (cases in
            the leaf). With ``attrs["unsplit"]`` (the smallest leaf) when the tree could not
            split at all.
        min_density: the density the chosen box had to reach.

    """

    condition: str
    parameters: dict[str, str]
    runs: int
    cases: int
    trajectory: pd.DataFrame
    chosen: int
    limits: pd.DataFrame
    rules: pd.DataFrame
    min_density: float = MIN_DENSITY
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def box(self) -> pd.Series:
        """The chosen box's statistics (a row of ``trajectory``)."""
        return self.trajectory.iloc[self.chosen]

    @property
    def base_rate(self) -> float:
        """The share of all runs that meet the condition."""
        return self.cases / self.runs

    def restrictions(self) -> pd.DataFrame:
        """The rows of ``limits`` the chosen box restricts."""
        return self.limits[self.limits["restricted"]]

    def sentence(self) -> str:
        """The chosen box in plain words: who is in it, and how often the condition holds."""
        box = self.box
        label = condition_label(self.condition)
        who = f"{label} organisations" if label else f"organisations with {expand(self.condition)}"
        restricted = self.restrictions()
        if restricted.empty:
            return (
                f"No region stands out: the condition holds for {self.base_rate:.0%} of all "
                f"{self.runs:,} cases (organisation-runs), and no box of parameter values "
                f"reaches a density of {self.min_density:.0%} while keeping most of them."
            )
        parts = [describe_limit(row) for row in restricted.itertuples()]
        holds = f"are {label}" if label else "meet it"
        text = (
            f"{box['coverage']:.0%} of {who} have {_join(parts)}; "
            f"{box['density']:.0%} of organisations in that box {holds} "
            f"(against {self.base_rate:.0%} of all {self.runs:,} cases)."
        )
        if box["density"] < self.min_density:
            text += (
                f" No box reached a density of {self.min_density:.0%}; this is the densest "
                "PRIM found."
            )
        weak = restricted[[is_weak(row) for row in restricted.itertuples()]]
        if not weak.empty:
            names = [_words(p) for p in weak["parameter"]]
            verb = "is" if len(names) == 1 else "are"
            noun = "restriction" if len(names) == 1 else "restrictions"
            text += (
                f" The {noun} on {_join(names)} {verb} not significant (quasi-p > {SIGNIFICANCE})."
            )
        return text


def is_weak(row: Any) -> bool:
    """Whether a restriction is not significant: a side it restricts has quasi-p above 0.05.

    Only the sides the box restricts count: a one-sided limit has one quasi-p-value.
    """
    sides = [(row.low > row.range_low, row.qp_low), (row.high < row.range_high, row.qp_high)]
    return any(restricts and pd.notna(qp) and qp > SIGNIFICANCE for restricts, qp in sides)


def _words(name: str) -> str:
    return name.replace("_", " ")


def _number(value: float) -> str:
    return f"{value:.3g}"


def describe_limit(row: Any) -> str:
    """One restriction in words: ``owner probability ≥ 0.6``, or a range.

    The values named are the smallest and largest values of the runs inside the box
    (``inside_low``, ``inside_high``) where the row has them, else the box's limits.
    """
    low = row.low > row.range_low
    high = row.high < row.range_high
    at_low = getattr(row, "inside_low", row.low)
    at_high = getattr(row, "inside_high", row.high)
    name = _words(row.parameter)
    if low and high:
        return f"{name} between {_number(at_low)} and {_number(at_high)}"
    if low:
        return f"{name} \u2265 {_number(at_low)}"
    return f"{name} \u2264 {_number(at_high)}"


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _inputs(
    data: SweepResults | pd.DataFrame, parameters: Sequence[str] | None
) -> tuple[pd.DataFrame, dict[str, str], dict[str, Any]]:
    """The runs table, the parameter columns (plain -> key) and where it came from."""
    if isinstance(data, SweepResults):
        table = wide_table(data)
        names = dict(table.attrs["parameters"])
        source = {"path": str(data.path), "manifest": data.manifest}
    else:
        table = data
        names = dict(data.attrs.get("parameters", {}))
        source = {}
    if parameters:
        missing = [p for p in parameters if p not in table.columns]
        if missing:
            raise ExperimentError(
                f"no parameter column {', '.join(map(repr, missing))}; choose from: "
                f"{', '.join(names or table.columns)}"
            )
        names = {p: names.get(p, p) for p in parameters}
    if not names:
        raise ExperimentError(
            "no parameters to search: the sweep's design varies none, or name the columns"
        )
    varied = {p: k for p, k in names.items() if table[p].nunique() > 1}
    if not varied:
        raise ExperimentError("every parameter has one value in these runs; nothing to search")
    return table, varied, source


def discover(
    data: SweepResults | pd.DataFrame,
    condition: str,
    parameters: Sequence[str] | None = None,
    min_density: float = MIN_DENSITY,
    peel_alpha: float = PEEL_ALPHA,
    mass_min: float = MASS_MIN,
) -> Discovery:
    """Find the parameter region where ``condition`` holds, with PRIM and CART.

    Args:
        data: a sweep's results, or a table with one row per run (such as
            :func:`~genaisim.explore.wide_table`).
        condition: which runs are cases of interest (see :mod:`genaisim.explore.condition`).
        parameters: the columns to search over (default: every parameter the sweep
            varies; for a table, those in ``attrs["parameters"]``).
        min_density: the density the chosen box must reach, between 0 and 1.
        peel_alpha: PRIM's peeling step.
        mass_min: the smallest box, as a share of all runs.

    Raises:
        ExperimentError: an invalid condition, no runs meeting it (or all of them),
            or nothing to search over.

    """
    if not 0 < min_density <= 1:
        raise ExperimentError(f"min_density = {min_density}: give a number above 0, at most 1")
    table, names, source = _inputs(data, parameters)
    y = evaluate(table, condition)
    cases = int(y.sum())
    if cases == 0 or cases == len(y):
        which = "no" if cases == 0 else "every"
        raise ExperimentError(
            f"condition {condition!r} holds for {which} case of {len(y):,}; "
            "there is no region to find"
        )
    x = table[list(names)].astype(float).reset_index(drop=True)
    prim, cart = _workbench()
    with warnings.catch_warnings():
        # The workbench uses pandas idioms that pandas now deprecates; not ours to fix.
        warnings.filterwarnings("ignore", module=r"ema_workbench\.")
        peeler = prim.Prim(x, y.astype(int), peel_alpha=peel_alpha, mass_min=mass_min)
        box = peeler.find_box()
        trajectory = _trajectory(box.peeling_trajectory)
        chosen = choose_box(trajectory, min_density)
        limits = _limits(box, chosen, x)
        rules = _cart_rules(cart, x, y, mass_min)
    return Discovery(
        condition=condition,
        parameters=names,
        runs=len(y),
        cases=cases,
        trajectory=trajectory,
        chosen=chosen,
        limits=limits,
        rules=rules,
        min_density=min_density,
        source=source,
    )


def _trajectory(peeling: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "box": peeling["id"].astype(int),
            "coverage": peeling["coverage"].astype(float),
            "density": peeling["density"].astype(float),
            "mass": peeling["mass"].astype(float),
            "restricted": peeling["res_dim"].astype(int),
            "runs": peeling["n"].astype(int),
            "cases": peeling["k"].astype(int),
        }
    )
    return table.reset_index(drop=True)


def choose_box(trajectory: pd.DataFrame, min_density: float = MIN_DENSITY) -> int:
    """The row with the highest coverage among those with density ≥ ``min_density``.

    Ties go to fewer restricted dimensions, then to the higher density. When no box
    is dense enough, the densest box is chosen.
    """
    dense = trajectory[trajectory["density"] >= min_density - 1e-12]
    if dense.empty:
        return int(trajectory["density"].to_numpy().argmax())
    ranked = dense.sort_values(
        ["coverage", "restricted", "density"], ascending=[False, True, False], kind="stable"
    )
    return int(ranked.index[0])


def _limits(box: Any, chosen: int, x: pd.DataFrame) -> pd.DataFrame:
    lims = box.box_lims[chosen]
    p_values = box.p_values[chosen]
    inside = np.ones(len(x), dtype=bool)
    for name in x.columns:
        inside &= x[name].between(float(lims.loc[0, name]), float(lims.loc[1, name])).to_numpy()
    rows = []
    for name in x.columns:
        low, high = float(lims.loc[0, name]), float(lims.loc[1, name])
        range_low, range_high = float(x[name].min()), float(x[name].max())
        qp = p_values.get(name, [-1, -1])
        rows.append(
            {
                "parameter": name,
                "low": low,
                "high": high,
                # PRIM cuts half-way between two values; on a grid, the values inside
                # the box are the ones a reader can act on.
                "inside_low": float(x.loc[inside, name].min()),
                "inside_high": float(x.loc[inside, name].max()),
                "range_low": range_low,
                "range_high": range_high,
                "restricted": bool(low > range_low or high < range_high),
                "qp_low": _quasi_p(qp[0], low > range_low),
                "qp_high": _quasi_p(qp[1], high < range_high),
            }
        )
    return pd.DataFrame(rows)


def leaf_size(cases: int, mass_min: float) -> int:
    """The fewest cases a CART leaf may hold: ``mass_min`` of them, and at least one."""
    return max(1, int(mass_min * cases))


def _quasi_p(value: Any, restricts: bool) -> float:
    """A side's quasi-p-value, or NaN where the box does not restrict that side."""
    if not restricts or value is None or value < 0:
        return np.nan
    return float(value)


def _cart_rules(cart: Any, x: pd.DataFrame, y: np.ndarray, mass_min: float) -> pd.DataFrame:
    columns = ["rule", "coverage", "density", "mass", "runs"]
    n = len(y)
    smallest = leaf_size(n, mass_min)
    # The workbench takes the leaf size as a share and rounds it down; half a case more
    # keeps a share of a few cases from rounding down to a leaf of none.
    tree = cart.CART(x, y.astype(int), mass_min=(smallest + 0.5) / n)
    tree.build_tree()
    if tree.clf.tree_.node_count == 1:
        # No split leaves both sides their smallest size: the tree is its root alone.
        density = float(np.mean(y))
        rows = [{"rule": "all cases", "coverage": 1.0, "density": density, "mass": 1.0, "runs": n}]
        table = pd.DataFrame(rows if density > 0.5 else [], columns=columns)
        table.attrs["unsplit"] = smallest
        return table
    initial = x.agg(["min", "max"]).reset_index(drop=True)
    rows = []
    for lims, stats in zip(tree.boxes, tree.stats, strict=True):
        if stats["density"] <= 0.5:  # a leaf where the condition is not the majority
            continue
        parts = []
        for name in x.columns:
            row = pd.Series(
                {
                    "parameter": name,
                    "low": float(lims.loc[0, name]),
                    "high": float(lims.loc[1, name]),
                    "range_low": float(initial.loc[0, name]),
                    "range_high": float(initial.loc[1, name]),
                }
            )
            if row["low"] > row["range_low"] or row["high"] < row["range_high"]:
                parts.append(describe_limit(row))
        rows.append(
            {
                "rule": _join(parts) if parts else "all cases",
                "coverage": float(stats["coverage"]),
                "density": float(stats["density"]),
                "mass": float(stats["mass"]),
                "runs": round(float(stats["mass"]) * len(y)),
            }
        )
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["density", "coverage"], ascending=False, ignore_index=True)


__all__ = ["MIN_DENSITY", "Discovery", "choose_box", "describe_limit", "discover"]
