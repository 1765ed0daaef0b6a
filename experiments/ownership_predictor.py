"""Which factor best predicts that a deployment reaches stable production?

.venv/bin/python experiments/ownership_predictor.py
"""

from _common import arguments, sweep, write

from genaisim.analysis import stable_production_predictors

if __name__ == "__main__":
    args = arguments(__doc__.splitlines()[0])
    results = sweep("ownership_predictor", args)
    table = stable_production_predictors(results)
    top, second = table.iloc[0], table.iloc[1]
    write(
        table.round(4),
        "ownership_predictor",
        args,
        f"'{top['predictor']}' is the strongest single predictor of reaching stable "
        f"production (permutation importance {top['importance']:.3f}, next "
        f"'{second['predictor']}' at {second['importance']:.3f}).",
    )
