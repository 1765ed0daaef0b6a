"""The response surface that bounds which figures a calibration can match together."""

import numpy as np
import pandas as pd

from genaisim.calibration.surface import joint_reach

BOX = {"a": (0.0, 1.0), "b": (0.0, 1.0)}


def _sample(rows: int = 300, noise: float = 0.01, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b = rng.random(rows), rng.random(rows)
    return pd.DataFrame(
        {
            "a": a,
            "b": b,
            # three smooth statistics with noise, like shares from simulated populations
            "up": a + rng.normal(0, noise, rows),
            "down": 1.0 - a + rng.normal(0, noise, rows),
            "mix": a * b + rng.normal(0, noise, rows),
        }
    )


def test_figures_matched_together_where_their_regions_overlap():
    # up in [0.6, 0.8] and mix in [0.3, 0.5] overlap (a = 0.7, b = 0.6 gives mix = 0.42).
    figures = {"F1": [("up", 0.6, 0.8)], "F2": [("mix", 0.3, 0.5)]}
    reach = joint_reach(_sample(), BOX, figures, points=20_000)
    assert reach.best == 2
    assert reach.missed_at_best == {"F1": 0.0, "F2": 0.0}
    assert 0.6 <= reach.best_point["a"] <= 0.8
    assert min(reach.r2.values()) > 0.95


def test_figures_in_tension_are_never_matched_together():
    # up >= 0.7 needs a >= 0.7; down >= 0.7 needs a <= 0.3: no point matches both.
    figures = {"F1": [("up", 0.7, 1.0)], "F2": [("down", 0.7, 1.0)], "F3": [("mix", 0.0, 1.0)]}
    reach = joint_reach(_sample(), BOX, figures, points=20_000)
    assert reach.best == 2
    assert reach.missed_at_best["F3"] == 0.0
    # At the best points one of the two figures in tension is always missed.
    assert reach.missed_at_best["F1"] + reach.missed_at_best["F2"] == 1.0


def test_a_figure_with_several_statistics_needs_all_of_them():
    figures = {"F1": [("up", 0.6, 0.8), ("down", 0.6, 0.8)]}  # a in [0.6, 0.8] and [0.2, 0.4]
    reach = joint_reach(_sample(), BOX, figures, points=20_000)
    assert reach.best == 0


def test_shares_at_a_floor_are_clipped_to_their_range():
    # A share stuck at 0 for half the box, rising beyond: a quadratic dips below 0.
    rng = np.random.default_rng(2)
    a, b = rng.random(300), rng.random(300)
    sample = pd.DataFrame({"a": a, "b": b, "share": np.maximum(0.0, a - 0.5) * 2})
    impossible = {"F": [("share", -0.5, -0.01)]}  # no share lies below zero
    assert joint_reach(sample, BOX, impossible, points=20_000).best == 1  # unclipped: it dips
    clipped = joint_reach(sample, BOX, impossible, points=20_000, limits={"share": (0.0, 1.0)})
    assert clipped.best == 0


def test_the_fit_is_reported_out_of_sample_and_refits_give_their_own_best():
    noisy = _sample(noise=0.05)
    figures = {"F1": [("up", 0.6, 0.8)], "F2": [("mix", 0.3, 0.5)]}
    reach = joint_reach(noisy, BOX, figures, points=5_000, refits=3)
    # Noise of 0.05: the residuals' spread is about that, and out of sample R² is lower.
    assert 0.04 < reach.residual_sd["up"] < 0.06
    assert reach.cv_r2["up"] < reach.r2["up"]
    assert len(reach.refit_best) == 3 and all(0 <= n <= 2 for n in reach.refit_best)
