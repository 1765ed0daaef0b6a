"""How much time and memory a run or a plan will take, before anything runs.

The costs are per organisation-month, the model's unit of work, measured with
``genaisim.simulate`` on a 2-core reference machine (population_2024, 5 years):
about 115 µs of one core per organisation-month in a population and 250 µs for a lone
organisation (model set-up dominates), and 450-600 bytes of tables per
organisation-month, held twice while the summary is computed. The upper figures are
used, so an estimate errs towards caution.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from genaisim.errors import GenaisimError

#: Seconds of one core per organisation-month simulated (upper measured figure).
SECONDS_PER_ORGANISATION_MONTH = 250e-6
#: Bytes of tables held in memory per organisation-month (measured 600, held twice).
BYTES_PER_ORGANISATION_MONTH = 1200
#: Runs a plan may hold: its own tables take about 200 bytes a run.
MAX_RUNS = 1_000_000
#: Core-seconds of work a plan or a run may ask for: a week of one core.
MAX_CORE_SECONDS = 7 * 24 * 3600


class TooLargeError(GenaisimError):
    """A run or a plan would exceed a size limit; forcing it goes ahead anyway."""


def physical_memory() -> int:
    """Bytes of physical memory of this machine (8 GiB where it cannot be told)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


@dataclass(frozen=True)
class Budget:
    """Estimated cost of simulating ``organisation_months`` in ``runs`` runs."""

    runs: int
    organisation_months: int

    @property
    def core_seconds(self) -> float:
        """Time on one core."""
        return self.organisation_months * SECONDS_PER_ORGANISATION_MONTH

    @property
    def bytes_in_memory(self) -> int:
        """Memory to hold every table at once (as ``simulate`` does)."""
        return self.organisation_months * BYTES_PER_ORGANISATION_MONTH


def describe_time(seconds: float) -> str:
    """E.g. ``3.2 hours``."""
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:,.0f} seconds"


def check_run(organisations: int, months: int, replications: int, force: bool = False) -> Budget:
    """Refuse a run whose tables would not fit in half the memory or take over a week."""
    budget = Budget(replications, organisations * months * replications)
    limit = physical_memory() // 2
    what = f"{replications:,} replications x {organisations:,} organisations x {months} months"
    if not force and budget.bytes_in_memory > limit:
        raise TooLargeError(
            f"{what} would hold about {budget.bytes_in_memory / 2**30:,.1f} GiB of tables in "
            f"memory, more than half of this machine's ({limit / 2**30:,.1f} GiB allowed); "
            "run fewer replications or organisations, sweep them as an experiment, or force it"
        )
    if not force and budget.core_seconds > MAX_CORE_SECONDS:
        raise TooLargeError(
            f"{what} would take about {describe_time(budget.core_seconds)} of one core, more "
            f"than the {describe_time(MAX_CORE_SECONDS)} allowed; run less, or force it"
        )
    return budget


def check_plan(
    where: str, points: int, replications: int, organisation_months: int, force: bool = False
) -> Budget:
    """Refuse a plan of more than :data:`MAX_RUNS` runs or a week of one core's work."""
    runs = points * replications
    budget = Budget(runs, runs * organisation_months)
    what = f"{points:,} design points x {replications:,} replications = {runs:,} runs"
    if not force and runs > MAX_RUNS:
        raise TooLargeError(
            f"{where}: {what}, more than the {MAX_RUNS:,} allowed; use fewer samples, "
            "values or replications, or force it"
        )
    if not force and budget.core_seconds > MAX_CORE_SECONDS:
        raise TooLargeError(
            f"{where}: {what} would take about {describe_time(budget.core_seconds)} of one "
            f"core, more than the {describe_time(MAX_CORE_SECONDS)} allowed; plan less, "
            "or force it"
        )
    return budget
