"""The article's patterns as checks of simulated outcomes, and how far they hold.

Each :class:`Pattern` runs the scenarios it compares (with any parameter changes),
measures one contrast over replications and says whether the article's claim holds,
with a margin of three standard errors of that contrast: the replication is the
unit. Nothing here sets an outcome; a check only reads simulated tables.

A pattern rests on assumptions (``Pattern.assumptions``): parameters with no
empirical source that the claim may depend on. :func:`robustness` sweeps one of
them over levels and reports where the pattern holds; docs/patterns.md publishes
those regions (``make docs``), and the tests check the pattern at the defaults and
at the documented levels.

    >>> from genaisim.patterns import PATTERNS
    >>> result = PATTERNS["discipline_beats_spend"].check(replications=8, seed=1)
    >>> result.holds                                                   # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from genaisim.analysis import HISTORY_MONTHS, STABLE_MONTHS
from genaisim.results import Results, simulate
from genaisim.scenario import load_scenario
from genaisim.usecases import BY_NAME

Changes = Mapping[str, Any]


@dataclass(frozen=True)
class PatternResult:
    """The outcome of one check: the contrast measured, its margin and the verdict."""

    holds: bool
    effect: float
    margin: float
    detail: str


@dataclass(frozen=True)
class Pattern:
    """One of the article's claims, the contrast that tests it and the assumptions it rests on."""

    key: str
    title: str
    claim: str
    contrast: str
    unit: str
    run: Callable[[Changes, int, int], PatternResult]
    replications: int
    #: parameter -> levels to sweep, spanning the parameter's plausible range
    assumptions: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def check(
        self, changes: Changes | None = None, replications: int | None = None, seed: int = 2024
    ) -> PatternResult:
        """Run the comparison with ``changes`` applied to every scenario involved."""
        return self.run(dict(changes or {}), replications or self.replications, seed)


def _run(name: str, changes: Changes, replications: int, seed: int, **more: Any) -> Results:
    scenario = load_scenario(name).with_changes({**changes, **more})
    return simulate(scenario, replications=replications, seed=seed)


def _per_replication(results: Results, column: str, months: slice) -> np.ndarray:
    """Sum of a monthly column over a window, averaged over organisations, per replication."""
    ts = results.timeseries
    window = ts[(ts["month"] >= months.start) & (ts["month"] < months.stop)]
    per_org = window.groupby(["replication", "organisation"])[column].sum()
    return per_org.groupby("replication").mean().to_numpy()


def _mean_se(values: Sequence[float] | np.ndarray) -> tuple[float, float]:
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2:
        return (float(x.mean()) if len(x) else float("nan")), float("inf")
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x)))


def _difference(high: np.ndarray, low: np.ndarray) -> tuple[float, float]:
    """Mean difference and three standard errors of it (independent replications)."""
    (m_high, se_high), (m_low, se_low) = _mean_se(high), _mean_se(low)
    return m_high - m_low, 3.0 * float(np.hypot(se_high, se_low))


def _share_of_gap(
    low: np.ndarray, middle: np.ndarray, high: np.ndarray, seed: int, resamples: int = 400
) -> tuple[float, float]:
    """Where ``middle`` sits between ``low`` and ``high``: ``(m - l) / (h - l)`` of the means.

    Returns the share and its standard error, by a bootstrap over replications (each
    group resampled on its own; ``seed`` makes it repeatable).
    """
    groups = [np.asarray(g, dtype=float) for g in (low, middle, high)]
    groups = [g[~np.isnan(g)] for g in groups]

    def share(lo: np.ndarray, mid: np.ndarray, hi: np.ndarray) -> float:
        gap = hi.mean() - lo.mean()
        return float((mid.mean() - lo.mean()) / gap) if gap else float("nan")

    rng = np.random.default_rng(seed)
    draws = [share(*(g[rng.integers(0, len(g), len(g))] for g in groups)) for _ in range(resamples)]
    return share(*groups), float(np.nanstd(draws, ddof=1))


def _last_year(results: Results) -> np.ndarray:
    horizon = results.years * 12
    return _per_replication(results, "net_value", slice(horizon - 12, horizon))


def _acceleration(results: Results) -> np.ndarray:
    """Net value in the last two years minus net value in the two years before."""
    h = results.years * 12
    late = _per_replication(results, "net_value", slice(h - 24, h))
    before = _per_replication(results, "net_value", slice(h - 48, h - 24))
    return late - before


# -- the checks ---------------------------------------------------------------------------
def _operational_layer(changes: Changes, reps: int, seed: int) -> PatternResult:
    compounder = _acceleration(_run("compounder", changes, reps, seed))
    pilot_loop = _acceleration(_run("pilot_loop", changes, reps, seed))
    (up, se_up), (down, se_down) = _mean_se(compounder), _mean_se(pilot_loop)
    effect, margin = _difference(compounder, pilot_loop)
    holds = up - 3 * se_up > 0 and down - 3 * se_down <= 0 and effect > margin
    return PatternResult(
        holds,
        effect,
        margin,
        f"acceleration: compounder {up:,.0f} k, pilot loop {down:,.0f} k",
    )


def _pilot_loop(changes: Changes, reps: int, seed: int) -> PatternResult:
    loop = _run("pilot_loop", changes, reps, seed).summary()
    compounder = _run("compounder", changes, reps, seed).summary()
    more_started, m1 = _difference(loop["pilots_started"], compounder["pilots_started"])
    fewer_live, m2 = _difference(compounder["production"], loop["production"])
    open_over_live, m3 = _difference(loop["pilots_open"], loop["production"])
    holds = more_started > m1 and fewer_live > m2 and open_over_live > m3
    return PatternResult(
        holds,
        fewer_live,
        m2,
        f"pilots started {loop['pilots_started'].mean():.1f} vs "
        f"{compounder['pilots_started'].mean():.1f}; live at the end "
        f"{loop['production'].mean():.1f} vs {compounder['production'].mean():.1f}; "
        f"pilot loop open pilots {loop['pilots_open'].mean():.1f}",
    )


def _data_before_model(changes: Changes, reps: int, seed: int) -> PatternResult:
    data_first = _last_year(_run("data_first", changes, reps, seed))
    better_model = _last_year(_run("better_model_only", changes, reps, seed))
    effect, margin = _difference(data_first, better_model)
    return PatternResult(
        effect > margin,
        effect,
        margin,
        f"last-year value: data first {data_first.mean():,.0f} k, better model "
        f"{better_model.mean():,.0f} k",
    )


def _quality(results: Results) -> np.ndarray:
    return results.timeseries.groupby("replication")["production_quality"].mean().to_numpy()


def _workarounds(changes: Changes, reps: int, seed: int) -> PatternResult:
    # Owners everywhere so that systems reach production; no data fixes or programme, so
    # the only answer to poor data is the workaround (or nothing).
    common = {"data.data_fix_capacity": 0.0, "data.data_investment": 0.0, **changes}
    poor = _quality(
        _run(
            "owners_only",
            common,
            reps,
            seed,
            **{"organisation.data_quality": 0.35, "data.workaround_tendency": 0.0},
        )
    )
    patched = _quality(
        _run(
            "owners_only",
            common,
            reps,
            seed,
            **{"organisation.data_quality": 0.35, "data.workaround_tendency": 1.0},
        )
    )
    good = _quality(
        _run("owners_only", common, reps, seed, **{
            "organisation.data_quality": 0.8, "data.workaround_tendency": 0.0})
    )  # fmt: skip
    gap, gap_margin = _difference(good, poor)
    closed, se = _share_of_gap(poor, patched, good, seed)
    # Workarounds "do not substitute": with three standard errors of margin, they close
    # less than half of the gap.
    holds = gap > gap_margin and closed + 3 * se < WORKAROUND_SHARE
    return PatternResult(
        holds,
        closed,
        3 * se,
        f"quality gap from poor data {gap:.3f}; workarounds close {closed:.0%} of it "
        f"(± {3 * se:.0%})",
    )


def _quality_gain(results: Results) -> np.ndarray:
    """Per replication, the mean rise in quality since go-live of systems live a year or more."""
    d = results.deployments
    live = d[d["months_in_production"] >= 12]
    gain = (live["final_quality"] - live["quality_at_go_live"]).groupby(live["replication"]).mean()
    return gain.reindex(range(results.replications)).to_numpy()


LOOP_ELEMENTS = ("feedback.tooling", "feedback.process", "feedback.culture")
#: "Breaks the loop": without the element, at most this share of the whole loop's quality
#: gain remains (with three standard errors of margin) — most of the gain is lost.
BROKEN_LOOP_KEEPS = 0.5
#: "Does not substitute": workarounds close less than this share of the quality gap that
#: poor data opens (with three standard errors of margin).
WORKAROUND_SHARE = 0.5


def _feedback_loop(changes: Changes, reps: int, seed: int) -> PatternResult:
    full_loop = dict.fromkeys(LOOP_ELEMENTS, 0.9)
    no_loop = dict.fromkeys(LOOP_ELEMENTS, 0.0)
    full = _quality_gain(_run("compounder", {**changes, **full_loop}, reps, seed))
    none = _quality_gain(_run("compounder", {**changes, **no_loop}, reps, seed))
    loop_effect, margin = _difference(full, none)
    worst, worst_margin = 0.0, 0.0
    parts = []
    for element in LOOP_ELEMENTS:
        without = _quality_gain(
            _run("compounder", {**changes, **full_loop, element: 0.0}, reps, seed)
        )
        kept, se = _share_of_gap(none, without, full, seed)
        if kept + 3 * se > worst + worst_margin:
            worst, worst_margin = kept, 3 * se
        parts.append(f"without {element.split('.')[1]} {kept:.0%} (± {3 * se:.0%})")
    holds = loop_effect > margin and worst + worst_margin <= BROKEN_LOOP_KEEPS
    return PatternResult(
        holds,
        worst,
        worst_margin,
        f"the whole loop adds {loop_effect:.3f} quality; of that remains " + ", ".join(parts),
    )


def _discipline_beats_spend(changes: Changes, reps: int, seed: int) -> PatternResult:
    disciplined = _run("compounder", changes, reps, seed).summary()
    early = _run("early_big_spender", changes, reps, seed).summary()
    per_rep = [
        s.groupby("replication")["cumulative_net_value"].mean().to_numpy()
        for s in (disciplined, early)
    ]
    effect, margin = _difference(*per_rep)
    return PatternResult(
        effect > margin,
        effect,
        margin,
        f"five-year value: disciplined {per_rep[0].mean():,.0f} k, early and big "
        f"{per_rep[1].mean():,.0f} k",
    )


def _measurement(changes: Changes, reps: int, seed: int) -> PatternResult:
    measured = _run("measure_first", changes, reps, seed)
    unmeasured = _run("baseline", changes, reps, seed)

    def good_systems_cut(results: Results) -> np.ndarray:
        # Systems that were worth running (positive value) but were cut at a review.
        d = results.deployments
        live = d[d["month_promoted"].notna()]
        good = live[live["net_value"] > 0]
        # Systems still live have no retire reason: they were not cut.
        cut = good["retire_reason"].eq("cut").fillna(False).astype(bool)
        return cut.groupby(good["replication"]).mean().reindex(range(results.replications))

    effect, margin = _difference(
        good_systems_cut(unmeasured).to_numpy(), good_systems_cut(measured).to_numpy()
    )
    value, value_margin = _difference(
        measured.summary().groupby("replication")["cumulative_net_value"].mean(),
        unmeasured.summary().groupby("replication")["cumulative_net_value"].mean(),
    )
    holds = effect > margin and value > -value_margin
    return PatternResult(
        holds,
        effect,
        margin,
        f"share of paying systems cut at a review: {effect:+.1%} without KPIs; five-year "
        f"value with KPIs {value:+,.0f} k (margin {value_margin:,.0f} k)",
    )


def stable_production_effects(results: Results) -> dict[str, float]:
    """How much each factor raises the rate of reaching stable production (live 24+ months).

    Stable production and the deployments judged are as in
    :func:`genaisim.analysis.stable_production_predictors`: the difference in the
    rate between deployments with and without a business owner, with and without KPIs,
    and between the halves of every parameter drawn for the population.
    """
    d = results.deployments
    horizon = results.years * 12
    d = d[d["month_started"] <= horizon - HISTORY_MONTHS].merge(
        results.organisations, on=["replication", "organisation"]
    )
    stable = d["months_in_production"] >= STABLE_MONTHS
    # The article's predictor: a business-unit owner who is resourced to act.
    owned = (d["owner_kind"] == "business_unit") & d["owner_resourced"].astype(bool)
    effects = {
        "business-unit owner": stable[owned].mean() - stable[~owned].mean(),
        "KPIs defined": stable[d["kpis_defined"]].mean() - stable[~d["kpis_defined"]].mean(),
        "bought": stable[d["sourcing"] == "bought"].mean()
        - stable[d["sourcing"] == "built"].mean(),
    }
    # The use case itself: data-hungry workflows against the others.
    dependence = d["use_case"].map(lambda name: BY_NAME[name].data_dependence)
    hungry = dependence > dependence.median()
    effects["data-dependent use case"] = stable[hungry].mean() - stable[~hungry].mean()
    # The organisation's owner probability is the same factor seen from further away.
    others = [k for k in results.scenario.population.spread if k != "ownership.owner_probability"]
    for key in others:
        high = d[key] > d[key].median()
        effects[key] = stable[high].mean() - stable[~high].mean()
    return {name: float(value) for name, value in effects.items()}


def _ownership(changes: Changes, reps: int, seed: int) -> PatternResult:
    results = _run("population_2024", changes, reps, seed, **{"population.organisations": 40})
    effects = stable_production_effects(results)
    owner = effects.pop("business-unit owner")
    # A predictor's strength is the size of its effect, whichever its sign; the owner's
    # must also point the article's way and lead the strongest other factor.
    runner_up = max(effects, key=lambda name: abs(effects[name]))
    sign = 1.0 if effects[runner_up] >= 0 else -1.0
    # The replication is the unit: the lead's margin is three standard errors of its
    # mean over replications.
    leads = []
    for _, one in results.deployments.groupby("replication"):
        single = Results(
            timeseries=results.timeseries.iloc[:0],
            deployments=one,
            organisations=results.organisations,
            scenario=results.scenario,
            seed=results.seed,
        )
        per = stable_production_effects(single)
        leads.append(per["business-unit owner"] - sign * per[runner_up])
    _, se = _mean_se(leads)
    lead = owner - abs(effects[runner_up])
    return PatternResult(
        lead > 3 * se,
        lead,
        3 * se,
        f"business owner {owner:+.2f} to the rate of stable production; next: {runner_up} "
        f"{effects[runner_up]:+.2f}",
    )


PATTERNS: dict[str, Pattern] = {
    p.key: p
    for p in (
        Pattern(
            "operational_layer",
            "Winners treat AI as an operational layer",
            "Organisations with the four foundations show accelerating value; the pilot-loop "
            "organisation does not.",
            "compounder's acceleration minus the pilot loop's (net value of the last two "
            "years minus the two years before)",
            "k",
            _operational_layer,
            30,
            {
                "operations.value_realisation": (0.2, 0.4, 0.6, 0.8, 1.0),
                "portfolio.integration_cost": (0.0, 40.0, 150.0, 300.0),
                # Set for both scenarios at once: the comparison at equal appetite and
                # equal pilot cost.
                "portfolio.pilot_appetite": (2.0, 4.0, 8.0, 12.0),
                "portfolio.pilot_cost": (2.0, 10.0, 20.0),
            },
        ),
        Pattern(
            "pilot_loop",
            "The pilot loop",
            "The pilot-loop organisation starts more pilots than the compounder yet has fewer "
            "systems live, and more pilots open than systems live.",
            "systems live at the end: compounder minus pilot loop",
            "systems",
            _pilot_loop,
            30,
            {
                "portfolio.awaiting_load": (0.0, 0.3, 0.6, 1.0),
                "ownership.technology_owner_capacity": (1.0, 2.0, 5.0, 10.0),
                # Set for both scenarios at once: the comparison at equal appetite.
                "portfolio.pilot_appetite": (2.0, 4.0, 8.0, 12.0),
                "portfolio.pilot_cost": (2.0, 10.0, 20.0),
            },
        ),
        Pattern(
            "data_before_model",
            "Data before a better model",
            "Funding data infrastructure gains more than a much better base model.",
            "last-year net value: data_first minus better_model_only",
            "k",
            _data_before_model,
            100,
            {
                "operations.capability_saturation": (1.0, 1.5, 2.0, 3.0),
                "data.data_gap_severity": (0.2, 0.4, 0.6, 0.8, 1.0),
                "organisation.model_improvement": (0.0, 0.1, 0.2, 0.4),
            },
        ),
        Pattern(
            "workarounds",
            "Workarounds do not substitute for data",
            "Prompt workarounds close less than half of the quality gap poor data opens.",
            "share of the quality gap that workarounds close (holds below 0.5 with three "
            "standard errors of margin)",
            "share",
            _workarounds,
            30,
            {
                "data.workaround_boost": (0.05, 0.15, 0.3, 0.5),
                "data.workaround_half_life": (1.0, 3.0, 6.0, 12.0),
            },
        ),
        Pattern(
            "ownership",
            "A business owner predicts stable production",
            "A business-unit owner is the strongest single predictor of a deployment reaching "
            "stable production.",
            "rise in the rate of stable production with a business owner, minus the "
            "strongest other factor's",
            "share",
            _ownership,
            32,
            {
                "ownership.technology_test_realism": (0.0, 0.3, 0.6, 1.0),
                "ownership.technology_fix_accuracy": (0.0, 0.4, 0.7, 1.0),
                "ownership.technology_diagnosis": (0.25, 0.5, 0.75, 1.0),
                "ownership.technology_error_knowledge": (0.0, 0.4, 0.7, 1.0),
                "ownership.technology_process_authority": (0.3, 0.6, 0.8, 1.0),
                "ownership.technology_owner_capacity": (1.0, 2.0, 5.0, 10.0),
                "ownership.owner_capacity": (1.0, 2.0, 5.0),
                "ownership.unresourced_attention": (0.2, 0.4, 0.7, 1.0),
            },
        ),
        Pattern(
            "measurement",
            "Measurement before deployment",
            "Without KPIs, systems that pay are cut at budget reviews; measuring first does "
            "not lower value.",
            "share of paying systems cut at a review: baseline minus measure_first",
            "share",
            _measurement,
            60,
            {
                "measurement.unmeasured_value_visibility": (0.25, 0.5, 0.75, 1.0),
                "measurement.unmeasured_value_noise": (0.25, 0.5, 1.0, 2.0, 4.0),
                "measurement.kpi_cost": (0.0, 15.0, 50.0, 150.0),
            },
        ),
        Pattern(
            "feedback_loop",
            "Removing one element breaks the feedback loop",
            "Without any one of tooling, process or culture, quality gains stay close to those "
            "with no loop at all.",
            "largest share of the whole loop's quality gain kept without one element (holds "
            "at or below 0.5 — most of the gain lost — with three standard errors of margin)",
            "share",
            _feedback_loop,
            30,
            {
                "feedback.manual_routing": (0.0, 0.1, 0.2, 0.5, 1.0),
                "feedback.ad_hoc_action": (0.0, 0.1, 0.2, 0.5, 1.0),
                "feedback.mandated_flagging": (0.0, 0.1, 0.2, 0.5, 1.0),
            },
        ),
        Pattern(
            "discipline_beats_spend",
            "Starting earlier or spending more does not beat discipline",
            "The baseline with the four foundations earns more over five years than the "
            "baseline started earlier with twice the team and a far larger appetite.",
            "five-year cumulative value: compounder minus early_big_spender",
            "k",
            _discipline_beats_spend,
            30,
            {
                "operations.value_realisation": (0.2, 0.4, 0.6, 0.8, 1.0),
                "organisation.team_cost": (20.0, 40.0, 80.0),
            },
        ),
    )
}


def robustness(
    pattern: Pattern,
    parameter: str,
    levels: Sequence[float] | None = None,
    replications: int | None = None,
    seed: int = 2024,
) -> pd.DataFrame:
    """Whether ``pattern`` holds at each level of one assumption, the others at defaults."""
    levels = levels if levels is not None else pattern.assumptions[parameter]
    rows = []
    for level in levels:
        result = pattern.check({parameter: level}, replications, seed)
        rows.append(
            {
                "pattern": pattern.key,
                "parameter": parameter,
                "level": float(level),
                "holds": result.holds,
                "effect": result.effect,
                "margin": result.margin,
                "detail": result.detail,
            }
        )
    return pd.DataFrame(rows)
