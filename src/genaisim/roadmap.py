"""Starting from where an organisation is, and changing levers over time.

Two parts of a scenario live here:

- **interventions**: timed changes to levers that can change mid-run (a policy
  timeline), each applied at the start of its month, at once or over ``ramp_months``;
- **current_portfolio**: the use cases an organisation runs today (pilots and live
  systems), from which the simulation starts instead of an empty portfolio. It is
  usually read from a CSV file (:func:`read_portfolio_csv`); ``scenarios/
  portfolio_template.csv`` is a template.

In a scenario file::

    [[interventions]]
    month = 9
    set = { "ownership.owner_probability" = 0.9, "portfolio.max_open_pilots" = 4 }
    label = "Name owners, cap pilots"

    [[current_portfolio]]
    use_case = "invoice_processing"
    stage = "production"
    months_in_stage = 8

What each change does to the organisations is in docs/ODD.md ("Interventions and
the starting portfolio").
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from genaisim.errors import ScenarioError
from genaisim.files import decode_text, read_text_file
from genaisim.usecases import BY_NAME, UseCase

#: Levers that can change mid-run: policies a management team can change from one month
#: to the next. Everything else is either the organisation's starting state (which the
#: model then moves itself, e.g. data quality), a fact about the world (costs, how
#: people respond), or fixed for the run by the way the model is built (e.g. reviewers
#: per system, the budget review's interval).
MID_RUN_KEYS: tuple[str, ...] = (
    "organisation.delivery_capacity",
    "portfolio.pilot_appetite",
    "portfolio.max_open_pilots",
    "portfolio.selection_skill",
    "portfolio.triage",
    "portfolio.pilot_patience",
    "sourcing.buy_share",
    "data.data_investment",
    "data.data_fix_capacity",
    "data.workaround_tendency",
    "ownership.owner_probability",
    "ownership.owner_resourced_probability",
    "measurement.kpi_probability",
    "feedback.tooling",
    "feedback.process",
    "feedback.culture",
)

#: Most rows a current portfolio may have (a large enterprise's whole GenAI estate).
MAX_PORTFOLIO_ROWS = 500
#: Largest portfolio file read, in bytes.
MAX_PORTFOLIO_BYTES = 2**20
#: Longest ramp, in months.
MAX_RAMP_MONTHS = 120


class Intervention(BaseModel):
    """Changes to levers from a given month, at once or moved linearly over ``ramp_months``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    month: int = Field(
        ge=0, description="Month (0 = the run's first) at whose start the change applies."
    )
    set: dict[str, int | float] = Field(
        description="New values by dotted key; only levers that can change mid-run."
    )
    ramp_months: int = Field(
        0,
        ge=0,
        le=MAX_RAMP_MONTHS,
        description=(
            "0: the new values hold from `month`. n > 0: each lever moves linearly from its "
            "value then to the new one, reaching it at month + n - 1."
        ),
    )
    label: str = Field("", max_length=120, description="What the change is, for charts.")

    @field_validator("set", mode="before")
    @classmethod
    def _numbers_only(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if isinstance(item, bool) or not isinstance(item, int | float):
                    raise ValueError(f"{key} = {item!r} must be a number")
                if not math.isfinite(item):
                    raise ValueError(f"{key} = {item!r} must be a finite number")
        return value

    def title(self) -> str:
        """The label, or a description of the change when there is none."""
        return self.label or ", ".join(f"{k} = {v:g}" for k, v in self.set.items())

    def share_done(self, month: int) -> float:
        """How far this change has gone at the start of ``month`` (0 before it starts)."""
        if month < self.month:
            return 0.0
        if self.ramp_months <= 0:
            return 1.0
        return min(1.0, (month - self.month + 1) / self.ramp_months)

    def active(self, month: int) -> bool:
        """Whether this change moves a lever at the start of ``month``."""
        return self.month <= month < self.month + max(1, self.ramp_months)


OwnerKindName = Literal["business", "technology", "none"]


class CurrentUseCase(BaseModel):
    """One use case the organisation runs today: a pilot or a live system.

    A use case from the catalogue (``genaisim describe --use-cases`` lists them) takes
    its figures from there; any figure given here replaces the catalogue's. A use case
    not in the catalogue needs at least ``volume``, ``manual_minutes`` and
    ``data_dependence``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    use_case: str = Field(min_length=1, max_length=80)
    business_line: int = Field(1, ge=1, le=20, description="1 to portfolio.business_lines.")
    stage: Literal["pilot", "production"]
    months_in_stage: int = Field(0, ge=0, le=240)
    owner_kind: OwnerKindName = Field(
        "none",
        description="'business': a business-unit owner; 'technology' or 'none': the "
        "technology team stands in.",
    )
    kpis_defined: bool = False
    sourcing: Literal["built", "bought"] = "built"
    quality: float | None = Field(None, ge=0.0, le=1.0, description="Output quality today.")
    adoption: float | None = Field(
        None, ge=0.0, le=1.0, description="Share of the workflow's tasks using the system."
    )
    # A custom use case, or the organisation's own figures for a catalogue one.
    business_unit: str | None = Field(None, max_length=80)
    volume: float | None = Field(None, ge=0.0, le=1e8)
    manual_minutes: float | None = Field(None, gt=0.0, le=10_000.0)
    ai_minutes: float | None = Field(None, ge=0.0, le=10_000.0)
    review_minutes: float | None = Field(None, ge=0.0, le=10_000.0)
    manual_error_rate: float | None = Field(None, ge=0.0, le=1.0)
    error_cost: float | None = Field(None, ge=0.0, le=1e7)
    data_dependence: float | None = Field(None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _custom_needs_figures(self) -> CurrentUseCase:
        if self.use_case not in BY_NAME:
            missing = [
                name
                for name in ("volume", "manual_minutes", "data_dependence")
                if getattr(self, name) is None
            ]
            if missing:
                close = difflib.get_close_matches(self.use_case, list(BY_NAME), n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}? Otherwise " if close else ""
                raise ValueError(
                    f"use case {self.use_case!r} is not in the catalogue; {hint}a custom use "
                    f"case needs {', '.join(missing)}"
                )
        return self

    def to_use_case(self) -> UseCase:
        """The use case this row describes: the catalogue's, with the figures given here."""
        base = BY_NAME.get(self.use_case)
        if base is None:
            manual = float(self.manual_minutes or 0.0)
            unit = self.business_unit or "custom"
            base = UseCase(
                name=self.use_case,
                business_unit=unit,
                owner_role=f"head of {unit}",
                volume=0.0,
                manual_minutes=manual,
                # Defaults for what a custom row leaves out: the catalogue's typical ratios.
                ai_minutes=manual / 8.0,
                review_minutes=manual / 3.0,
                manual_error_rate=0.04,
                error_cost=100.0,
                data_dependence=0.5,
            )
        given = {
            name: getattr(self, name)
            for name in (
                "business_unit",
                "volume",
                "manual_minutes",
                "ai_minutes",
                "review_minutes",
                "manual_error_rate",
                "error_cost",
                "data_dependence",
            )
            if getattr(self, name) is not None
        }
        return dataclasses.replace(base, **given)


# -- checks that need the whole scenario ---------------------------------------------
def check_interventions(
    interventions: tuple[Intervention, ...],
    horizon: int,
    describe: Any,
    keys: list[str],
    kinds: dict[str, type],
    bounds: dict[str, tuple[float | None, float | None]],
) -> None:
    """Raise ValueError with one line for the first bad intervention.

    ``describe(key)`` says what a key allows; ``keys`` are all parameter keys;
    ``kinds`` and ``bounds`` give each key's type and range.
    """
    for i, intervention in enumerate(interventions, start=1):
        where = f"interventions[{i}] (month {intervention.month})"
        if intervention.month >= horizon:
            raise ValueError(
                f"{where}: month {intervention.month} is past the horizon; the run has "
                f"months 0 to {horizon - 1} (simulation.years = {horizon // 12})"
            )
        if not intervention.set:
            raise ValueError(f"{where}: 'set' is empty; name at least one lever to change")
        for key, value in intervention.set.items():
            if key not in MID_RUN_KEYS:
                if key in keys:
                    raise ValueError(
                        f"{where}: {key!r} cannot change mid-run (it is the starting state "
                        f"or fixed for the run); levers that can: {', '.join(MID_RUN_KEYS)}"
                    )
                close = difflib.get_close_matches(key, list(MID_RUN_KEYS), n=1, cutoff=0.5)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"{where}: unknown key {key!r}{hint}")
            low, high = bounds[key]
            whole = kinds[key] is int and float(value).is_integer()
            if (
                (kinds[key] is int and not whole)
                or (low is not None and value < low)
                or (high is not None and value > high)
            ):
                raise ValueError(f"{where}: {key} = {value!r} is out of range; {describe(key)}")


def _earlier_live(
    live: dict[tuple[str, int], int], row: CurrentUseCase, position: int
) -> int | None:
    """Where an earlier row already runs ``row``'s workflow live (one live system each).

    ``live`` maps each live workflow seen so far to its position; a live ``row`` on a
    workflow not yet in it is recorded at ``position``.
    """
    if row.stage != "production":
        return None
    workflow = (row.use_case, row.business_line)
    if workflow in live:
        return live[workflow]
    live[workflow] = position
    return None


def check_current_portfolio(
    rows: tuple[CurrentUseCase, ...], business_lines: int, start_month: int
) -> None:
    """Raise ValueError with one line for the first row that does not fit the scenario."""
    if not rows:
        return
    if len(rows) > MAX_PORTFOLIO_ROWS:
        raise ValueError(
            f"current_portfolio: {len(rows)} use cases; at most {MAX_PORTFOLIO_ROWS} are allowed"
        )
    if start_month != 0:
        raise ValueError(
            "current_portfolio: a current portfolio means the programme has started; "
            f"set organisation.start_month = 0 (it is {start_month})"
        )
    live: dict[tuple[str, int], int] = {}
    for i, row in enumerate(rows, start=1):
        if row.business_line > business_lines:
            raise ValueError(
                f"current_portfolio[{i}] ({row.use_case}): business_line = {row.business_line} "
                f"but the scenario has {business_lines} (portfolio.business_lines)"
            )
        earlier = _earlier_live(live, row, i)
        if earlier is not None:
            raise ValueError(
                f"current_portfolio[{i}] ({row.use_case}): business line "
                f"{row.business_line} already has this use case live (row {earlier}); "
                "one live system per workflow"
            )


# -- reading a portfolio CSV -----------------------------------------------------------
COLUMNS = tuple(CurrentUseCase.model_fields)
REQUIRED_COLUMNS = ("use_case", "stage")
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}
#: Words accepted for an owner kind (the model's own name for it included).
_OWNER_WORDS = {"business_unit": "business", "business unit": "business", "tech": "technology"}


def _cell(name: str, raw: str) -> Any:
    text = raw.strip()
    if name == "kpis_defined":
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"kpis_defined = {text!r} must be yes or no")
    if name in ("stage", "owner_kind", "sourcing"):
        low = text.lower()
        return _OWNER_WORDS.get(low, low) if name == "owner_kind" else low
    return text


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "...'"


def _row_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    if not loc:
        return message
    if err["type"] == "missing":
        return f"{loc} is missing"
    return f"{loc} = {_short(err.get('input'))}: {message.lower()}"


def read_portfolio_csv(source: str | Path | bytes, name: str | None = None) -> tuple:
    """The rows of a current-portfolio CSV, each validated, or one readable error.

    ``source`` is a path, or the file's bytes (an upload) with ``name`` for messages.
    Every error names the file and the line (the header is line 1).
    """
    if isinstance(source, bytes):
        where = name or "portfolio.csv"
        text = decode_text(source, where, "portfolio file", ScenarioError)
    else:
        path = Path(source)
        where = name or str(path)
        if path.suffix.lower() != ".csv":
            raise ScenarioError(f"{where}: a portfolio is a .csv file (see the template)")
        if path.exists() and not path.is_dir() and not path.is_file():
            raise ScenarioError(f"{where}: is not a regular file")
        if path.is_file() and path.stat().st_size > MAX_PORTFOLIO_BYTES:
            raise ScenarioError(
                f"{where}: {path.stat().st_size:,} bytes; a portfolio file is at most "
                f"{MAX_PORTFOLIO_BYTES // 2**20} MiB"
            )
        text = read_text_file(path, "portfolio file", ScenarioError)
    text = text.removeprefix("\ufeff")  # spreadsheets often save a byte-order mark
    if not text.strip():
        raise ScenarioError(
            f"{where}: the file is empty; it needs a header and one row per use case"
        )
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise ScenarioError(f"{where}, line 1: not valid CSV ({exc})") from None
    if len(header) == 1 and ";" in header[0]:
        raise ScenarioError(
            f"{where}, line 1: the columns are separated by semicolons; save the file as "
            "comma-separated CSV"
        )
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], COLUMNS, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ScenarioError(
            f"{where}, line 1: unknown column {unknown[0]!r}{hint} (columns: {', '.join(COLUMNS)})"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ScenarioError(f"{where}, line 1: missing column {missing[0]!r}")
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if duplicated:
        raise ScenarioError(f"{where}, line 1: column {duplicated[0]!r} appears twice")
    rows = []
    live: dict[tuple[str, int], int] = {}
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_PORTFOLIO_ROWS:
                raise ScenarioError(
                    f"{where}, line {line}: more than {MAX_PORTFOLIO_ROWS} use cases"
                )
            if len(values) > len(header):
                raise ScenarioError(
                    f"{where}, line {line}: {len(values)} cells but the header has {len(header)}"
                )
            data = {}
            try:
                for column, raw in zip(header, values, strict=False):
                    if column and raw.strip():
                        data[column] = _cell(column, raw)
                row = CurrentUseCase.model_validate(data)
            except ValueError as exc:  # ValidationError is a ValueError
                detail = _row_error(exc) if isinstance(exc, ValidationError) else str(exc)
                raise ScenarioError(f"{where}, line {line}: {detail}") from None
            earlier = _earlier_live(live, row, line)
            if earlier is not None:
                raise ScenarioError(
                    f"{where}, line {line}: {row.use_case} is already live in business "
                    f"line {row.business_line} (line {earlier}); one live system per workflow"
                )
            rows.append(row)
    except csv.Error as exc:
        raise ScenarioError(f"{where}, line {reader.line_num}: not valid CSV ({exc})") from None
    if not rows:
        raise ScenarioError(f"{where}: no use cases below the header")
    return tuple(rows)


def portfolio_to_csv(rows: tuple[CurrentUseCase, ...]) -> str:
    """A current portfolio as CSV text (the columns the rows use), for downloads."""
    used = [
        c for c in COLUMNS if c in REQUIRED_COLUMNS or any(getattr(r, c) is not None for r in rows)
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(used)
    for row in rows:
        cells = []
        for column in used:
            value = getattr(row, column)
            if isinstance(value, bool):
                value = "yes" if value else "no"
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return out.getvalue()
