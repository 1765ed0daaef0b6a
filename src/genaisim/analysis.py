"""Analysing a sweep: summaries with confidence intervals, sensitivity indices, predictors.

Plain functions over a :class:`~genaisim.experiments.SweepResults` (or its ``.runs``
table), each returning a tidy DataFrame a script can print, plot or save:

    >>> from genaisim.experiments import load_sweep
    >>> from genaisim import analysis
    >>> results = load_sweep("results/foundations")                  # doctest: +SKIP
    >>> analysis.summary_by(results, by=["ownership"])               # doctest: +SKIP
    >>> analysis.label_shares(results, by=["ownership", "data"])     # doctest: +SKIP

The replication, not the organisation, is the independent unit: the organisations of
one replication share one model and one seed. So every statistic over replications
first averages the organisations of each replication, and a population of 200
organisations counts as one observation per replication, not 200.

A scenario's :class:`genaisim.Results` works too, as a single design point.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from genaisim.experiments import ExperimentError, SweepResults
from genaisim.intervals import t_half_width
from genaisim.labels import LABELS
from genaisim.results import Results, simulate
from genaisim.scenario import Scenario
from genaisim.usecases import BY_NAME

#: The outcomes :func:`summary_by` reports unless told otherwise.
DEFAULT_OUTCOMES: tuple[str, ...] = (
    "cumulative_net_value",
    "net_value_last_year",
    "pilots_started",
    "production",
    "pilots_open",
    "median_months_to_production",
    "production_quality",
)

#: A deployment counts as having reached stable production after this many months live:
#: two years, so it has come through at least one budget review after its grace period.
STABLE_MONTHS = 24
#: Only deployments started at least this many months before the horizon are judged:
#: a later one has not had the time to go live and then stay live for two years.
HISTORY_MONTHS = 36

Data = SweepResults | pd.DataFrame


# -- shared helpers ------------------------------------------------------------------
def _runs_table(results: Data | Results) -> pd.DataFrame:
    """The runs table of a sweep, or a table like it; a scenario's summary is one point."""
    if isinstance(results, SweepResults):
        runs = results.runs
    elif isinstance(results, Results):
        runs = results.summary()
    else:
        runs = results
    if runs.empty:
        raise ExperimentError(f"{_where(results)}: no runs have results yet")
    if "point" not in runs.columns:
        runs = runs.assign(point=0)
    return runs


def _where(results: Any) -> str:
    if isinstance(results, SweepResults):
        return str(results.path)
    return "the results"


def _design(results: SweepResults) -> dict[str, Any]:
    return results.manifest.get("experiment", {}).get("design", {})


def design_columns(results: SweepResults) -> list[str]:
    """The columns that name a design point in the design's own terms.

    Factorial: the factors' levels and the listed parameters' values; points and
    one-at-a-time: the point's name; sampled designs: the sampled parameters' values.
    """
    design = _design(results)
    kind = design.get("kind")
    if kind == "factorial":
        return [*design.get("factors", {}), *design.get("parameters", {})]
    if kind in ("points", "oat"):
        return ["point_name"]
    return list(design.get("parameters", {}))


def _check_columns(runs: pd.DataFrame, columns: Sequence[str], what: str, where: str) -> None:
    missing = [c for c in columns if c not in runs.columns]
    if missing:
        raise ExperimentError(
            f"{where}: no {what} {', '.join(map(repr, missing))} in the results; "
            f"choose from: {', '.join(runs.columns)}"
        )


def _with_label_outcomes(runs: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """Add a 0/1 column for each outcome that is a trajectory label."""
    labels = [o for o in outcomes if o in LABELS and o not in runs.columns]
    if not labels:
        return runs
    return runs.assign(**{label: (runs["label"] == label).astype(float) for label in labels})


def replication_means(
    results: Data | Results, outcomes: Sequence[str], by: Sequence[str] = ()
) -> pd.DataFrame:
    """Outcomes averaged over organisations: one row per design point x replication (x group).

    An organisation without a value (say, no system ever reached production, so no
    months-to-production) is left out of its replication's mean rather than counted
    as zero.
    """
    runs = _with_label_outcomes(_runs_table(results), outcomes)
    _check_columns(runs, [*by, *outcomes], "column", _where(results))
    unit = list(dict.fromkeys([*by, "point", "replication"]))
    means = runs.groupby(unit, sort=False, dropna=False)[list(outcomes)].mean()
    return means.reset_index()


# -- summaries -----------------------------------------------------------------------
def summary_by(
    results: Data | Results,
    by: Sequence[str] | None = None,
    outcomes: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean, standard deviation, count and confidence interval of outcomes, per group.

    Method: each replication's outcome is first averaged over its organisations (see
    :func:`replication_means`); then, per group, the mean ``m``, sample standard
    deviation ``s`` and count ``n`` of those replication means give the interval
    ``m ± t(1 - α/2; n - 1) · s / √n`` with Student's t (``scipy.stats.t``), where
    ``α = 1 - confidence``. Student's t rather than the normal quantile because
    sweeps often run few replications (with 5, the normal interval would be 30%
    too narrow). The interval is undefined (NaN) for a group with one value.

    Args:
        results: a sweep's results or their ``runs`` table (or a scenario's
            :class:`genaisim.Results`, as one design point).
        by: the columns to group by; default: each design point (``point`` and the
            columns that name it, see :func:`design_columns`). A group spanning several
            design points pools their point x replication means.
        outcomes: columns of ``runs``; a trajectory label (e.g. ``"compounding"``)
            is an outcome too: its mean is the share of trajectories with that label.
            Default: :data:`DEFAULT_OUTCOMES`.
        confidence: the interval's confidence level.

    Returns:
        One row per group x outcome (groups in design order, outcomes in the order
        given): the group columns, ``outcome``, ``mean``, ``sd``, ``n``, ``ci_low``
        and ``ci_high``. ``n`` counts the replication means with a value.

    """
    if not 0 < confidence < 1:
        raise ExperimentError(f"confidence = {confidence}: give a number between 0 and 1")
    outcomes = list(outcomes or DEFAULT_OUTCOMES)
    groups = _groups(results, by)
    means = replication_means(results, outcomes, groups)
    means["_group"] = means.groupby(groups, sort=False, dropna=False).ngroup()
    long = means.melt(id_vars=["_group", *groups], value_vars=outcomes, var_name="outcome")
    table = (
        long.groupby(["_group", "outcome"], sort=False)
        .agg(
            **{column: (column, "first") for column in groups},
            mean=("value", "mean"),
            sd=("value", "std"),
            n=("value", "count"),
        )
        .reset_index()
    )
    table["_order"] = table["outcome"].map({o: i for i, o in enumerate(outcomes)})
    table = table.sort_values(["_group", "_order"], ignore_index=True)
    half = _t_half_width(table["sd"].to_numpy(float), table["n"].to_numpy(int), confidence)
    table["ci_low"] = table["mean"] - half
    table["ci_high"] = table["mean"] + half
    return table[[*groups, "outcome", "mean", "sd", "n", "ci_low", "ci_high"]]


def _groups(results: Data, by: Sequence[str] | None) -> list[str]:
    if by:
        return list(dict.fromkeys(by))
    if isinstance(results, SweepResults):
        return list(dict.fromkeys(["point", *design_columns(results)]))
    return ["point"]


def _t_half_width(sd: np.ndarray, n: np.ndarray, confidence: float) -> np.ndarray:
    """Half-width of the Student's t interval; NaN where fewer than two values."""
    return t_half_width(sd, n, confidence)


def label_shares(results: Data | Results, by: Sequence[str] | None = None) -> pd.DataFrame:
    """Share of trajectories (replication x organisation rows) with each label.

    Method: counting. Every label of :data:`genaisim.labels.LABELS` gets a column in
    that order, 0 where no trajectory has it, so shares sum to 1 across a row and
    tables from different sweeps line up.

    Args:
        results: a sweep's results or their ``runs`` table (or a :class:`genaisim.Results`).
        by: columns to group by; default: one row for all trajectories.

    Returns:
        The group columns (if any), one column per label, and ``n``: trajectories.

    """
    runs = _runs_table(results)
    groups = list(dict.fromkeys(by or []))
    _check_columns(runs, groups, "column", _where(results))
    if not groups:
        counts = runs["label"].value_counts()
        shares = (counts / counts.sum()).reindex(LABELS, fill_value=0.0)
        return pd.DataFrame([{**shares.to_dict(), "n": int(counts.sum())}])
    grouped = runs.groupby(groups, sort=False, dropna=False)["label"]
    table = grouped.value_counts(normalize=True).unstack(fill_value=0.0)
    extra = [label for label in table.columns if label not in LABELS]
    table = table.reindex(columns=[*LABELS, *extra], fill_value=0.0)
    table["n"] = grouped.size()
    table.columns.name = None
    return table.reset_index()


# -- sensitivity (sampled designs) ---------------------------------------------------
def _point_outcome(results: SweepResults, outcome: str, kind: str) -> np.ndarray:
    """The outcome at every design point, in point (SALib sample) order."""
    if not isinstance(results, SweepResults):
        raise ExperimentError(f"{kind} indices need a sweep's results (load_sweep), not a table")
    design = _design(results)
    if design.get("kind") != kind or results.problem is None:
        raise ExperimentError(
            f"{results.path}: {kind} indices need a {kind!r} design; this experiment's "
            f"design is {design.get('kind')!r}"
        )
    runs = _runs_table(results)
    _check_columns(runs, [outcome], "outcome", str(results.path))
    replications = int(results.manifest.get("replications", 1))
    points = results.points["point"].to_numpy()
    counts = runs.groupby("point")["replication"].nunique().reindex(points, fill_value=0)
    complete = int((counts >= replications).sum())
    if complete < len(points):
        failed = len(results.failures)
        note = f" ({failed} runs failed; see {results.path / 'failures'})" if failed else ""
        raise ExperimentError(
            f"{results.path}: {kind} indices need every design point; only {complete} of "
            f"{len(points)} points have results for all {replications} replications{note}. "
            "Finish the sweep first: run `genaisim sweep` again with --out "
            f"{results.path} --resume"
        )
    means = replication_means(results, [outcome]).groupby("point")[outcome].mean()
    values = means.reindex(points).to_numpy(float)
    missing = int(np.isnan(values).sum())
    if missing:
        raise ExperimentError(
            f"{results.path}: {outcome} has no value at {missing} of {len(values)} design "
            "points (no organisation there has one); choose an outcome every run has"
        )
    if np.ptp(values) == 0:
        raise ExperimentError(
            f"{results.path}: {outcome} is {values[0]:g} at every design point; "
            "there is no variance to attribute to the parameters"
        )
    return values


def sobol_indices(results: SweepResults, outcome: str = "cumulative_net_value") -> pd.DataFrame:
    """First-order and total Sobol indices of ``outcome`` for each sampled parameter.

    Method: Saltelli's estimators as SALib implements them
    (``SALib.analyze.sobol.analyze``) on the outcome at each design point, averaged
    over its replications, in point order (which is SALib's sample order). Averaging
    first makes the indices describe the model's systematic response; replication
    noise left in the means shows up as small indices that do not sum to 1 and wide
    intervals. Confidence intervals (95%) come from SALib's bootstrap, seeded with the
    experiment's seed so the table is reproducible.

    ``S1`` is the share of the outcome's variance a parameter causes alone; ``ST``
    adds every interaction it takes part in. ``ST - S1`` large: the parameter
    matters through interactions.

    A design with ``[design.groups]`` gets one row per group (its parameters move
    together), named by the group.

    Returns:
        One row per parameter or group: ``parameter``, ``S1``, ``S1_conf``, ``ST``,
        ``ST_conf``.

    Raises:
        ExperimentError: the design is not sobol, or some design points lack results.

    """
    from SALib.analyze import sobol

    values = _point_outcome(results, outcome, "sobol")
    problem = copy.deepcopy(results.problem)  # SALib adds keys to the dict it is given
    second_order = bool(_design(results).get("second_order", False))
    indices = sobol.analyze(
        problem,
        values,
        calc_second_order=second_order,
        conf_level=0.95,
        seed=int(results.manifest["seed"]),
    )
    return pd.DataFrame(
        {
            "parameter": _factor_names(results.problem),
            **{key: indices[key] for key in ("S1", "S1_conf", "ST", "ST_conf")},
        }
    )


def _factor_names(problem: dict[str, Any]) -> list[str]:
    """What SALib reports an index for: each group (in order of first use), else each name."""
    groups = problem.get("groups")
    return list(dict.fromkeys(groups)) if groups else list(problem["names"])


def morris_indices(results: SweepResults, outcome: str = "cumulative_net_value") -> pd.DataFrame:
    """Morris elementary-effect statistics of ``outcome`` for each sampled parameter.

    Method: Morris screening as SALib implements it (``SALib.analyze.morris.analyze``,
    with the design's grid levels) on the points' parameter values and the outcome
    averaged over replications at each point. Cheap screening: ``mu_star`` (mean
    absolute effect of moving the parameter by one grid step) ranks importance,
    ``sigma`` flags non-linear or interacting parameters, and ``mu`` against
    ``mu_star`` tells whether the effect's sign is consistent. The 95% interval of
    ``mu_star`` is SALib's bootstrap, seeded with the experiment's seed.

    Parameters whose values the plan rounds to whole numbers (integer parameters)
    may take steps of unequal size; keep their ranges wide relative to the grid.

    A design with ``[design.groups]`` gets one row per group, named by the group;
    SALib then leaves ``sigma`` undefined (NaN) for groups of several parameters.

    Returns:
        One row per parameter or group: ``parameter``, ``mu``, ``mu_star``,
        ``mu_star_conf``, ``sigma``.

    Raises:
        ExperimentError: the design is not morris, or some design points lack results.

    """
    from SALib.analyze import morris

    values = _point_outcome(results, outcome, "morris")
    problem = copy.deepcopy(results.problem)
    inputs = results.points.sort_values("point")[problem["names"]].to_numpy(float)
    indices = morris.analyze(
        problem,
        inputs,
        values,
        num_levels=int(_design(results).get("levels", 4)),
        conf_level=0.95,
        seed=int(results.manifest["seed"]),
    )
    return pd.DataFrame(
        {
            "parameter": _factor_names(results.problem),
            **{
                key: np.asarray(indices[key], dtype=float)
                for key in ("mu", "mu_star", "mu_star_conf", "sigma")
            },
        }
    )


# -- what predicts stable production -------------------------------------------------
def stable_production_predictors(
    results: SweepResults,
    min_months: int = STABLE_MONTHS,
    shuffles: int = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """Which factor best predicts that a deployment reaches stable production.

    A deployment reaches stable production when it has been live ``min_months`` or
    more; only deployments started at least :data:`HISTORY_MONTHS` months before the
    horizon are judged (later ones have not had the time).

    Candidate predictors, per deployment:

    - ``business_unit_owner``: a business-unit owner took it (not the technology team);
    - ``owner_resourced``: that business-unit owner has time set aside (0 when the
      technology team stands in; the model treats that team as always resourced, which
      would otherwise make this a mirror image of the owner's kind);
    - ``kpis_defined``: KPIs were defined before go-live;
    - ``data_dependence``: how much its use case's quality depends on production data;
    - every numeric scenario parameter the design varies (the points table); in a
      factorial design, a factor's levels stand in for the parameters they set: one 0/1
      predictor per level after the first (``data = present``).

    Method: a logistic regression of stable production on all predictors at once,
    each standardised (mean 0, sd 1) so coefficients are log-odds per standard
    deviation and comparable; fitted by Newton's method with numpy and scipy, with
    a weak ridge penalty (0.001 on the standardised coefficients, negligible beside
    thousands of deployments) that keeps the fit finite when a predictor nearly
    separates the outcome. Standard errors come from the inverse of the information
    matrix. It is interpretable (a sign, a size, an uncertainty per predictor) and
    needs no extra dependency.

    As a second, model-free measure, each predictor's **permutation importance**:
    the fall in the fitted model's mean log-likelihood per deployment when that
    predictor's column is shuffled (mean over ``shuffles`` shuffles, ``seed`` fixed).
    It is in one unit for all predictors whatever their scale or prevalence (a
    standardised coefficient of a rare binary predictor can be large yet explain
    little), and it measures what the fit loses without the predictor. Predictors
    that move exactly together in the design (the parameters of one factorial
    factor) cannot be told apart and are merged into one, named ``a + b``; correlated
    but distinct predictors share credit in both measures, so read a low rank of one
    of them with that in mind. Predictors constant among the judged deployments are
    left out.

    Returns:
        One row per predictor, most important first: ``predictor``, ``importance``
        (nats per deployment), ``importance_sd`` (over shuffles), ``coefficient``
        (log-odds per sd), ``std_error``. ``attrs`` holds ``deployments`` (judged),
        ``stable_share`` (the share that reached stable production) and the arguments.

    Raises:
        ExperimentError: the experiment did not record deployments, or too few
        deployments can be judged.

    """
    candidates, stable = stable_production_data(results, min_months)
    names, matrix = _merge_identical(candidates)
    spread = matrix.std(axis=0)
    keep = spread > 0
    names = [n for n, k in zip(names, keep, strict=True) if k]
    matrix = (matrix[:, keep] - matrix[:, keep].mean(axis=0)) / spread[keep]
    design = np.column_stack([np.ones(len(matrix)), matrix])
    beta, covariance = _fit_logistic(design, stable)
    baseline = _mean_log_likelihood(design, stable, beta)
    rng = np.random.default_rng(seed)
    losses = np.empty((len(names), shuffles))
    for j in range(len(names)):
        shuffled = design.copy()
        for s in range(shuffles):
            shuffled[:, j + 1] = rng.permutation(design[:, j + 1])
            losses[j, s] = baseline - _mean_log_likelihood(shuffled, stable, beta)
    table = pd.DataFrame(
        {
            "predictor": names,
            "importance": losses.mean(axis=1),
            "importance_sd": losses.std(axis=1, ddof=1) if shuffles > 1 else np.nan,
            "coefficient": beta[1:],
            "std_error": np.sqrt(np.diag(covariance))[1:],
        }
    )
    table = table.sort_values("importance", ascending=False, ignore_index=True)
    table.attrs.update(
        {
            "deployments": len(stable),
            "stable_share": float(stable.mean()),
            "min_months": min_months,
            "history_months": HISTORY_MONTHS,
            "shuffles": shuffles,
            "seed": seed,
        }
    )
    return table


def stable_production_data(
    results: SweepResults, min_months: int = STABLE_MONTHS
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The judged deployments' candidate predictors and whether each reached stable production.

    The deployments and predictors of :func:`stable_production_predictors`; its
    logistic regression and :func:`genaisim.explore.stable_production_scores` (extra
    trees) both read them.

    Returns:
        The candidate predictors by name (one value per judged deployment) and a 0/1
        array: reached ``min_months`` months live.

    """
    if not isinstance(results, SweepResults):
        raise ExperimentError("stable_production_predictors needs a sweep's results (load_sweep)")
    if not results.manifest.get("experiment", {}).get("deployments", False):
        raise ExperimentError(
            f"{results.path}: the experiment did not record deployments; add "
            "`deployments = true` to its [experiment] table and run the sweep again "
            "into a new --out folder"
        )
    deployments = results.deployments()
    horizon = _horizon_months(results)
    judged = deployments[deployments["month_started"] <= horizon - HISTORY_MONTHS]
    if len(judged) < 10:
        raise ExperimentError(
            f"{results.path}: only {len(judged)} deployments started at least "
            f"{HISTORY_MONTHS} months before the horizon (month {horizon}); "
            "run more years or more replications"
        )
    stable = (judged["months_in_production"].to_numpy(float) >= min_months).astype(float)
    if stable.min() == stable.max():
        raise ExperimentError(
            f"{results.path}: {'every' if stable[0] else 'no'} judged deployment reached "
            f"stable production ({min_months} months live); nothing to predict"
        )
    return _candidate_predictors(results, judged), stable


def _horizon_months(results: SweepResults) -> int:
    years = results.manifest.get("experiment", {}).get("years")
    if years is None:
        years = results.experiment().base_scenario().simulation.years
    return int(years) * 12


def _candidate_predictors(results: SweepResults, judged: pd.DataFrame) -> dict[str, np.ndarray]:
    business = (judged["owner_kind"] == "business_unit").to_numpy()
    candidates = {
        "business_unit_owner": business.astype(float),
        "owner_resourced": (business & judged["owner_resourced"].to_numpy(bool)).astype(float),
        "kpis_defined": judged["kpis_defined"].to_numpy(bool).astype(float),
        "data_dependence": judged["use_case"].map(lambda n: BY_NAME[n].data_dependence),
    }
    # A factorial factor sets several parameters at once; its levels are the predictor,
    # read as "this level rather than the first" (e.g. data = present).
    design = _design(results)
    factors = design.get("factors", {}) if design.get("kind") == "factorial" else {}
    for factor, levels in factors.items():
        for level in list(levels)[1:]:
            candidates[f"{factor} = {level}"] = (judged[factor] == level).to_numpy()
    set_by_factors = {
        key for levels in factors.values() for changes in levels.values() for key in changes
    } - set(design.get("parameters", {}))
    for column in results.points.columns:
        if column in ("point", *factors, *set_by_factors) or column not in judged.columns:
            continue
        values = judged[column]
        if pd.api.types.is_numeric_dtype(values) and results.points[column].nunique() > 1:
            candidates[column] = values
    return {name: np.asarray(values, dtype=float) for name, values in candidates.items()}


def _merge_identical(candidates: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """Merge predictors that are exact linear functions of each other (|r| = 1)."""
    names: list[str] = []
    columns: list[np.ndarray] = []
    for name, values in candidates.items():
        for i, kept in enumerate(columns):
            if values.std() > 0 and kept.std() > 0:
                r = np.corrcoef(values, kept)[0, 1]
                if abs(r) > 1 - 1e-9:
                    names[i] += f" + {name}" if r > 0 else f" - {name}"
                    break
        else:
            names.append(name)
            columns.append(values)
    return names, np.column_stack(columns)


RIDGE = 1e-3  # weak penalty on standardised coefficients; see stable_production_predictors


def _fit_logistic(
    design: np.ndarray, outcome: np.ndarray, max_steps: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Penalised maximum-likelihood logistic regression by Newton's method with step halving.

    The first column of ``design`` is the intercept, which is not penalised.
    Returns the coefficients and their covariance (the inverse information matrix).
    """
    penalty = np.full(design.shape[1], RIDGE)
    penalty[0] = 0.0

    def objective(beta: np.ndarray) -> float:
        eta = design @ beta
        return float(np.sum(outcome * eta - np.logaddexp(0.0, eta)) - 0.5 * penalty @ beta**2)

    beta = np.zeros(design.shape[1])
    current = objective(beta)
    information = np.eye(design.shape[1])
    for _ in range(max_steps):
        p = special.expit(design @ beta)
        gradient = design.T @ (outcome - p) - penalty * beta
        information = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(information, gradient)
        scale = 1.0
        while scale > 1e-6:
            candidate = beta + scale * step
            value = objective(candidate)
            if value >= current - 1e-12:
                break
            scale /= 2
        beta, current = candidate, value
        if np.max(np.abs(scale * step)) < 1e-8:
            break
    p = special.expit(design @ beta)
    information = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
    return beta, np.linalg.inv(information)


def _mean_log_likelihood(design: np.ndarray, outcome: np.ndarray, beta: np.ndarray) -> float:
    eta = design @ beta
    return float(np.mean(outcome * eta - np.logaddexp(0.0, eta)))


# -- how many replications -----------------------------------------------------------
def replication_sufficiency(
    data: Data | Results | np.ndarray | Sequence[float],
    outcome: str | None = None,
    max_replications: int | None = None,
) -> pd.DataFrame:
    """How the coefficient of variation of an outcome settles as replications are added.

    Method: Lorscheid, Heine & Meyer (2012), "Opening the 'black box' of simulations",
    Computational and Mathematical Organization Theory 18(1). For n = 2, ..., N, the
    coefficient of variation ``cv = s / |mean|`` of the outcome over the first n
    replications (in replication order) is computed per design point and averaged over
    points. As n grows, the CV stops changing: more replications no longer change
    what the sample says about the outcome's spread. :func:`enough_replications`
    picks the n from which the change stays below a tolerance.

    The CV is a ratio of spread to level, so it suits outcomes with a meaningful zero
    that stay away from it (counts, durations, quality). For an outcome whose mean is
    near zero (net value that crosses zero) the CV is large and erratic; a point whose
    mean is exactly zero is left out of the average at that n.

    Args:
        data: a sweep's results or their ``runs`` table (a row per point x replication
            x organisation; organisations are averaged per replication), a
            :class:`genaisim.Results` (from :func:`genaisim.simulate`), or the values
            themselves: one per replication (1-D) or points x replications (2-D).
        outcome: the column to analyse (not needed for values).
        max_replications: use only the first this many replications.

    Returns:
        One row per n: ``replications`` (n), ``cv``, ``change`` (cv minus that at n - 1)
        and ``relative_change`` (``|change| / cv at n - 1``). ``attrs["points"]``: the
        design points averaged (those with a value for every replication).

    """
    values = _values_by_replication(data, outcome)
    if max_replications is not None:
        values = values[:, :max_replications]
    total = values.shape[1]
    if total < 2:
        raise ExperimentError(
            f"replication sufficiency needs at least 2 replications; there are {total}"
        )
    rows = []
    previous = math.nan
    for n in range(2, total + 1):
        first = values[:, :n]
        mean = np.nanmean(first, axis=1)
        sd = np.nanstd(first, axis=1, ddof=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            cv_per_point = np.where(mean != 0, sd / np.abs(mean), np.nan)
        cv = float(np.nanmean(cv_per_point)) if np.isfinite(cv_per_point).any() else math.nan
        change = cv - previous
        relative = abs(change) / previous if previous else math.nan
        rows.append({"replications": n, "cv": cv, "change": change, "relative_change": relative})
        previous = cv
    table = pd.DataFrame(rows)
    table.attrs["points"] = values.shape[0]
    return table


def _values_by_replication(data: Any, outcome: str | None) -> np.ndarray:
    """The outcome as a points x replications array (organisations averaged)."""
    if isinstance(data, SweepResults | Results | pd.DataFrame):
        if outcome is None:
            raise ExperimentError("replication sufficiency: name the outcome to analyse")
        means = replication_means(data, [outcome])
        grid = means.pivot(index="point", columns="replication", values=outcome)
        grid = grid.reindex(columns=sorted(grid.columns)).dropna(how="any", axis=0)
        if grid.empty:
            raise ExperimentError(
                f"{_where(data)}: no design point has a value of {outcome} for every replication"
            )
        return grid.to_numpy(float)
    values = np.asarray(data, dtype=float)
    if values.ndim == 1:
        values = values[None, :]
    if values.ndim != 2:
        raise ExperimentError(
            "replication sufficiency: give values as replications or points x replications"
        )
    return values


def enough_replications(table: pd.DataFrame, tolerance: float = 0.01) -> int | None:
    """The smallest n from which the CV changes by less than ``tolerance`` at every step.

    Reads a :func:`replication_sufficiency` table: the answer is the smallest n such
    that for every m > n the relative change of the CV from m - 1 to m is below
    ``tolerance`` (0.01: one percent). None when even the last replication still moves
    the CV by more than that: run more replications to find out.
    """
    n = table["replications"].to_numpy(int)
    settled = (table["relative_change"] < tolerance).to_numpy()
    if len(n) < 2 or not settled[-1]:
        return None
    unsettled = np.flatnonzero(~settled[1:])  # the first row has no change to judge
    return int(n[unsettled[-1] + 1]) if len(unsettled) else int(n[0])


def replication_sufficiency_for(
    scenario: Scenario | str | Path,
    outcome: str = "cumulative_net_value",
    replications: int = 100,
    seed: int | None = None,
    years: int | None = None,
) -> pd.DataFrame:
    """:func:`replication_sufficiency` of one scenario, simulated here.

    Runs ``replications`` replications with :func:`genaisim.simulate` (the scenario's
    seed unless ``seed`` is given) and analyses ``outcome`` from the summary table.
    """
    results = simulate(scenario, replications=replications, seed=seed, years=years)
    return replication_sufficiency(results, outcome)


__all__ = [
    "DEFAULT_OUTCOMES",
    "design_columns",
    "enough_replications",
    "label_shares",
    "morris_indices",
    "replication_means",
    "replication_sufficiency",
    "replication_sufficiency_for",
    "sobol_indices",
    "stable_production_data",
    "stable_production_predictors",
    "summary_by",
]
