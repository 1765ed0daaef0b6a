"""Write docs/experiments.md from the experiments' own results.

Run the experiment scripts first (each writes ``results/<name>/<name>.md``), then:

    .venv/bin/python experiments/make_docs.py

Every table in the document is produced by code: the experiments' tables are copied
from their results folders, and the replication table is computed here.
"""

from __future__ import annotations

import argparse
import platform
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from _common import HERE, RESULTS, markdown

from genaisim.analysis import enough_replications, replication_sufficiency_for

ROOT = HERE.parent
ORDER = (
    ("foundations", "Do the four foundations compound together?"),
    ("ownership_predictor", "What best predicts that a deployment reaches stable production?"),
    ("capability_vs_data", "Does a better model buy what better data buys?"),
    ("feedback_elements", "Does the feedback loop survive losing one element?"),
    ("pilot_appetite", "Do more pilots bring more value?"),
    ("early_vs_disciplined", "Does starting earlier and spending more beat discipline?"),
    ("sobol_foundations", "Which lever explains most of the spread in value?"),
    ("discover_compounding", "Where in the space of foundations do organisations compound?"),
)

INTRO = """# Experiments

Each of the article's patterns is an experiment: a TOML file in `experiments/` that
names a base scenario, a design, the replications and the seed, plus a short script
that runs it, writes a table and states the finding in one sentence. The tables below
are copied from the scripts' output by `experiments/make_docs.py`; nothing in them is
typed by hand.

Run one from the command line, or with its script:

```sh
genaisim plan experiments/foundations.toml       # how many runs, and how long, before running
genaisim sweep experiments/foundations.toml      # run it (2 workers here), resumable
genaisim analyse results/foundations             # summaries with confidence intervals
.venv/bin/python experiments/foundations.py      # the same sweep, then its table and finding
```

Or from Python:

```python
from genaisim.experiments import load_experiment, plan, execute, make_executor, load_sweep
from genaisim.analysis import summary_by, label_shares

the_plan = plan(load_experiment("experiments/foundations.toml"))
with make_executor(workers=2) as (executor, workers):      # or dask_local=True, scheduler=...
    execute(the_plan, "results/foundations", executor, workers=workers, progress=True)
results = load_sweep("results/foundations")
print(summary_by(results, by=["data", "ownership"]))
```

Every run's result depends only on its scenario, its parameters, its replication and the
seed: serial, process-pool and Dask runs give identical tables, and an interrupted sweep
resumed with `genaisim sweep ... --resume` gives the same tables as an uninterrupted one.

## Exploring a sweep

Any sweep, of any design, can be explored after the fact:

```sh
genaisim discover results/discover_compounding --where compounding --out discovery/
genaisim discover results/discover_compounding --where 'cumulative_net_value > 0'
genaisim analyse results/discover_compounding --scores --outcome compounding
genaisim analyse results/sobol_foundations --convergence          # S1, ST at N/4, N/2, N
genaisim sweep experiments/foundations.toml --until-ci 0.05       # replications until ±5%
genaisim export results/discover_compounding --wide runs.parquet
```

`discover` runs PRIM and CART (EMA Workbench) and prints the peeling trajectory, the
chosen box's limits with quasi-p-values, CART's rules and the finding in one sentence;
`--scores` ranks the parameters by extra-trees importance (scikit-learn) with bootstrap
intervals and permutation importance; `--convergence` warns when a Sobol interval is
wider than `--tolerance`; an experiment of `kind = "oat"` (levels per parameter around
the base scenario) gives `analyse --tornado` and `chart --kind tornado`.

`export --wide` writes one row per run with the varied parameters under plain names,
the seed, the label and the final outcomes, so SQL needs no joins and no quoting. With
DuckDB:

```sql
SELECT label, count(*) AS runs, avg(owner_probability) AS owner_probability,
       avg(cumulative_net_value) AS value
FROM read_parquet('runs.parquet')
GROUP BY label ORDER BY value DESC;
```
"""


def replication_section() -> str:
    """How many replications are enough (Lorscheid, Heine and Meyer 2012), computed now."""
    rows = []
    for scenario in ("baseline", "compounder", "pilot_loop"):
        table = replication_sufficiency_for(
            scenario, "cumulative_net_value", replications=100, seed=7
        )
        cv = table.set_index("replications")["cv"]
        rows.append(
            {
                "scenario": scenario,
                **{f"CV at n={n}": round(float(cv[n]), 3) for n in (5, 10, 20, 30, 50, 100)},
                "n where the CV settles within 5%": enough_replications(table, 0.05),
            }
        )
    table = markdown(pd.DataFrame(rows))
    return f"""## How many replications are enough

Following Lorscheid, Heine and Meyer (2012), the coefficient of variation (CV) of an
outcome over the first n replications is tracked as n grows; once it stops moving, more
replications add little precision about the spread. For five-year cumulative net value
(100 replications, seed 7):

{table}

"Settles within 5%" is the smallest n after which every further replication changes the
CV by less than 5% (`genaisim.analysis.enough_replications`). That strict criterion is met
only after several tens of replications: single replications with unusual trajectories keep
nudging the CV, and the compounder's CV is large because its five-year value is small
against its spread (it turns positive only in year four). The replication counts are
therefore set by the precision each comparison needs rather than by CV stability: 20 for a
scenario run (`simulation.replications`), 20-30 per design point in the pattern experiments,
whose tables give 95% confidence intervals, up to 200 in the statistical tests where an
effect is small against the noise, and 5 per point in the Sobol design, whose 8,192 points
average the noise out (the indices' confidence intervals say how well). Recompute it for any
outcome with `genaisim analyse RESULTS --replications --outcome NAME` or
`genaisim.analysis.replication_sufficiency_for(scenario, outcome)`.
"""


def experiment_section(name: str, question: str, results: Path = RESULTS) -> str:
    """One experiment: its question, file, description, command, table and finding."""
    spec = tomllib.loads((HERE / f"{name}.toml").read_text(encoding="utf-8"))["experiment"]
    result = results / name / f"{name}.md"
    body = (
        result.read_text(encoding="utf-8")
        if result.exists()
        else f"*Not run yet: `python experiments/{name}.py` writes this table.*\n"
    )
    return f"""## {question}

`experiments/{name}.toml` — {spec["description"]} {spec["replications"]} replications per
design point, seed {spec["seed"]}. Run with `.venv/bin/python experiments/{name}.py`.

{body}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="parent folder of the experiments' results"
    )
    args = parser.parse_args()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    parts = [INTRO, replication_section()]
    parts += [experiment_section(name, question, args.results) for name, question in ORDER]
    parts.append(
        f"---\nTables produced on {stamp} on {platform.platform()} with "
        f"Python {platform.python_version()}.\n"
    )
    out = ROOT / "docs" / "experiments.md"
    out.write_text("\n".join(parts), encoding="utf-8")
    print(f"written {out}")


if __name__ == "__main__":
    main()
