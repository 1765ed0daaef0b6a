"""Write docs/calibration.md from the committed posterior and fresh simulations.

    .venv/bin/python scripts/make_calibration_docs.py        # or: make calibration-docs

Nothing on the page is typed by hand: every simulated number, table and chart comes
from running the model here with a fixed seed.

- the targets beside the calibrated population (posterior predictive check: parameter
  sets drawn from ``scenarios/enterprise_2024.posterior.csv``, one population run each)
  and beside the uncalibrated population (``enterprise_2024_inputs``);
- the posterior: each parameter's prior range, weighted median and 90% interval, and
  charts of the marginals and pairs;
- which figures the model can match together at all: parameter sets drawn uniformly
  from the priors (a prior predictive sample), each figure's share inside its band and
  every pair's share inside together;
- the headline findings (the foundations factorial, the ownership effect) re-run over
  posterior draws, with how often each holds;
- a worked example of calibrating one organisation to its own figures
  (``experiments/calibrate_my_org.toml``, run here in a minute or two);
- the calibration run's own figures (generations, simulations, distances, time), from
  ``docs/calibration/calibration.json``, which ``--manifest`` refreshes from a run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from genaisim.calibration.abc import calibrate
from genaisim.calibration.check import band_table, simulate_statistics, surveys_inside
from genaisim.calibration.posterior import Posterior, load_posterior
from genaisim.calibration.robustness import FOUNDATIONS, findings, foundations_across_posterior
from genaisim.calibration.spec import load_calibration
from genaisim.calibration.statistics import STATISTICS
from genaisim.calibration.surface import joint_reach
from genaisim.charts.calibration import posterior_marginals, posterior_pairs, predictive_check
from genaisim.charts.export import export
from genaisim.experiments import make_executor
from genaisim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FIGURES = DOCS / "calibration"
CALIBRATION = ROOT / "experiments" / "calibrate_enterprise_2024.toml"
MY_ORG = ROOT / "experiments" / "calibrate_my_org.toml"
SEED = 11
#: Cached simulations, so the page can be rewritten without running them again.
CACHE = ROOT / "results" / "docs" / "calibration"


def effective_size_sentence(manifest: dict) -> str:
    """What the last generation's weights are worth, in equally weighted particles."""
    sizes = manifest.get("effective_sizes")
    if not sizes:
        return ""
    return (
        f"The last generation's weights are worth {sizes[-1]:.0f} equally weighted "
        f"particles (Kish's effective sample size; by generation: "
        + ", ".join(f"{x:.0f}" for x in sizes)
        + ")."
    )


def fmt(value: float, unit: str) -> str:
    if pd.isna(value):
        return "n/a"
    return f"{value:.0%}" if unit == "share" else f"{value:.1f}"


def interval(row: pd.Series, unit: str) -> str:
    return f"{fmt(row['median'], unit)} ({fmt(row['low'], unit)} to {fmt(row['high'], unit)})"


def prior_sample(spec, seed: int, rows: int = 5000) -> Posterior:
    """Parameter sets drawn uniformly from the calibration's priors, equally weighted.

    Drawing from it (with replacement) is drawing from the priors: with many more rows
    than draws, repeats are rare.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x9A1]))
    table = pd.DataFrame({k: rng.uniform(lo, hi, rows) for k, (lo, hi) in spec.priors.items()})
    table["weight"] = 1.0
    return Posterior(table, "priors")


def simulate_all(args: argparse.Namespace) -> dict[str, pd.DataFrame]:
    spec = load_calibration(CALIBRATION)
    names = list(STATISTICS)
    calibrated = load_scenario(spec.write_scenario)
    posterior = load_posterior(calibrated.posterior)
    out: dict[str, pd.DataFrame] = {}
    with make_executor(workers=args.workers) as (executor, _):
        t = time.perf_counter()
        out["after"] = simulate_statistics(
            calibrated, args.draws, SEED, names, posterior, executor=executor
        )
        print(f"posterior predictive: {args.draws} populations in {time.perf_counter() - t:.0f} s")
        t = time.perf_counter()
        out["before"] = simulate_statistics(
            load_scenario(spec.scenario), args.before, SEED, names, executor=executor
        )
        print(f"before calibration: {args.before} populations in {time.perf_counter() - t:.0f} s")
        t = time.perf_counter()
        out["medians"] = simulate_statistics(
            calibrated, args.before, SEED, names, executor=executor
        )
        print(f"at the medians: {args.before} populations in {time.perf_counter() - t:.0f} s")
        t = time.perf_counter()
        inputs = load_scenario(spec.scenario).with_changes(
            {"population.organisations": spec.organisations}
        )
        out["prior"] = simulate_statistics(
            inputs, args.prior_draws, SEED, names, prior_sample(spec, SEED), executor=executor
        )
        print(
            f"prior predictive: {args.prior_draws} populations in {time.perf_counter() - t:.0f} s"
        )
        t = time.perf_counter()
        small = calibrated.with_changes({"population.organisations": args.robust_organisations})
        out["robust"] = foundations_across_posterior(
            small, posterior, args.robust_draws, SEED, executor=executor
        )
        out["robust"]["organisations"] = args.robust_organisations
        print(f"findings across the posterior: {time.perf_counter() - t:.0f} s")
    return out


def my_org_example(args: argparse.Namespace) -> tuple[pd.DataFrame, dict, float]:
    spec = load_calibration(MY_ORG)
    folder = Path(tempfile.mkdtemp(prefix="genaisim-my-org-"))
    try:
        with make_executor(workers=args.workers) as (executor, workers):
            t = time.perf_counter()
            run = calibrate(spec, folder / "run", executor, workers)
            seconds = time.perf_counter() - t
        posterior = load_posterior(run.posterior)
        rows = []
        for key in posterior.keys:
            low, high = posterior.interval(key)
            rows.append(
                {
                    "parameter": key,
                    "prior": f"{spec.priors[key][0]:g} to {spec.priors[key][1]:g}",
                    "median": posterior.median(key),
                    "low": low,
                    "high": high,
                }
            )
        summary = {"generations": run.generations, "simulations": run.simulations,
                   "epsilon": run.epsilon}  # fmt: skip
        return pd.DataFrame(rows), summary, seconds
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def near_edge(row: pd.Series, band: tuple[float, float]) -> bool:
    """Whether a simulated median lies within two Monte Carlo standard errors of an edge.

    The standard error of a median of n runs is about 1.25 sd / sqrt(n), the sd read
    from the 90% interval (about 3.3 sd wide). Such a figure may be counted in or out
    of its band by another seed.
    """
    se = 1.25 * (row["high"] - row["low"]) / 3.29 / np.sqrt(row["runs"])
    return bool(min(abs(row["median"] - band[0]), abs(row["median"] - band[1])) < 2 * se)


def targets_section(
    spec, after: pd.DataFrame, before: pd.DataFrame, medians: pd.DataFrame
) -> list[str]:
    lines = [
        "| Figure | Statistic | Published | Band | Before calibration | At the medians "
        "| Calibrated (90% interval) | Inside |",
        "|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for (_, row), (_, old), (_, mid), t in zip(
        after.iterrows(), before.iterrows(), medians.iterrows(), spec.targets, strict=True
    ):
        unit = STATISTICS[t.statistic].unit
        verdict = "yes" if row["inside"] else "**no**"
        if near_edge(row, t.band):
            verdict += f" (at the edge: {row['share_inside']:.0%} of draws inside)"
        lines.append(
            f"| {t.survey} | `{t.statistic}` | {fmt(t.observed, unit)} | "
            f"{fmt(t.band[0], unit)} to {fmt(t.band[1], unit)} | {fmt(old['median'], unit)} | "
            f"{fmt(mid['median'], unit)} | {interval(row, unit)} | {verdict} |"
        )
    lines += ["", "Sources, samples and caveats:", ""]
    seen = set()
    for t in spec.targets:
        lines.append(
            f"- **{t.survey}** (`{t.statistic}`). {t.source}, {t.year}; {t.sample}. {t.caveat}"
        )
        seen.add(t.survey)
    return lines


AT_SCALE = "'At scale' is read as three or more systems live; the survey does not define it."
#: Why a statistic may miss its band: what the model counts that the survey may not.
#: Printed only for the statistics that do miss.
WHY = {
    "no_tangible_value": (
        "How many organisations have a live system earning its running costs 21 months in "
        "follows from how many pilots go live (Gartner's figures) and how much a live "
        "system earns (the value figures); the fit trades this figure against those."
    ),
    "net_value_positive": (
        "The model's programmes pay for the whole team from the first month; being ahead "
        "over a year 21 months in needs several systems earning well by then."
    ),
    "high_performers": (
        "The share depends on the EBIT the model reads value against "
        "(`organisation.annual_ebit` times size, judgement), which no survey here sets, "
        "and the model counts value net of the whole programme's costs, where "
        "respondents may count gross impact."
    ),
    "initiatives_with_roi": (
        "A use case's account here carries its share of the team's time; a CEO's "
        "'expected ROI' may not."
    ),
    "median_payback": (
        "A use case's account here carries its share of the team's time and its "
        "integration; respondents may count only its running costs."
    ),
    "payback_within_year": (
        "A use case's account here carries its share of the team's time and its "
        "integration; what a use case is charged decides how soon it pays back."
    ),
    "paid_back_by_48": (
        "A programme pays for its team, data work and pilots from the start; whether the "
        "typical organisation is back in the black within four years turns on how many "
        "of its use cases earn well once live."
    ),
    "at_scale_year_1": AT_SCALE,
    "at_scale_year_2": AT_SCALE,
    "months_to_production": (
        "Gartner's average covers all AI projects, many of them smaller than a GenAI system "
        "embedded in a workflow."
    ),
    "pilot_to_production": "Gartner's figure covers all AI projects, not only GenAI.",
    "abandoned_after_poc": "Gartner's figure is a prediction, not a measurement.",
    "low_conversion": (
        "Deloitte's respondents count 'experiments', which may be smaller than pilots."
    ),
}


def misses_section(spec, after: pd.DataFrame, prior: pd.DataFrame) -> list[str]:
    missed = after[~after["inside"]]
    if missed.empty:
        return ["Every simulated median lies inside its band."]
    inside = _inside_by_survey(spec, prior)
    lines = []
    for _, row in missed.iterrows():
        t = next(t for t in spec.targets if t.statistic == row["statistic"])
        unit = STATISTICS[t.statistic].unit
        side = "above" if row["median"] > t.band[1] else "below"
        alone = prior[t.statistic].between(*t.band)
        never = [
            other
            for other in inside.columns
            if other != t.survey and inside[other].any() and not (alone & inside[other]).any()
        ]
        tension = (
            f" No parameter set in the prior sample puts it inside together with: "
            f"{'; '.join(never)} (below)."
            if alone.any() and never
            else ""
        )
        lines.append(
            f"- **{t.survey}** (`{t.statistic}`): the calibrated population gives "
            f"{interval(row, unit)}, {side} the band {fmt(t.band[0], unit)} to "
            f"{fmt(t.band[1], unit)}; {row['share_inside']:.0%} of posterior draws fall "
            f"inside it. {WHY.get(t.statistic, '')}{tension}".rstrip()
        )
    return lines


#: Statistics that read a fitted figure another way: alternative -> the fitted statistic.
READING_OF = {
    "no_material_value": "no_tangible_value",
    "no_value_above_quarter_pct": "no_tangible_value",
    "no_value_above_1pct": "no_tangible_value",
}

#: What the statistics that no target names show about the model.
NOT_FITTED = {
    "no_material_value": (
        "BCG's value tiers read as material value: live systems earning at least 0.5% of "
        "yearly EBIT a year above their running costs. BCG gives no threshold: 0.5% is "
        "judgement, and EBIT scales with the fitted size. Not fitted: the fitted reading, "
        "`no_tangible_value`, counts any value above running costs."
    ),
    "no_value_above_quarter_pct": (
        "As `no_material_value`, with 'material' read as 0.25% of yearly EBIT."
    ),
    "no_value_above_1pct": ("As `no_material_value`, with 'material' read as 1% of yearly EBIT."),
    "median_payback": (
        "Deloitte's own reading of its payback figure is per use case. In the model a use "
        "case that pays back does so soon after it goes live, or not at all: there is no "
        "slow roll-out across the organisation after go-live beyond users' adoption. Only "
        "paybacks inside the run are seen, which also pulls this median down."
    ),
    "programme_payback": (
        "Among organisations that paid back within the run only; `typical_payback` counts "
        "every organisation."
    ),
    "typical_payback": (
        "Censored at the end of the run: when fewer than half of the organisations have "
        "paid back, the median is the run's remaining length, not a "
        "payback time. `paid_back_by_48` is the figure fitted for the same survey."
    ),
}


def _inside_by_survey(spec, sims: pd.DataFrame) -> pd.DataFrame:
    """One row per run, one column per survey: whether every one of its figures is inside."""
    out = {}
    for t in spec.targets:
        inside = sims[t.statistic].between(*t.band)
        out[t.survey] = out[t.survey] & inside if t.survey in out else inside
    return pd.DataFrame(out)


def joint_section(spec, prior: pd.DataFrame) -> list[str]:
    """Which figures the model can match together anywhere in the priors' box."""
    inside = _inside_by_survey(spec, prior)
    surveys = list(inside.columns)
    counts = inside.sum(axis=1)
    best = int(counts.max())
    short = {name: f"S{i + 1}" for i, name in enumerate(surveys)}
    lines = [
        "## Which figures the model can match together",
        "",
        f"{len(prior)} parameter sets drawn uniformly from the priors (the box the "
        f"calibration searches), one population of {spec.organisations} organisations "
        f"each (seed {SEED}). The most figures any one set matches: **{best} of "
        f"{len(surveys)}**, by {int((counts == best).sum())} of the sets. "
        "Each cell is the share of sets whose population matches both figures (the "
        "diagonal: the figure alone). A pair that no set in this sample matches together "
        "is a *candidate* tension between the surveys as the model reads them. It is not "
        f"proof: no joint match in {len(prior)} sets says, at 95% confidence, that a set "
        f"drawn from the priors matches both in one simulated population less than about "
        f"{3 / len(prior):.1%} of the time (rule of three), and for "
        "two figures each matched by few sets, no joint match is also what chance gives "
        "for unrelated figures.",
        "",
        "| Figure | " + " | ".join(short.values()) + " |",
        "|---|" + "---|" * len(surveys),
    ]
    for a in surveys:
        cells = []
        for b in surveys:
            both = float((inside[a] & inside[b]).mean())
            cells.append(f"**{both:.0%}**" if a == b else f"{both:.0%}")
        lines.append(f"| {short[a]} {a} | " + " | ".join(cells) + " |")
    never = [
        (a, b)
        for i, a in enumerate(surveys)
        for b in surveys[i + 1 :]
        if inside[a].any() and inside[b].any() and not (inside[a] & inside[b]).any()
    ]
    lines.append("")
    if never:
        lines.append(
            "Never matched together in this sample although each is matched alone: "
            + "; ".join(f"{short[a]} and {short[b]}" for a, b in never)
            + "."
        )
    else:
        lines.append("Every pair of figures is matched together by at least one set.")
    lines += ["", *surface_paragraph(spec, prior, short)]
    return lines


#: Another reading of a fitted statistic, scored by the response surface beside the fitted one.
ALTERNATIVE_READINGS = {
    "no_tangible_value": (
        "no_material_value",
        "BCG's value tiers read as material value (live systems earning at least 0.5% of "
        "yearly EBIT a year above their running costs, `no_material_value`)",
    ),
}


def _figures(spec, swap: dict[str, str] | None = None) -> dict[str, list[tuple[str, float, float]]]:
    swap = swap or {}
    figures: dict[str, list[tuple[str, float, float]]] = {}
    for t in spec.targets:
        figures.setdefault(t.survey, []).append((swap.get(t.statistic, t.statistic), *t.band))
    return figures


def _points(n: int) -> str:
    return f"{n:,} point" + ("" if n == 1 else "s")


def _missed(reach, short: dict[str, str]) -> str:
    missed = [(share, name) for name, share in reach.missed_at_best.items() if share > 0]
    if not missed:
        return "none"
    if reach.points_at_best == 1:
        return ", ".join(f"{short[name]} {name}" for _, name in missed)
    missed.sort(reverse=True)
    return ", ".join(f"{short[name]} {name} ({share:.0%} of them)" for share, name in missed)


#: How often the response surfaces are refitted to bootstrap resamples of the prior sample.
SURFACE_REFITS = 8
#: Populations simulated at the surfaces' best point, to see what the model itself gives.
BEST_POINT_RUNS = 10


def _limits(names) -> dict[str, tuple[float, float]]:
    return {n: (0.0, 1.0) if STATISTICS[n].unit == "share" else (0.0, float("inf")) for n in names}


def _simulated_at(spec, point: dict[str, float], short: dict[str, str]) -> str:
    """How many figures the model matches at ``point``: medians over a few populations."""
    inputs = load_scenario(spec.scenario).with_changes(
        {"population.organisations": spec.organisations}
    )
    info = {p.key: p for p in inputs.parameters()}
    values = {k: round(v) if info[k].kind is int else v for k, v in point.items()}
    names = list(dict.fromkeys(t.statistic for t in spec.targets))
    sims = simulate_statistics(
        inputs.with_changes(values), BEST_POINT_RUNS, SEED, names, executor=None
    )
    medians = sims[names].median()
    inside = {
        survey: all(
            t.band[0] <= medians[t.statistic] <= t.band[1]
            for t in spec.targets
            if t.survey == survey
        )
        for survey in short
    }
    missed = ", ".join(short[k] for k, ok in inside.items() if not ok) or "none"
    return f"{sum(inside.values())} of {len(short)} (missed: {missed})"


def surface_paragraph(spec, prior: pd.DataFrame, short: dict[str, str]) -> list[str]:
    """Between the sampled sets: what a response surface suggests can be matched together."""
    box = {k: tuple(v) for k, v in spec.priors.items()}
    figures = _figures(spec)
    names = {s for parts in figures.values() for s, _, _ in parts}
    reach = joint_reach(
        prior, box, figures, seed=SEED, limits=_limits(names), refits=SURFACE_REFITS
    )
    half = {t.statistic: t.half_width for t in spec.targets}
    coarse = [n for n in reach.residual_sd if reach.residual_sd[n] > half[n]]
    lines = [
        "Between the sampled sets, a response surface can suggest more (`genaisim."
        "calibration.surface`: one quadratic in the parameters per statistic, fitted to "
        "these sets, predictions clipped to each statistic's range). Scored at "
        f"{reach.points:,} points of the box, it puts the *expected* figures inside at most "
        f"**{reach.best} of {len(short)}** bands together ({_points(reach.points_at_best)}, "
        f"{reach.points_at_best / reach.points:.1e} of the box); refitted to "
        f"{len(reach.refit_best)} bootstrap resamples of the sample, each on its own grid, "
        f"its best is {min(reach.refit_best)} to {max(reach.refit_best)}. Missed there: "
        f"{_missed(reach, short)}. The model itself, simulated at that point "
        f"({BEST_POINT_RUNS} populations, medians), matches "
        f"{_simulated_at(spec, reach.best_point, short)}. The prior sample and the fit "
        f"reach {int(_inside_by_survey(spec, prior).sum(axis=1).max())}.",
        "",
        "The surfaces are a screen, not a bound. Out of sample (5-fold cross-validation) "
        f"they explain {min(reach.cv_r2.values()):.2f} to {max(reach.cv_r2.values()):.2f} "
        "of each statistic's variance across the box, but their residual spread is "
        "larger than the band's half-width for "
        + (", ".join(f"`{n}`" for n in sorted(coarse)) if coarse else "no statistic")
        + ": there they cannot tell a point inside the band from one just outside. They "
        "smooth the simulations' noise away (a point just inside a band is inside in "
        "about half of simulated populations), cannot follow a share stuck at 0, "
        "extrapolate worst at the box's corners, and treat the integer parameters as "
        "continuous.",
    ]
    targeted = {t.statistic for t in spec.targets}
    for fitted, (other, words) in ALTERNATIVE_READINGS.items():
        if fitted not in targeted or other not in prior.columns:
            continue
        alt_figures = _figures(spec, {fitted: other})
        alt = joint_reach(
            prior,
            box,
            alt_figures,
            seed=SEED,
            limits=_limits({s for parts in alt_figures.values() for s, _, _ in parts}),
            refits=SURFACE_REFITS,
        )
        lines += [
            "",
            f"With {words} in place of `{fitted}`, against the same band, surfaces fitted "
            f"the same way reach **{alt.best} of {len(short)}** together "
            f"({_points(alt.points_at_best)} of {alt.points:,}; refits "
            f"{min(alt.refit_best)} to {max(alt.refit_best)}), missing {_missed(alt, short)}. "
            "The readings, not only the model, decide which figures can be matched together "
            "(section 'Readings revised').",
        ]
    return lines


def not_fitted_section(spec, after: pd.DataFrame) -> list[str]:
    """Statistics computed for every run that no target names: shown, not fitted."""
    targeted = {t.statistic for t in spec.targets}
    names = [name for name in STATISTICS if name not in targeted]
    if not names:
        return []
    lines = [
        "### Shown, not fitted",
        "",
        "| Statistic | Calibrated (90% interval) | What it shows |",
        "|---|---|---|",
    ]
    bands = {t.statistic: t for t in spec.targets}
    for name in names:
        values = after[name].dropna()
        unit = STATISTICS[name].unit
        row = {
            "median": values.median(),
            "low": values.quantile(0.05),
            "high": values.quantile(0.95),
        }
        note = NOT_FITTED.get(name, "")
        target = bands.get(READING_OF.get(name, ""))
        if target is not None:
            lo, hi = target.band
            inside = "inside" if lo <= row["median"] <= hi else "outside"
            note += (
                f" Against the same band as `{target.statistic}` ({fmt(lo, unit)} to "
                f"{fmt(hi, unit)}): {inside}."
            )
        lines.append(f"| `{name}` | {interval(pd.Series(row), unit)} | {note} |")
    return lines


def verdict(row: pd.Series) -> str:
    """Robust, reversed or mixed: how a finding fares across posterior draws."""
    if row["robust"]:
        return "robust"
    if row["draws"] and row["holds_in"] <= 0.1:
        return "**reversed**"
    return "mixed"


def write_page(spec, sims: dict[str, pd.DataFrame], example, manifest: dict) -> str:
    after = band_table(spec, sims["after"])
    before = band_table(spec, sims["before"])
    surveys = surveys_inside(after)
    best_joint = int(_inside_by_survey(spec, sims["prior"]).sum(axis=1).max())
    missed = after[~after["inside"]]
    low = [f"`{r.statistic}`" for r in missed.itertuples() if r.median < r.band_low]
    high = [f"`{r.statistic}`" for r in missed.itertuples() if r.median > r.band_high]
    stopped = (
        manifest.get("simulations", 0) >= spec.abc.max_simulations
        or manifest.get("generations", 0) >= spec.abc.max_generations
    )
    posterior = load_posterior(load_scenario(spec.write_scenario).posterior)
    FIGURES.mkdir(parents=True, exist_ok=True)
    export(predictive_check(after, before), FIGURES / "predictive_check.svg")
    export(
        posterior_marginals(posterior, spec.priors), FIGURES / "marginals.png", scale=1, slide=False
    )
    export(posterior_pairs(posterior), FIGURES / "pairs.png", scale=1, slide=False)
    robust = findings(sims["robust"])
    draws = sims["after"]["draw"].nunique()
    organisations = load_scenario(spec.write_scenario).population.organisations
    example_table, example_run, example_seconds = example

    lines = [
        "# Calibration: the enterprise population against published figures",
        "",
        "<!-- Generated by scripts/make_calibration_docs.py; do not edit by hand. -->",
        "",
        f"**{int(surveys.sum())} of {len(surveys)} published figures** "
        f"({int(after['inside'].sum())} of {len(after)} statistics) are matched: the "
        "calibrated population's median lies inside each one's band"
        + (
            f" ({edges} of those statistics within two Monte Carlo standard errors of a "
            "band's edge: another seed may count them out)"
            if (
                edges := sum(
                    bool(row["inside"]) and near_edge(row, t.band)
                    for (_, row), t in zip(after.iterrows(), spec.targets, strict=True)
                )
            )
            else ""
        )
        + ". The defaults of "
        "the other scenarios are judgement; this page is about `enterprise_2024`, a "
        f"population of {organisations} large enterprises whose mechanisms are fitted by "
        "approximate Bayesian computation (ABC-SMC, with pyabc), and whose results carry "
        "the posterior's uncertainty. "
        + (f"Missed below their bands: {', '.join(low)}. " if low else "")
        + (f"Missed above: {', '.join(high)}. " if high else "")
        + (
            "Where the misses are one-sided, results of `enterprise_2024` are biased "
            "beyond their posterior intervals in that direction: use it for dynamics and "
            "comparisons between scenarios more than for levels. "
            if low or high
            else ""
        )
        + f"None of {len(sims['prior'])} parameter sets drawn from the priors matched "
        f"more than {best_joint} of the {len(surveys)} figures together (section 'Which "
        "figures the model can match together')"
        + (
            "; the fit itself stopped on its budget of generations or simulations, not "
            "because its distance stopped falling."
            if stopped
            else "."
        ),
        "",
        "```",
        "genaisim calibrate experiments/calibrate_enterprise_2024.toml  # the fit (see below)",
        "genaisim run enterprise_2024 --posterior 50    # results over 50 posterior draws",
        "```",
        "",
        "## How the model is read as a survey",
        "",
        "Each figure is a statement about organisations or their initiatives at some point",
        "in their programme. Organisations start at different months, so every statistic",
        "is read at a *programme age* (months since the organisation's first pilot), and",
        "each is a band, not a point: surveys are self-reported, and they define",
        "production, value and AI differently. The bands and readings are in",
        "`experiments/calibrate_enterprise_2024.toml`, one `[[targets]]` table each; the",
        "statistics are defined in `genaisim.calibration.statistics`.",
        "",
        *[f"- `{s.name}` ({s.unit}): {' '.join(s.help.split())}" for s in STATISTICS.values()],
        "",
        "## Targets beside the model",
        "",
        f"Calibrated: {draws} parameter sets drawn from the posterior, one population of "
        f"{organisations} organisations each (seed {SEED}); median and 90% interval over "
        "draws, so the interval holds parameter uncertainty and the sampling noise of a "
        "population of this size. Before calibration: `enterprise_2024_inputs` at the "
        f"judgement defaults, {sims['before']['run'].nunique()} populations. At the "
        "medians: `enterprise_2024` as written (every parameter at its posterior median; "
        "what runs without `--posterior` use), as many populations.",
        "",
        *targets_section(spec, after, before, band_table(spec, sims["medians"])),
        "",
        "![The calibrated model against the surveys](calibration/predictive_check.svg)",
        "",
        "### What the model does not match, and why",
        "",
        *misses_section(spec, after, sims["prior"]),
        "",
        *not_fitted_section(spec, sims["after"]),
        "",
        *joint_section(spec, sims["prior"]),
        "",
        "The bands are wide because the surveys do not measure what the model counts:",
        "a respondent's 'production', 'value' or 'ROI' is not a simulated quantity, and",
        "several figures are about AI in general, not GenAI. The readings above are",
        "choices; a different reading is a different target file, and calibrating to it",
        "is one command.",
        "",
        "### Readings revised",
        "",
        "Readings were revised between fits, after seeing misses; each revision is listed",
        "here so a reader can judge it. The current readings are those in the targets",
        "file, and the calibration above was fitted to them.",
        "",
        "- BCG's 'cutting edge' (4%) was first read as organisations whose net value over",
        "  a year at least matched their costs (earning twice what they spent); it is now",
        "  `net_value_positive` (the programme earned more than it cost over the year).",
        "- BCG's 'no tangible value' (74%) was first read on the programme's net value; it",
        "  is now `no_tangible_value`, on the live systems' value less their running costs,",
        "  because a programme still paying for its build can already see value from its",
        "  live systems. The material readings above are shown, not fitted.",
        "- Deloitte's payback was first read per use case (`median_payback`), then as the",
        "  typical organisation's months to payback (`typical_payback`, censored at the run's",
        "  end, which gave the fit nothing to follow), and is now `paid_back_by_48`; its band",
        "  starts at the published 'typical' (a median of at most 48 months) and its upper",
        "  end is judgement. The earlier two are shown, not fitted.",
        "",
        "## The input side: distributions set from surveys, not fitted",
        "",
        "`scenarios/enterprise_2024_inputs.toml` draws each organisation's practices from",
        "distributions set by three figures (the file's comments give the arithmetic):",
        "",
        "- about 63% lack the data-management practices AI needs (Gartner, February 2025):"
        " data quality drawn around 0.45 with a standard deviation of 0.15;",
        "- fewer than 20% track well-defined KPIs for GenAI (McKinsey, March 2025): the"
        " chance a use case gets KPIs drawn around 0.15;",
        "- about 27% review all GenAI outputs before use (McKinsey, March 2025): the"
        " review-and-act process drawn around 0.38 with 27% at 0.5 or above;",
        "",
        "and organisation size log-normally, a factor of ten between the 5th and 95th",
        "percentiles (judgement).",
        "",
        "## The posterior",
        "",
        "Uniform priors over the ranges judgement finds credible; each row is the weighted",
        "median and 90% interval of the last generation's particles.",
        "",
        "A parameter whose 90% interval still covers three quarters of its prior range",
        "is barely identified by these figures: its median is a compromise, not a",
        "measurement.",
        "",
        "| Parameter | Prior | Posterior median | 90% interval | Identified |",
        "|---|---|---|---|---|",
    ]
    for key in posterior.keys:
        p_lo, p_hi = spec.priors[key]
        q_lo, q_hi = posterior.interval(key)
        identified = "barely" if (q_hi - q_lo) >= 0.75 * (p_hi - p_lo) else "yes"
        lines.append(
            f"| `{key}` | {p_lo:g} to {p_hi:g} | {posterior.median(key):.3g} | "
            f"{q_lo:.3g} to {q_hi:.3g} | {identified} |"
        )
    epsilons = ", ".join(f"{e:.2f}" for e in manifest.get("epsilons", [])[1:])
    lines += [
        "",
        "![Posterior marginals](calibration/marginals.png)",
        "",
        "![Posterior pairs](calibration/pairs.png)",
        "",
        "The run: "
        f"{manifest.get('generations', '?')} generations of "
        f"{spec.abc.population_size} particles, {manifest.get('simulations', '?')} "
        f"simulations of {spec.organisations} organisations, acceptance thresholds of "
        f"generations 1 onwards {epsilons} (generation 0 accepts every draw from the "
        "priors; root mean square distance from the bands' middles, in half-bands: "
        "1 means every statistic at the edge of its band). "
        + effective_size_sentence(manifest)
        + " With that many, the ends of each 90% interval rest on a handful of effective "
        "particles: read them as rough."
        + f" Seed {spec.seed}; the same seed gives the same posterior on any number of "
        "workers (benchmarks/RESULTS.md has the wall time).",
        "",
        "## How the headline findings move across the posterior",
        "",
        f"The four foundations (as in `experiments/foundations.toml`: "
        f"{', '.join(FOUNDATIONS)}) as a 2^4 factorial, re-run at "
        f"{sims['robust']['draw'].nunique()} posterior draws with "
        f"{int(sims['robust'].shape[0] / sims['robust']['draw'].nunique())} cells each "
        f"(populations of {int(sims['robust']['organisations'].iloc[0])} organisations rather than "
        f"{organisations}, for speed; common random numbers within a draw). An effect "
        "*holds* in a draw when it is positive there; a finding is *robust* when it holds "
        "in at least 90% of draws and *reversed* when it holds in at most 10%: the "
        "calibrated population then says the opposite.",
        "",
        "| Finding | Median effect | 90% interval over draws | Holds in | Verdict |",
        "|---|---|---|---|---|",
    ]
    for _, row in robust.iterrows():
        share = "share" in row["finding"]
        name = row["finding"].replace(" (k)", "")
        f = (lambda v: f"{v:+.2f}") if share else (lambda v: f"{v / 1000:+.2f} M")
        lines.append(
            f"| {name} | {f(row['median'])} | {f(row['low'])} to {f(row['high'])} | "
            f"{row['holds_in']:.0%} of {row['draws']} | {verdict(row)} |"
        )
    lines += [
        "",
        "The ownership finding, as the ownership-predictor experiment asks it (every "
        "initiative started at least three years before the end; stable: 24 months or more "
        "live), is the first ownership row; where it is reversed, the calibrated population "
        "says the opposite of the headline finding in docs/patterns.md, which holds for the "
        "judgement defaults of the `baseline` scenario. The two 'step' rows split the same "
        "rate in two (it is their product): how many initiatives each kind of owner takes "
        "live, and how many of those stay live. Step 2 conditions on going live, which the "
        "owner's own bar decides: a stricter owner who takes only the best systems live "
        "raises it even if nothing after go-live differs, so it is not evidence that "
        "owners make live systems last.",
        "",
        "## Your own figures: calibrating one organisation",
        "",
        "An organisation that knows its own portfolio can fit the go-live mechanisms to it.",
        "`experiments/my_org_targets.toml` holds its figures (12 pilots in the first two",
        "years, 5 live after about 10 months each, 4 stopped), each with a band as wide as",
        "twelve pilots allow; `experiments/calibrate_my_org.toml` names the scenario, the",
        "priors and that file. Edit the targets file, then:",
        "",
        "```",
        "genaisim calibrate experiments/calibrate_my_org.toml --out results/my_org",
        "```",
        "",
        f"Run here: {example_run['generations']} generations, "
        f"{example_run['simulations']} simulations, final distance "
        f"{example_run['epsilon']:.2f}, {example_seconds:.0f} s on this machine. Posterior:",
        "",
        "| Parameter | Prior | Median | 90% interval |",
        "|---|---|---|---|",
        *[
            f"| `{r['parameter']}` | {r['prior']} | {r['median']:.3g} | "
            f"{r['low']:.3g} to {r['high']:.3g} |"
            for _, r in example_table.iterrows()
        ],
        "",
        "With `write_scenario` set, the calibration also writes the fitted scenario and its",
        "posterior beside the scenario file, ready for `genaisim run NAME --posterior 50`.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--draws", type=int, default=60, help="posterior predictive draws")
    parser.add_argument("--before", type=int, default=20, help="runs before calibration")
    parser.add_argument(
        "--prior-draws", type=int, default=400, help="parameter sets drawn from the priors"
    )
    parser.add_argument("--robust-draws", type=int, default=16)
    parser.add_argument("--robust-organisations", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="reuse the cached simulations")
    parser.add_argument(
        "--manifest", type=Path, help="copy this calibration.json into docs/calibration/"
    )
    args = parser.parse_args()
    FIGURES.mkdir(parents=True, exist_ok=True)
    if args.manifest:
        shutil.copyfile(args.manifest, FIGURES / "calibration.json")
    manifest_path = FIGURES / "calibration.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    spec = load_calibration(CALIBRATION)
    CACHE.mkdir(parents=True, exist_ok=True)
    names = ("after", "before", "medians", "prior", "robust")
    if args.reuse and all((CACHE / f"{n}.parquet").exists() for n in names):
        sims = {n: pd.read_parquet(CACHE / f"{n}.parquet") for n in names}
    else:
        sims = simulate_all(args)
        for n, table in sims.items():
            table.to_parquet(CACHE / f"{n}.parquet", index=False)
    example = my_org_example(args)
    page = write_page(spec, sims, example, manifest)
    (DOCS / "calibration.md").write_text(page, encoding="utf-8")
    checks = band_table(spec, sims["after"])
    posterior_file = load_scenario(spec.write_scenario).posterior
    record = {
        # The test of the calibrated population reads this: which posterior the page
        # describes (so a stale page is caught) and which figures it found inside.
        "posterior_sha256": hashlib.sha256(Path(posterior_file).read_bytes()).hexdigest(),
        "draws": int(sims["after"]["draw"].nunique()),
        "seed": SEED,
        "targets": json.loads(checks.to_json(orient="records")),
    }
    (FIGURES / "checks.json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {DOCS / 'calibration.md'}")


if __name__ == "__main__":
    main()
