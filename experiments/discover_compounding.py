"""Where do organisations compound? Scenario discovery (PRIM, CART) on a Latin hypercube.

.venv/bin/python experiments/discover_compounding.py        # 2,000 runs, under a minute on 2 cores
"""

from _common import arguments, sweep, write

from genaisim.cli_explore import write_discovery
from genaisim.explore import discover, feature_scores

if __name__ == "__main__":
    args = arguments(__doc__.splitlines()[0])
    results = sweep("discover_compounding", args)
    found = discover(results, 'label == "compounding"')
    write_discovery(found, args.out / "discover_compounding" / "discovery", "svg")
    scores = feature_scores(results, "compounding", seed=results.manifest["seed"])
    limits = found.restrictions()[
        ["parameter", "inside_low", "inside_high", "qp_low", "qp_high"]
    ].merge(scores[["parameter", "importance", "permutation"]], on="parameter", how="left")
    write(limits.round(3), "discover_compounding", args, found.sentence())
