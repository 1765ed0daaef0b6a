"""Pilot appetite against a cap on open pilots: more pilots, more value?

.venv/bin/python experiments/pilot_appetite.py
"""

from _common import arguments, sweep, write

from genaisim.analysis import summary_by

APPETITE, CAP = "portfolio.pilot_appetite", "portfolio.max_open_pilots"

if __name__ == "__main__":
    args = arguments(__doc__.splitlines()[0])
    results = sweep("pilot_appetite", args)
    table = summary_by(
        results, by=[APPETITE, CAP], outcomes=["pilots_open", "production", "cumulative_net_value"]
    )
    wide = table.pivot_table(index=[APPETITE, CAP], columns="outcome", values="mean")
    uncapped = wide.xs(100, level=CAP)
    grew = uncapped.iloc[-1] - uncapped.iloc[0]
    write(
        wide.reset_index().round(2),
        "pilot_appetite",
        args,
        f"uncapped, raising appetite from {uncapped.index[0]:g} to {uncapped.index[-1]:g} use "
        f"cases a year grows open pilots from {uncapped['pilots_open'].iloc[0]:.1f} to "
        f"{uncapped['pilots_open'].iloc[-1]:.1f} while production moves from "
        f"{uncapped['production'].iloc[0]:.1f} to {uncapped['production'].iloc[-1]:.1f} "
        "systems"
        + (
            ": attention is diluted, not multiplied."
            if grew["production"] < grew["pilots_open"]
            else ": production keeps pace with the portfolio."
        ),
    )
