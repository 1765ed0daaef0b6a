"""genaisim: why some organisations' GenAI deployments compound in value and others loop.

The public API:

    >>> import genaisim
    >>> baseline = genaisim.load_scenario("baseline")
    >>> scenario = baseline.with_changes({"ownership.owner_probability": 0.9})
    >>> results = genaisim.simulate(scenario, replications=5, seed=7)
    >>> table = results.summary()
"""

from importlib import import_module, metadata
from typing import TYPE_CHECKING, Any

from genaisim.errors import GenaisimError, ScenarioError

try:
    __version__ = metadata.version("genaisim")
except metadata.PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

#: Where each public name lives; imported when first used (PEP 562), so that the command
#: line's help answers without loading the model, pandas and Mesa.
_LAZY = {
    "LABELS": "genaisim.labels",
    "LabelRule": "genaisim.labels",
    "label_trajectory": "genaisim.labels",
    "GenAISimModel": "genaisim.model",
    "Results": "genaisim.results",
    "replication_seed": "genaisim.results",
    "run_replication": "genaisim.results",
    "simulate": "genaisim.results",
    "Scenario": "genaisim.scenario",
    "available_scenarios": "genaisim.scenario",
    "load_scenario": "genaisim.scenario",
}

if TYPE_CHECKING:
    from genaisim.labels import LABELS, LabelRule, label_trajectory
    from genaisim.model import GenAISimModel
    from genaisim.results import Results, replication_seed, run_replication, simulate
    from genaisim.scenario import Scenario, available_scenarios, load_scenario


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'genaisim' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


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
