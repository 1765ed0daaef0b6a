"""Base model capability against data quality: which buys more value?

.venv/bin/python experiments/capability_vs_data.py
"""

from _common import arguments, sweep, write

from genaisim.analysis import summary_by

CAPABILITY, DATA = "organisation.model_capability", "organisation.data_quality"

if __name__ == "__main__":
    args = arguments(__doc__.splitlines()[0])
    results = sweep("capability_vs_data", args)
    table = summary_by(results, by=[CAPABILITY, DATA], outcomes=["net_value_last_year"])
    grid = table.pivot(index=CAPABILITY, columns=DATA, values="mean")
    capability_gain = (grid.iloc[-1] - grid.iloc[0]).mean()
    data_gain = (grid.iloc[:, -1] - grid.iloc[:, 0]).mean()
    write(
        table.round(3),
        "capability_vs_data",
        args,
        f"moving data quality from {grid.columns[0]} to {grid.columns[-1]} changes final-year "
        f"net value by {data_gain:,.0f} k on average; moving model capability from "
        f"{grid.index[0]} to {grid.index[-1]} changes it by {capability_gain:,.0f} k.",
    )
