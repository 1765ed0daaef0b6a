"""The feedback loop with each of tooling, process and culture removed.

.venv/bin/python experiments/feedback_elements.py
"""

from _common import arguments, sweep, write

if __name__ == "__main__":
    args = arguments(__doc__.splitlines()[0])
    results = sweep("feedback_elements", args)
    d = results.deployments()
    live = d[d["months_in_production"] >= 12].assign(
        quality_gain=lambda t: t["final_quality"] - t["quality_at_go_live"]
    )
    table = (
        live.groupby("point_name", sort=False)
        .agg(
            systems=("quality_gain", "size"),
            quality_gain=("quality_gain", "mean"),
            flags_acted=("flags_acted", "mean"),
        )
        .reset_index()
    )
    value = results.runs.groupby("point_name", sort=False)["cumulative_net_value"].mean()
    table["cumulative_net_value"] = table["point_name"].map(value)
    gains = table.set_index("point_name")["quality_gain"]
    broken = gains.drop(["whole loop", "no loop"])
    # "Breaks the loop" as in genaisim.patterns: at most a third of the lift remains.
    kept = (broken.max() - gains["no loop"]) / (gains["whole loop"] - gains["no loop"])
    write(
        table.round(4),
        "feedback_elements",
        args,
        f"the whole loop lifts production quality by {gains['whole loop']:.3f} after go-live; "
        f"without any one element the lift is {broken.min():.3f} to {broken.max():.3f}, "
        + (
            f"close to the {gains['no loop']:.3f} of no loop at all"
            if kept <= 1 / 3
            else f"well above the {gains['no loop']:.3f} of no loop: the remaining elements "
            "and their manual fallbacks keep part of the loop"
        )
        + f" (at most {kept:.0%} of the whole loop's lift remains).",
    )
