"""Helpers shared by the chart builders: inputs, source lines, number formats."""

from __future__ import annotations

from collections.abc import Sequence

from genaisim import __version__
from genaisim.errors import GenaisimError
from genaisim.results import Results

#: The x axis of every monthly chart.
MONTH_TITLE = "Months since January 2024"
MINUS = "\u2212"  # a typographic minus: a hyphen reads as a dash on a slide


def as_list(results: Results | Sequence[Results]) -> list[Results]:
    """One or several scenarios' results as a non-empty list."""
    items = [results] if isinstance(results, Results) else list(results)
    if not items:
        raise GenaisimError("no results to chart: give at least one scenario's Results")
    for item in items:
        if not isinstance(item, Results):
            raise GenaisimError(
                f"cannot chart {type(item).__name__}: give Results from genaisim.simulate"
            )
    return items


def scenario_names(results_list: Sequence[Results]) -> list[str]:
    """Each scenario's name; a repeated name gets ``#2``, ``#3``... so series stay apart."""
    names: list[str] = []
    for results in results_list:
        name = results.scenario.name
        count = sum(1 for n in names if n == name or n.startswith(f"{name} #"))
        names.append(name if count == 0 else f"{name} #{count + 1}")
    return names


def source_line(results_list: Sequence[Results]) -> str:
    """Where the numbers come from: scenarios, replications, organisations, seed, version."""
    names = ", ".join(scenario_names(results_list))
    reps = sorted({r.replications for r in results_list})
    orgs = sorted({r.scenario.population.organisations for r in results_list})
    seeds = sorted({r.seed for r in results_list})
    years = sorted({r.years for r in results_list})

    def one_or_range(values: list[int]) -> str:
        return str(values[0]) if len(values) == 1 else f"{values[0]}\u2013{values[-1]}"

    org_word = "organisation" if orgs == [1] else "organisations"
    return (
        f"Scenarios: {names} \u00b7 {one_or_range(reps)} replications \u00d7 "
        f"{one_or_range(orgs)} {org_word} \u00b7 {one_or_range(years)} years \u00b7 "
        f"seed {', '.join(map(str, seeds))} \u00b7 genaisim {__version__}"
    )


def sweep_source_line(results) -> str:
    """The source line of a sweep's chart: experiment, runs, replications, seed, version."""
    manifest = results.manifest
    runs = manifest.get("runs_done", len(results.runs))
    return (
        f"Experiment: {manifest.get('name', results.path.name)} \u00b7 {runs:,} runs "
        f"({manifest.get('replications', '?')} replications per design point) \u00b7 "
        f"seed {manifest.get('seed', '?')} \u00b7 "
        f"genaisim {manifest.get('genaisim_version', __version__)}"
    )


def signed(value: float, decimals: int = 1) -> str:
    """``+8.8`` or ``−26.8`` with a typographic minus."""
    text = f"{value:+,.{decimals}f}"
    return text.replace("-", MINUS)


def millions(thousands: float) -> str:
    """An amount in thousands (k) as signed millions: ``+8.8 M``."""
    return f"{signed(thousands / 1000)} M"
