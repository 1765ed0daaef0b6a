"""The Mesa model: a population of organisations stepped month by month."""

from __future__ import annotations

import math
import random
from typing import Any

import mesa
import numpy as np
import pandas as pd

from genaisim.agents import Deployment, Organisation, Stage
from genaisim.observe import INTEGER_COLUMNS, TIMESERIES_COLUMNS, TIMESERIES_TYPES, monthly_row
from genaisim.scenario import Scenario
from genaisim.timeline import adopt, changes_at, seed_portfolio, with_values

__all__ = [
    "DEPLOYMENT_COLUMNS",
    "INTEGER_COLUMNS",
    "TIMESERIES_COLUMNS",
    "TIMESERIES_TYPES",
    "GenAISimModel",
]

#: Columns of the deployment table, one row per deployment ever started.
DEPLOYMENT_COLUMNS: tuple[str, ...] = (
    "organisation",
    "deployment",
    "use_case",
    "business_line",
    "business_unit",
    "owner_kind",
    "owner_role",
    "owner_resourced",
    "kpis_defined",
    "sourcing",
    "stage",
    "retire_reason",
    "month_started",
    "month_promoted",
    "month_retired",
    "months_to_production",
    "months_in_production",
    "stage_history",
    "demo_quality",
    "quality_at_go_live",
    "final_quality",
    "final_adoption",
    "prompt_gain",
    "retrieval_tuning",
    "finetune_gain",
    "workarounds",
    "data_fix_requests",
    "incidents",
    "flags_raised",
    "flags_acted",
    "net_value",
    "team_time_cost",
)


class GenAISimModel(mesa.Model):
    """Organisations deploying GenAI, one step per month.

    Constructs with defaults alone: ``GenAISimModel(rng=42).run()``.

    Args:
        scenario: validated parameters; the default scenario when omitted.
        rng: seed (or numpy Generator) for every random draw in the model.

    """

    def __init__(self, scenario: Scenario | None = None, *, rng: Any = None) -> None:
        super().__init__(rng=rng)
        # Mesa 3.5 reserves ``self.scenario`` for its own Scenario class.
        self.params = scenario if scenario is not None else Scenario()
        self.month = 0
        self.horizon = self.params.simulation.years * 12
        # One draw from the model's rng seeds a tree of independent streams, one per
        # organisation: organisation i's parameters and path depend on the seed and i
        # only, not on how many other organisations share the model.
        root = np.random.SeedSequence(int(self.rng.integers(2**63)))
        streams = root.spawn(self.params.population.organisations)
        population = draw_organisations(self.params, [s.spawn(1)[0] for s in streams])
        for index, (params, stream) in enumerate(zip(population, streams, strict=True)):
            seed = int.from_bytes(stream.generate_state(4).tobytes(), "little")
            Organisation(self, index, params, random.Random(seed))
        self.organisations: list[Organisation] = list(self.agents_by_type[Organisation])
        for org in self.organisations:
            seed_portfolio(org, self.params.current_portfolio)
        #: per organisation, each ramp's starting values; parameter sets shared by value
        self._ramp_starts: list[dict] = [{} for _ in self.organisations]
        self._changed_params: dict = {}
        self._table = np.empty(
            (self.horizon * len(self.organisations), len(TIMESERIES_COLUMNS)), dtype=np.float64
        )

    def step(self) -> None:
        """One month: every organisation plans, operates, reviews, acts and learns; then record.

        Organisations never interact, so each runs its whole month in turn (see
        :meth:`Organisation.step` for the order of phases within it). Interventions due
        this month apply first (see :mod:`genaisim.timeline`).
        """
        if self.params.interventions:
            self.apply_interventions()
        self.agents_by_type[Organisation].do("step")
        self.record()
        self.month += 1
        if self.month >= self.horizon:
            self.running = False

    def apply_interventions(self) -> None:
        """Give each organisation the lever values the interventions set for this month."""
        interventions = self.params.interventions
        for org, starts in zip(self.organisations, self._ramp_starts, strict=True):
            changes = changes_at(interventions, self.month, org.params, starts)
            if changes:
                adopt(org, with_values(org.params, changes, self._changed_params))

    def run(self) -> GenAISimModel:
        """Step until the horizon; returns the model for chaining."""
        while self.running:
            self.step()
        return self

    # -- recording ---------------------------------------------------------------
    def record(self) -> None:
        """Write this month's row for every organisation (a tidy, long table).

        Rows go into a preallocated float array rather than lists of Python objects:
        the recorded history then takes no part in the heap the agents live in, which
        keeps large populations as fast per organisation as small ones.
        """
        table = self._table
        row = self.month * len(self.organisations)
        for org in self.organisations:
            table[row] = monthly_row(org)
            row += 1

    def timeseries(self) -> pd.DataFrame:
        """The monthly table recorded so far, one row per organisation per month."""
        rows = self.month * len(self.organisations)
        frame = pd.DataFrame(self._table[:rows], columns=list(TIMESERIES_COLUMNS))
        for name in INTEGER_COLUMNS:
            frame[name] = frame[name].astype(np.int64)
        return frame

    def series(self) -> dict[str, np.ndarray]:
        """Each monthly column as an array of shape (organisations, months recorded)."""
        n = len(self.organisations)
        cube = self._table[: self.month * n].reshape(self.month, n, len(TIMESERIES_COLUMNS))
        return {name: cube[:, :, i].T for i, name in enumerate(TIMESERIES_COLUMNS)}

    def median_months_to_production(self) -> np.ndarray:
        """Per organisation, the median months from pilot start to go-live (NaN if none)."""
        medians = []
        for org in self.organisations:
            months = [
                d.month_promoted - d.month_started
                for d in (*org.retired, *org.production)
                if d.month_promoted is not None and not d.from_portfolio
            ]
            medians.append(float(np.median(months)) if months else math.nan)
        return np.array(medians)

    def organisation_rows(self) -> dict[str, list[Any]]:
        """One row per organisation: its levers as drawn at the start."""
        population = self.params.population
        keys = list(
            dict.fromkeys([*ORGANISATION_LEVERS, *population.spread, *population.log_spread])
        )
        rows: dict[str, list[Any]] = {"organisation": [], **{key: [] for key in keys}}
        for org in self.organisations:
            rows["organisation"].append(org.index)
            for key in keys:
                rows[key].append(org.initial_params.get(key))
        return rows

    def deployment_rows(self) -> dict[str, list[Any]]:
        """One row per deployment ever started, in every organisation."""
        rows: dict[str, list[Any]] = {name: [] for name in DEPLOYMENT_COLUMNS}
        for org in self.organisations:
            everything = sorted(
                org.retired + org.production + org.pilots, key=lambda d: d.unique_id
            )
            for number, d in enumerate(everything):
                promoted = d.month_promoted
                values = {
                    "organisation": org.index,
                    "deployment": number,
                    "use_case": d.use_case.name,
                    "business_line": d.business_line,
                    "business_unit": d.use_case.business_unit,
                    "owner_kind": d.owner.kind.value,
                    "owner_role": d.owner.role,
                    "owner_resourced": d.owner.resourced,
                    "kpis_defined": d.kpis_defined,
                    "sourcing": "bought" if d.bought else "built",
                    "stage": d.stage.value,
                    "retire_reason": d.retire_reason.value if d.retire_reason else None,
                    "month_started": d.month_started,
                    "month_promoted": promoted,
                    "month_retired": d.month_retired,
                    # Unknown for a system that was live before the run began.
                    "months_to_production": (
                        promoted - d.month_started
                        if promoted is not None and not d.from_portfolio
                        else None
                    ),
                    "months_in_production": d.months_in_production,
                    "stage_history": stage_history(d),
                    "demo_quality": d.demo_quality,
                    "quality_at_go_live": d.quality_at_go_live,
                    "final_quality": d.quality,
                    "final_adoption": d.adoption,
                    "prompt_gain": d.prompt_gain,
                    "retrieval_tuning": d.retrieval_tuning,
                    "finetune_gain": d.finetune_gain,
                    "workarounds": d.workarounds,
                    "data_fix_requests": d.data_fix_requests,
                    "incidents": d.incidents,
                    "flags_raised": d.flags_raised,
                    "flags_acted": d.flags_acted,
                    "net_value": d.net_value,
                    "team_time_cost": d.team_time_cost,
                }
                for name in DEPLOYMENT_COLUMNS:
                    rows[name].append(values[name])
        return rows


#: Parameters recorded for every organisation (plus any drawn with ``population.spread``),
#: so that analyses can relate outcomes to each organisation's own levers.
ORGANISATION_LEVERS: tuple[str, ...] = (
    "organisation.start_month",
    "organisation.data_quality",
    "organisation.model_capability",
    "organisation.delivery_capacity",
    "portfolio.pilot_appetite",
    "portfolio.max_open_pilots",
    "portfolio.selection_skill",
    "portfolio.triage",
    "sourcing.buy_share",
    "data.data_investment",
    "data.workaround_tendency",
    "ownership.owner_probability",
    "ownership.owner_resourced_probability",
    "measurement.kpi_probability",
    "feedback.tooling",
    "feedback.process",
    "feedback.culture",
)


def stage_history(d: Deployment) -> str:
    """A deployment's path as text, e.g. ``"pilot@6 production@13 retired:cut@40"``."""
    parts = [f"{Stage.PILOT.value}@{d.month_started}"]
    if d.month_promoted is not None:
        parts.append(f"{Stage.PRODUCTION.value}@{d.month_promoted}")
    if d.month_retired is not None:
        reason = d.retire_reason.value if d.retire_reason else ""
        parts.append(f"{Stage.RETIRED.value}:{reason}@{d.month_retired}")
    return " ".join(parts)


def draw_organisations(scenario: Scenario, seeds: list[np.random.SeedSequence]) -> list[Scenario]:
    """The parameters of each organisation in the population, one seed each.

    Without ``population.spread`` or ``population.log_spread`` every organisation shares
    the scenario's values. With ``spread``, each listed parameter is drawn from a normal
    distribution around the scenario's value with the given standard deviation; with
    ``log_spread``, the scenario's value is multiplied by a log-normal factor of median
    1; either is clipped to the parameter's range.
    """
    spread = scenario.population.spread
    log_spread = scenario.population.log_spread
    if not spread and not log_spread:
        return [scenario] * len(seeds)
    info = {p.key: p for p in scenario.parameters()}
    population = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        changes: dict[str, Any] = {}
        for key, sd in spread.items():
            p = info[key]
            value = float(np.clip(rng.normal(p.value, sd), p.low, p.high))
            changes[key] = round(value) if p.kind is int else value
        for key, sd in log_spread.items():
            p = info[key]
            value = float(np.clip(p.value * np.exp(rng.normal(0.0, sd)), p.low, p.high))
            changes[key] = round(value) if p.kind is int else value
        population.append(scenario.with_changes(changes))
    return population
