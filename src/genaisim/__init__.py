"""genaisim: why some organisations' GenAI deployments compound in value and others loop.

The public API:

    >>> import genaisim
    >>> baseline = genaisim.load_scenario("baseline")
    >>> scenario = baseline.with_changes({"ownership.owner_probability": 0.9})
    >>> results = genaisim.simulate(scenario, replications=5, seed=7)
    >>> table = results.summary()
"""

from importlib import metadata

from genaisim.errors import GenaisimError, ScenarioError
from genaisim.labels import LABELS, LabelRule, label_trajectory
from genaisim.model import GenAISimModel
from genaisim.results import Results, replication_seed, run_replication, simulate
from genaisim.scenario import Scenario, available_scenarios, load_scenario

try:
    __version__ = metadata.version("genaisim")
except metadata.PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

__all__ = [
    "LABELS",
    "GenAISimModel",
    "GenaisimError",
    "LabelRule",
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "available_scenarios",
    "label_trajectory",
    "load_scenario",
    "replication_seed",
    "run_replication",
    "simulate",
]
