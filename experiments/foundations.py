"""The four foundations as a 2^4 factorial: which combinations compound?

.venv/bin/python experiments/foundations.py
"""

from _common import arguments, sweep, write

from genaisim.analysis import label_shares, summary_by

FACTORS = ["data", "ownership", "measurement", "feedback"]

if __name__ == "__main__":
    args = arguments(__doc__.splitlines()[0])
    results = sweep("foundations", args)
    value = summary_by(results, by=FACTORS, outcomes=["cumulative_net_value"])
    shares = label_shares(results, by=FACTORS).drop(columns="n")
    table = value.merge(shares, on=FACTORS).sort_values("mean", ascending=False)
    present = (table[FACTORS] == "present").sum(axis=1)
    best_single = table[present == 1].iloc[0]
    single_name = next(f for f in FACTORS if best_single[f] == "present")
    all_four, none = table[present == 4].iloc[0], table[present == 0].iloc[0]
    # Compounding: all four together gain more than the sum of each one's gain alone.
    together = all_four["mean"] - none["mean"]
    added = float((table[present == 1]["mean"] - none["mean"]).sum())
    write(
        table.round(3),
        "foundations",
        args,
        f"all four foundations together reach {all_four['mean']:,.0f} k over five years "
        f"against {none['mean']:,.0f} k with none; the best single foundation, "
        f"{single_name}, reaches {best_single['mean']:,.0f} k — the foundations "
        + (
            "compound together rather than add up"
            if together > added
            else "add up rather than compound"
        )
        + f" (together {together:+,.0f} k against {added:+,.0f} k from the four alone).",
    )
