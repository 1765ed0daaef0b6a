"""The verdict on a scenario: how its runs end, what they are worth, when they pay back.

One place computes the three figures a strategist asks first, for the explorer's
results strip and its comparison table:

- **labels**: the share of trajectories with each label (computed from the simulated
  trajectories, see :mod:`genaisim.labels`);
- **value**: the mean cumulative net value per organisation at the end, with its 95%
  interval, the replication as the unit (:mod:`genaisim.intervals`);
- **break-even**: the median months from the first pilot to payback over every
  trajectory, where one that never paid back counts as later than any that did, with
  a 95% percentile-bootstrap interval that resamples whole replications (so
  organisations sharing a run stay together). When fewer than half paid back, the
  median is "not within the horizon", and so is an interval end past it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from genaisim.intervals import CONFIDENCE, replication_interval
from genaisim.labels import LABELS

if TYPE_CHECKING:
    from genaisim.results import Results

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "LABEL_MEANINGS",
    "RANKED_OUTCOMES",
    "Verdict",
    "lever_ranking",
    "millions",
    "readable",
    "verdict",
    "verdict_table",
]

#: Each trajectory label in plain words (the rule is in genaisim.labels and docs/ODD.md).
LABEL_MEANINGS: dict[str, str] = {
    "compounding": "net value positive in each of the last two years and still growing "
    "(not the same as paid back: the programme may still be under water overall)",
    "turnaround": "a loss the year before, a gain in the last year",
    "pilot loop": "value not growing, more pilots open than systems live, and the open "
    "pilots not shrinking",
    "stalled": "no net value over the last year",
    "flat": "net value positive but not growing",
    "inactive": "never started a pilot",
}

#: Bootstrap resamples of the break-even interval (seeded: the same runs give the same).
BOOTSTRAP_RESAMPLES = 1000


@dataclass(frozen=True)
class Verdict:
    """The verdict on one scenario's runs (money in k; months from the first pilot).

    Attributes:
        labels: share of trajectories with each label, in :data:`LABELS` order.
        value, value_low, value_high: mean five-year (horizon) cumulative net value per
            organisation and its interval.
        paid_back: share of trajectories whose programme paid back within the horizon.
        break_even, break_even_low, break_even_high: median months to payback and its
            interval; ``inf`` where it is not within the horizon, NaN without runs.
        horizon_months: months simulated.
        trajectories: replications x organisations.

    """

    labels: dict[str, float]
    value: float
    value_low: float
    value_high: float
    paid_back: float
    break_even: float
    break_even_low: float
    break_even_high: float
    horizon_months: int
    trajectories: int

    def break_even_text(self) -> str:
        """E.g. ``"month 41 (35 to 50)"`` or ``"not within 5 years"``."""
        never = f"not within {self.horizon_months // 12} years"
        if np.isnan(self.break_even) or np.isinf(self.break_even):
            return never

        def end(months: float) -> str:
            return "later" if np.isinf(months) else "?" if np.isnan(months) else f"{months:.0f}"

        low, high = end(self.break_even_low), end(self.break_even_high)
        return f"month {self.break_even:.0f} ({low} to {high})"

    def labels_text(self) -> str:
        """The labels with a share, largest first: ``"compounding 40%, stalled 35%, ..."``."""
        shares = sorted(((s, name) for name, s in self.labels.items() if s > 0), reverse=True)
        return ", ".join(f"{name} {share:.0%}" for share, name in shares)


def _median_months(months: np.ndarray) -> float:
    """Median with never-paid-back (NaN) ranked after every payback month."""
    if months.size == 0:
        return np.nan
    ranked = np.sort(np.where(np.isnan(months), np.inf, months))
    n = ranked.size
    middle = ranked[(n - 1) // 2], ranked[n // 2]
    if np.isinf(middle[0]) or np.isinf(middle[1]):
        return np.inf if np.isinf(middle[0]) else middle[0]
    return float((middle[0] + middle[1]) / 2)


def _break_even(summary: pd.DataFrame, seed: int) -> tuple[float, float, float]:
    months = summary["months_to_payback"].to_numpy(float)
    median = _median_months(months)
    groups = [g.to_numpy(float) for _, g in summary.groupby("replication")["months_to_payback"]]
    if len(groups) < 2:
        return median, np.nan, np.nan
    rng = np.random.default_rng(seed)
    resampled = [
        _median_months(
            np.concatenate([groups[i] for i in rng.integers(len(groups), size=len(groups))])
        )
        for _ in range(BOOTSTRAP_RESAMPLES)
    ]
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(np.array(resampled), [tail, 1 - tail], method="inverted_cdf")
    return median, float(low), float(high)


def verdict(summary: pd.DataFrame, horizon_months: int, seed: int = 0) -> Verdict:
    """The verdict on the runs of ``summary`` (one row per replication x organisation)."""
    counts = summary["label"].value_counts(normalize=True)
    value, low, high = replication_interval(summary, "cumulative_net_value")
    median, b_low, b_high = _break_even(summary, seed)
    return Verdict(
        labels={label: float(counts.get(label, 0.0)) for label in LABELS},
        value=value,
        value_low=low,
        value_high=high,
        paid_back=float(summary["months_to_payback"].notna().mean()) if len(summary) else np.nan,
        break_even=median,
        break_even_low=b_low,
        break_even_high=b_high,
        horizon_months=horizon_months,
        trajectories=len(summary),
    )


def millions(k: float) -> str:
    """Thousands as signed millions with one decimal and a true minus: ``"\u22121.2 M"``."""
    m = round(k / 1000, 1)
    return f"{m + 0.0:+.1f} M".replace("-", "\u2212") if m else "0.0 M"


def verdict_table(verdicts: dict[str, Verdict]) -> pd.DataFrame:
    """One row per scenario, in millions with one decimal: the explorer's results strip."""
    rows = []
    for name, v in verdicts.items():
        rows.append(
            {
                "Scenario": name,
                "Mean net value at the end": millions(v.value),
                "95% interval": f"{millions(v.value_low)} to {millions(v.value_high)}"
                if np.isfinite(v.value_low)
                else "n/a",
                "Paid back": f"{v.paid_back:.0%}",
                "Break-even (median)": v.break_even_text(),
                "How runs end": v.labels_text(),
            }
        )
    return pd.DataFrame(rows)


#: How each outcome a lever ranking can use is worded, and whether it is money (k).
RANKED_OUTCOMES: dict[str, tuple[str, bool]] = {
    "cumulative_net_value": ("net value at the end", True),
    "net_value_last_year": ("net value in the last year", True),
    "production": ("systems in production at the end", False),
}


def lever_ranking(
    base: Results, variants: Mapping[str, Results], outcome: str = "cumulative_net_value"
) -> pd.DataFrame:
    """Each lever's effect on ``outcome`` against the base, largest first, with its interval.

    Every variant must have run the base's replications with the same seeds, so the
    difference is paired: taken organisation by organisation, averaged per replication,
    with the replication as the unit (:mod:`genaisim.intervals`). ``effect``, ``low`` and
    ``high`` are in the outcome's unit (k for money); ``sentence`` says it in words.
    """
    words, money = RANKED_OUTCOMES[outcome]
    keys = ["replication", "organisation"]
    before = base.summary()[[*keys, outcome]]
    rows = []
    for lever, variant in variants.items():
        paired = before.merge(variant.summary()[[*keys, outcome]], on=keys, suffixes=("", "_v"))
        paired["difference"] = paired[f"{outcome}_v"] - paired[outcome]
        effect, low, high = replication_interval(paired, "difference")

        def show(x: float, sign: bool = True) -> str:
            text = millions(x) if money else f"{x:+.1f}".replace("-", "\u2212")
            return text if sign else text.lstrip("+\u2212")

        verb, preposition = ("adds", "to") if effect >= 0 else ("takes", "from")
        size = show(effect, sign=False)
        if size.startswith("0.0"):  # rounds to nothing: say so rather than "adds 0.0 M"
            tiny = "0.05 M" if money else "0.05"
            sentence = f"{lever} changes {words} by less than {tiny}"
        else:
            sentence = f"{lever} {verb} {size} {preposition} {words}"
        sentence += f" (95% interval {show(low)} to {show(high)})"
        if low <= 0 <= high:
            sentence += ": the interval includes no change"
        rows.append(
            {
                "lever": lever,
                "effect": effect,
                "low": low,
                "high": high,
                "sentence": sentence + ".",
            }
        )
    table = pd.DataFrame(rows, columns=["lever", "effect", "low", "high", "sentence"])
    return table.sort_values("effect", ascending=False, ignore_index=True)


def readable(
    table: pd.DataFrame, values: Mapping[str, str], interval: str = "95% interval"
) -> pd.DataFrame:
    """A table of outcomes for people: money in M with one decimal, counts with one.

    ``table`` has an ``outcome`` column whose money rows end in "(k)" (as the explorer's
    outcome labels do), the numeric columns named in ``values`` (renamed to their
    values), and ``ci_low`` and ``ci_high``, joined into one ``interval`` column. Other
    columns keep their values, with their first letter capitalised.
    """
    money = table["outcome"].str.endswith("(k)")

    def show(x: float, is_money: bool, sign: bool) -> str:
        if pd.isna(x):
            return "n/a"
        if is_money:
            return millions(x) if sign else millions(x).lstrip("+")
        return (f"{x:+.1f}" if sign else f"{x:.1f}").replace("-", "\u2212")

    out = pd.DataFrame(index=table.index)
    signed = {"difference"}
    for column in table.columns:
        if column in ("ci_low", "ci_high"):
            continue
        if column in values:
            out[values[column]] = [
                show(x, m, column in signed) for x, m in zip(table[column], money, strict=True)
            ]
        elif column == "outcome":
            out["Outcome"] = table["outcome"].str.replace(r"\(k\)$", "(M)", regex=True)
        else:
            out[column[:1].upper() + column[1:]] = table[column]
    out[interval] = [
        f"{show(lo, m, True)} to {show(hi, m, True)}"
        for lo, hi, m in zip(table["ci_low"], table["ci_high"], money, strict=True)
    ]
    return out.reset_index(drop=True)
