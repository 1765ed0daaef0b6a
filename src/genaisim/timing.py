"""The cost of waiting: one intervention started at different months, on common random numbers.

>>> from genaisim.timing import compare_timing
>>> c = compare_timing("roadmap_example", "name owners", [0, 12], replications=4, years=3)
>>> list(c.table()["start"])
['month 0', 'month 12', 'never']

Every start month runs the same replications with the same seed, so the runs share
their luck: each organisation's random stream is the same, and a run is the very same
run up to the month its intervention starts. Differences between start months are
then paired, replication by replication, and their intervals are much narrower than
those of two independent sets of runs.

Figures: a replication's value is its five-year (whole-horizon) cumulative net value,
averaged over its organisations; intervals are 95% Student's t intervals over
replications (the replication is the unit, as in :func:`genaisim.analysis.summary_by`).
The cost of a month of waiting is, per replication, the least-squares slope of value
on start month across the start months compared; its mean and interval are reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from genaisim.errors import ScenarioError
from genaisim.intervals import mean_interval
from genaisim.results import simulate
from genaisim.roadmap import Intervention
from genaisim.scenario import Scenario, load_scenario

#: Most start months one comparison takes.
MAX_START_MONTHS = 12
#: Confidence of the intervals over replications.
CONFIDENCE = 0.95
NEVER = "never"


def find_intervention(scenario: Scenario, name: str) -> int:
    """The index of the scenario's intervention named by its label (or its number, from 1).

    A label matches case-insensitively, whole or as the only label containing ``name``.
    """
    interventions = scenario.interventions
    if not interventions:
        raise ScenarioError(
            f"scenario {scenario.name!r} has no interventions to move; add [[interventions]] "
            "to its file (see scenarios/roadmap_example.toml)"
        )
    titles = [iv.title() for iv in interventions]
    wanted = name.strip().lower()
    if wanted.isdigit() and 1 <= int(wanted) <= len(interventions):
        return int(wanted) - 1
    exact = [i for i, t in enumerate(titles) if t.lower() == wanted]
    partial = [i for i, t in enumerate(titles) if wanted and wanted in t.lower()]
    for found in (exact, partial):
        if len(found) == 1:
            return found[0]
    listed = "; ".join(f"{i}: {t!r}" for i, t in enumerate(titles, start=1))
    problem = "matches several" if len(partial) > 1 else "matches none"
    raise ScenarioError(
        f"intervention {name!r} {problem} of scenario {scenario.name!r}'s interventions "
        f"({listed}); give a label or a number"
    )


def _moved(scenario: Scenario, index: int, month: int | None) -> Scenario:
    """The scenario with intervention ``index`` moved to ``month`` (None: left out)."""
    interventions = list(scenario.interventions)
    if month is None:
        del interventions[index]
    else:
        interventions[index] = interventions[index].model_copy(update={"month": month})
    data = scenario.to_dict()
    data["interventions"] = [iv.model_dump() for iv in interventions]
    return type(scenario).model_validate(data)


@dataclass
class TimingComparison:
    """Values of one intervention started at different months (and never), paired by replication.

    Attributes:
        scenario: the scenario as given.
        intervention: the intervention that moves.
        months: the start months compared, in increasing order.
        runs: one row per start (``start``: a month, or -1 for never) x replication:
            ``value`` (k, mean over organisations) and ``break_even`` (the first month
            after the lowest point at which cumulative net value is back to zero or above,
            median over organisations; NaN when not within the horizon).

    """

    scenario: Scenario
    intervention: Intervention
    months: list[int]
    runs: pd.DataFrame

    @property
    def replications(self) -> int:
        """Replications per start month."""
        return int(self.runs["replication"].nunique())

    def _values(self, start: int) -> np.ndarray:
        rows = self.runs[self.runs["start"] == start].sort_values("replication")
        return rows["value"].to_numpy(float)

    def table(self) -> pd.DataFrame:
        """One row per start month and one for never.

        Columns: ``start`` (text), ``month`` (NaN for never), ``value``, ``value_low``,
        ``value_high`` (k), ``break_even`` (median month; NaN when most runs do not break
        even within the horizon), ``break_even_low``/``high`` (5th-95th percentile),
        ``broke_even`` (share of runs), and ``delay_cost``, ``delay_cost_low``,
        ``delay_cost_high``: value lost against the earliest start month (k).
        """
        earliest = self._values(self.months[0])
        horizon = self.scenario.simulation.years * 12
        rows = []
        for start in [*self.months, -1]:
            values = self._values(start)
            runs = self.runs[self.runs["start"] == start]["break_even"].to_numpy(float)
            censored = np.where(np.isnan(runs), horizon, runs)  # not within the run
            low, mid, high = np.percentile(censored, [5, 50, 95])
            lost = earliest - values
            rows.append(
                {
                    "start": NEVER if start < 0 else f"month {start}",
                    "month": np.nan if start < 0 else start,
                    **_mean_interval(values, "value"),
                    "break_even": mid if mid < horizon else np.nan,
                    "break_even_low": low if low < horizon else np.nan,
                    "break_even_high": high if high < horizon else np.nan,
                    "broke_even": float(np.mean(~np.isnan(runs))),
                    **_mean_interval(lost, "delay_cost"),
                }
            )
        return pd.DataFrame(rows)

    def cost_per_month(self) -> tuple[float, float, float]:
        """Value lost per month of waiting (k): mean and 95% interval of the paired slopes."""
        if len(self.months) < 2:
            return (np.nan, np.nan, np.nan)
        x = np.array(self.months, float)
        values = np.vstack([self._values(m) for m in self.months])  # (months, replications)
        x_centred = x - x.mean()
        slopes = x_centred @ (values - values.mean(axis=0)) / (x_centred @ x_centred)
        cost = _mean_interval(-slopes, "c")
        return (cost["c"], cost["c_low"], cost["c_high"])

    def sentence(self, months: int = 3) -> str:
        """The finding in words, e.g. 'Every quarter of waiting costs 1.2 M (0.8 to 1.6 M)'."""
        mean, low, high = (v * months for v in self.cost_per_month())
        if np.isnan(mean):
            return "Compare at least two start months to see the cost of waiting."
        span = {1: "month", 3: "quarter", 6: "half-year", 12: "year"}.get(
            months, f"{months} months"
        )
        what = _lower_first(self.intervention.title())
        years = self.scenario.simulation.years
        if low <= 0.0 <= high:
            return (
                f"No clear cost of waiting to {what}: each {span} of waiting changes "
                f"{years}-year value by {_signed_m(-mean)} "
                f"({_signed_m(-high)} to {_signed_m(-low)})"
            )
        if mean >= 0:
            change = f"costs {_m(mean)} ({_m(low)} to {_m(high)})"
        else:
            change = f"gains {_m(-mean)} ({_m(-high)} to {_m(-low)})"
        return f"Every {span} of waiting to {what} {change} of {years}-year value"

    def save(self, path: str | Path) -> Path:
        """Write :meth:`table` as CSV (written in one step: never half a file)."""
        from genaisim.files import write_atomically

        path = Path(path)
        write_atomically(path, lambda tmp: self.table().to_csv(tmp, index=False))
        return path


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _signed_m(thousands: float) -> str:
    text = f"{thousands / 1000:+,.1f} M".replace("-", "\u2212")
    return "0.0 M" if text[1:] == "0.0 M" else text


def _m(thousands: float) -> str:
    return f"{thousands / 1000:,.1f} M"


def _mean_interval(values: np.ndarray, name: str) -> dict[str, float]:
    mean, low, high = mean_interval(values, CONFIDENCE)
    return {name: mean, f"{name}_low": low, f"{name}_high": high}


def break_even_months(timeseries: pd.DataFrame) -> pd.Series:
    """Per replication: the median over organisations of the month the run broke even.

    Breaking even: the first month after the lowest cumulative net value at which it is
    back to zero or above (NaN when that does not happen within the horizon; 0 for a
    run that never lost money).
    """
    ts = timeseries.sort_values(["replication", "organisation", "month"])
    keys = ts[["replication", "organisation"]].drop_duplicates()
    months = len(ts) // len(keys)
    cumulative = ts["cumulative_net_value"].to_numpy(float).reshape(len(keys), months)
    trough = cumulative.argmin(axis=1)
    month = np.arange(months)[None, :]
    recovered = (cumulative >= 0.0) & (month >= trough[:, None])
    lost = cumulative.min(axis=1) < 0.0
    found = np.where(recovered.any(axis=1), recovered.argmax(axis=1), np.nan)
    found = np.where(lost, found, 0.0)
    frame = keys.assign(break_even=found)
    return frame.groupby("replication")["break_even"].median()


def compare_timing(
    scenario: Scenario | str | Path,
    intervention: str | int,
    months: Sequence[int],
    replications: int | None = None,
    seed: int | None = None,
    years: int | None = None,
    progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
) -> TimingComparison:
    """Run one intervention of a scenario at each start month, and without it.

    Args:
        scenario: a scenario (name, path or object) with at least one intervention.
        intervention: the intervention's label (or part of it, or its number from 1).
        months: the start months to compare (each within the horizon).
        replications: overrides ``simulation.replications`` (runs per start month).
        seed: overrides ``simulation.seed``.
        years: overrides ``simulation.years``.
        progress: wraps the iterable of runs (e.g. a progress bar).

    """
    scenario = load_scenario(scenario)
    changes = {
        key: value
        for key, value in (
            ("simulation.replications", replications),
            ("simulation.seed", seed),
            ("simulation.years", years),
        )
        if value is not None
    }
    if changes:
        scenario = scenario.with_changes(changes)
    index = find_intervention(scenario, str(intervention))
    horizon = scenario.simulation.years * 12
    if any(isinstance(m, bool) or not isinstance(m, int | np.integer) for m in months):
        raise ScenarioError(f"start months {list(months)!r} must be whole numbers")
    starts = sorted({int(m) for m in months})
    if not starts:
        raise ScenarioError("give at least one start month")
    if len(starts) > MAX_START_MONTHS:
        raise ScenarioError(f"{len(starts)} start months; compare at most {MAX_START_MONTHS}")
    for month in starts:
        if not 0 <= month < horizon:
            raise ScenarioError(
                f"start month {month} is outside the run (months 0 to {horizon - 1})"
            )
    plans = [(m, _moved(scenario, index, m)) for m in starts] + [
        (-1, _moved(scenario, index, None))
    ]
    frames = []
    steps: Iterable[int] = range(len(plans))
    if progress is not None:
        steps = progress(steps)
    for i in steps:
        start, variant = plans[i]
        results = simulate(variant)
        values = results.timeseries.groupby(["replication", "month"])["cumulative_net_value"]
        last = values.mean().groupby("replication").last()
        frames.append(
            pd.DataFrame(
                {
                    "start": start,
                    "replication": last.index.to_numpy(),
                    "value": last.to_numpy(float),
                    "break_even": break_even_months(results.timeseries)
                    .reindex(last.index)
                    .to_numpy(float),
                }
            )
        )
    return TimingComparison(
        scenario=scenario,
        intervention=scenario.interventions[index],
        months=starts,
        runs=pd.concat(frames, ignore_index=True),
    )
