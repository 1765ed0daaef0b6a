"""Starting earlier and spending more, against starting later with discipline.

.venv/bin/python experiments/early_vs_disciplined.py
"""

from _common import arguments, sweep, write

from genaisim.analysis import label_shares, summary_by

if __name__ == "__main__":
    args = arguments(__doc__.splitlines()[0])
    results = sweep("early_vs_disciplined", args)
    value = summary_by(results, by=["point_name"], outcomes=["cumulative_net_value"])
    shares = label_shares(results, by=["point_name"]).drop(columns="n")
    table = value.merge(shares, on="point_name")
    means = table.set_index("point_name")["mean"]
    write(
        table.round(3),
        "early_vs_disciplined",
        args,
        f"a year later but disciplined ends at {means['disciplined late starter']:,.0f} k; "
        f"six months earlier with twice the team and no discipline ends at "
        f"{means['early big spender']:,.0f} k.",
    )
