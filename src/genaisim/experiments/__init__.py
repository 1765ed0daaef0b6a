"""Batch experiments: plan runs from a design, execute them anywhere, read them back.

Four verbs with plain data between them, as in SALib:

    experiment = load_experiment("experiments/foundations.toml")   # what to run
    the_plan = plan(experiment)                                      # every run, as tables
    execute(the_plan, "results/foundations", executor, workers=2)     # run, stream to disk
    results = load_sweep("results/foundations")                      # read back
"""

from genaisim.experiments.design import Plan, plan, run_id
from genaisim.experiments.runner import (
    SerialExecutor,
    SweepSummary,
    chunk_size,
    execute,
    make_executor,
    run_chunk,
)
from genaisim.experiments.spec import (
    Design,
    Experiment,
    ExperimentError,
    Point,
    experiment_from_dict,
    load_experiment,
)
from genaisim.experiments.status import FolderStatus, TimeEstimate, estimate_time, folder_status
from genaisim.experiments.store import ResultsFolder, SweepResults, load_sweep

__all__ = [
    "Design",
    "Experiment",
    "ExperimentError",
    "FolderStatus",
    "Plan",
    "Point",
    "ResultsFolder",
    "SerialExecutor",
    "SweepResults",
    "SweepSummary",
    "TimeEstimate",
    "chunk_size",
    "estimate_time",
    "execute",
    "experiment_from_dict",
    "folder_status",
    "load_experiment",
    "load_sweep",
    "make_executor",
    "plan",
    "run_chunk",
    "run_id",
]
