"""Fuzzing scenario and experiment files: every file gives a result or one readable error.

Hypothesis writes files from the real keys and from junk, with values of every TOML
type (NaN and infinity too), hostile ``base`` paths, and bytes cut short, mis-encoded
or binary; each is loaded in-process, as the command line would. The only exception
allowed out is a :class:`GenaisimError`, and no message shows a file the user did not
give.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genaisim.errors import GenaisimError
from genaisim.experiments import load_experiment, plan
from genaisim.experiments.design import count_points
from genaisim.model import GenAISimModel
from genaisim.scenario import SECTIONS, load_scenario, parameter_keys

EXAMPLES = settings(
    max_examples=500,
    deadline=None,
    derandomize=True,  # the same examples in every run: CI does not flake
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SECRET = "hunter2-do-not-show"

scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-2, max_value=25),
    st.text(max_size=12),
    st.booleans(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
keys = st.sampled_from(parameter_keys())
names = st.one_of(keys, keys, keys, st.text(max_size=20))
#: Mostly values a parameter accepts, so that valid files are common too.
plausible = st.one_of(
    st.floats(0, 1), st.floats(0, 1), st.integers(1, 5), st.integers(1, 5), values
)
usually = st.sampled_from([True, True, True, True, False])
rarely = st.sampled_from([False, False, False, False, True])
bases = st.sampled_from(
    ["baseline", "compounder", "../secret.toml", "SECRET", "mine", "nope", "", "a/../../b.toml"]
)


def hostile(base: str, folder: Path) -> str:
    return str(folder.parent / "secret.toml") if base == "SECRET" else base


@st.composite
def scenario_data(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in draw(st.lists(names, max_size=6)):
        section, _, name = key.partition(".")
        if name and draw(usually):
            data.setdefault(section, {})
            if isinstance(data[section], dict):
                data[section][name] = draw(plausible)
        else:
            data[key] = draw(values)
    if draw(st.booleans()):
        data.setdefault("population", {})
        if isinstance(data["population"], dict):
            data["population"]["spread"] = draw(st.dictionaries(names, values, max_size=3))
    if draw(st.booleans()):
        data["base"] = draw(st.one_of(st.just("baseline"), bases, values))
    if draw(rarely):
        data[draw(st.sampled_from(list(SECTIONS)))] = draw(values)
    return data


@st.composite
def experiment_data(draw: st.DrawFn) -> dict[str, Any]:
    head: dict[str, Any] = {}
    optional = {
        "name": st.one_of(st.from_regex(r"[a-z]{1,8}", fullmatch=True), st.text(max_size=12)),
        "scenario": st.one_of(st.just("baseline"), bases, values),
        "replications": st.one_of(st.integers(-1, 4), values),
        "years": st.one_of(st.integers(0, 2), values),
        "seed": st.one_of(st.integers(-1, 2**33), values),
        "changes": st.dictionaries(names, plausible, max_size=3),
        "timeseries": st.one_of(st.lists(st.sampled_from(["net_value", "x"]), max_size=2), values),
        "deployments": st.one_of(st.booleans(), values),
        "junk": values,
    }
    for key in draw(st.lists(st.sampled_from(list(optional)), max_size=6, unique=True)):
        head[key] = draw(optional[key])
    design: dict[str, Any] = {
        "kind": draw(
            st.one_of(st.sampled_from(["factorial", "points", "lhs", "morris", "sobol"]), values)
        )
    }
    if draw(st.booleans()):
        design["parameters"] = draw(
            st.dictionaries(
                st.sampled_from(["feedback.culture", "data.data_investment"]) | names,
                st.one_of(st.lists(st.floats(0, 1), min_size=1, max_size=3), values),
                max_size=3,
            )
        )
    if draw(st.booleans()):
        design["factors"] = draw(
            st.dictionaries(
                st.text(max_size=5),
                st.dictionaries(st.text(max_size=5), st.dictionaries(names, plausible, max_size=2)),
                max_size=2,
            )
        )
    if draw(st.booleans()):
        design["points"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"name": st.text(max_size=5), "changes": st.dictionaries(names, plausible)}
                ),
                max_size=3,
            )
        )
    for key, strategy in {
        "samples": st.one_of(st.integers(-1, 16), values),
        "levels": st.one_of(st.integers(0, 6), values),
        "groups": st.dictionaries(names, st.text(max_size=4), max_size=2),
        "second_order": st.one_of(st.booleans(), values),
    }.items():
        if draw(st.booleans()):
            design[key] = draw(strategy)
    top = {"experiment": head, "design": design}
    if draw(rarely):
        top["experiment"] = draw(values)
    return top


@st.composite
def file_bytes(draw: st.DrawFn, data: st.SearchStrategy[dict[str, Any]]) -> bytes:
    """TOML text of ``data``, sometimes cut short, mis-encoded, binary or with a stray byte."""
    try:
        text = tomli_w.dumps(draw(data))
    except (TypeError, ValueError):
        text = draw(st.text(max_size=200))
    how = draw(st.sampled_from(["as is"] * 6 + ["cut", "latin-1", "utf-16", "byte", "binary"]))
    raw = text.encode("utf-8", "surrogatepass")
    if how == "cut":
        return raw[: draw(st.integers(0, len(raw)))]
    if how == "latin-1":
        return text.encode("latin-1", "replace") + b"\xe9"
    if how == "utf-16":
        return text.encode("utf-16", "surrogatepass")
    if how == "byte":
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at:]
    if how == "binary":
        return draw(st.binary(max_size=200))
    return raw


def check(load, raw: bytes, name: str) -> Any:
    with tempfile.TemporaryDirectory() as root:
        folder = Path(root) / "mine"
        folder.mkdir()
        (Path(root) / "secret.toml").write_text(
            f'[organisation]\nsecret = "{SECRET}"\n', encoding="utf-8"
        )
        path = folder / name
        path.write_bytes(raw.replace(b"SECRET", str(Path(root) / "secret.toml").encode()))
        try:
            return load(path)
        except GenaisimError as exc:
            message = str(exc)
            assert message.strip()
            assert SECRET not in message
            return None


@EXAMPLES
@given(file_bytes(scenario_data()))
def test_every_scenario_file_loads_or_gets_a_readable_error(raw: bytes):
    check(load_scenario, raw, "org.toml")


def _load_and_plan(path: Path) -> Any:
    experiment = load_experiment(path)
    if count_points(experiment) * experiment.replications <= 200:
        return plan(experiment)
    return experiment


@EXAMPLES
@given(file_bytes(experiment_data()))
def test_every_experiment_file_plans_or_gets_a_readable_error(raw: bytes):
    check(_load_and_plan, raw, "e.toml")


# -- interventions and current portfolios ----------------------------------------------
mid_run_keys = st.sampled_from(
    ["data.data_investment", "portfolio.max_open_pilots", "organisation.data_quality"]
)
#: Changes an intervention accepts, so that valid plans are common too.
good_changes = st.dictionaries(
    st.sampled_from(["data.data_investment", "feedback.tooling", "ownership.owner_probability"]),
    st.floats(0, 1),
    min_size=1,
    max_size=3,
)
months = st.one_of(st.integers(0, 59), st.integers(0, 59), st.integers(-2, 70), values)
use_cases = st.sampled_from(["policy_qa", "invoice_processing", "code_assistant"])


@st.composite
def roadmap_data(draw: st.DrawFn) -> dict[str, Any]:
    """A scenario with interventions and a portfolio, mostly plausible, sometimes junk."""
    data: dict[str, Any] = {"base": "baseline", "organisation": {"start_month": 0}}
    interventions = []
    for _ in range(draw(st.integers(0, 3))):
        entry = {
            "month": draw(months),
            "set": draw(
                st.one_of(
                    good_changes,
                    good_changes,
                    st.dictionaries(mid_run_keys | names, plausible, max_size=3),
                    values,
                )
            ),
        }
        if draw(st.booleans()):
            entry["ramp_months"] = draw(st.one_of(st.integers(0, 12), st.integers(-1, 130), values))
        if draw(rarely):
            entry[draw(st.text(max_size=6))] = draw(values)
        interventions.append(entry)
    data["interventions"] = interventions if draw(usually) else draw(values)
    if draw(st.booleans()):
        data["current_portfolio"] = [
            {
                "use_case": draw(st.one_of(use_cases, use_cases, st.sampled_from(["mine", ""]))),
                "stage": draw(st.sampled_from(["pilot", "pilot", "production", "live"])),
                "months_in_stage": draw(
                    st.one_of(st.integers(0, 30), st.integers(-1, 300), values)
                ),
                **({"volume": draw(plausible)} if draw(st.booleans()) else {}),
                **(
                    {"quality": draw(st.one_of(st.floats(0, 1), plausible))}
                    if draw(st.booleans())
                    else {}
                ),
            }
            for _ in range(draw(st.integers(0, 3)))
        ]
    return data


@EXAMPLES
@given(file_bytes(roadmap_data()))
def test_every_roadmap_loads_or_gets_a_readable_error(raw: bytes):
    scenario = check(load_scenario, raw, "plan.toml")
    if scenario is not None and (scenario.interventions or scenario.current_portfolio):
        # A valid plan runs: the model takes what validation let through.
        GenAISimModel(scenario, rng=1).run()


csv_cells = st.one_of(
    st.sampled_from(["policy_qa", "pilot", "production", "3", "-1", "yes", "maybe", "0.5", ""]),
    st.text(max_size=8),
)


@st.composite
def portfolio_bytes(draw: st.DrawFn) -> bytes:
    """A portfolio CSV: real and junk columns and cells, quotes, bad encodings."""
    columns = ["use_case", "stage", "months_in_stage", "quality", "volume"]
    if draw(usually):
        header = ["use_case", "stage", "months_in_stage"]
        good = st.tuples(
            use_cases, st.sampled_from(["pilot", "production"]), st.integers(0, 30).map(str)
        ).map(list)
        rows = draw(
            st.lists(st.one_of(good, good, good, st.lists(csv_cells, max_size=4)), max_size=4)
        )
    else:
        header = draw(st.lists(st.sampled_from(columns) | st.text(max_size=6), max_size=5))
        rows = draw(st.lists(st.lists(csv_cells, max_size=6), max_size=4))
    text = "\n".join(",".join(cells) for cells in [header, *rows])
    how = draw(st.sampled_from(["as is"] * 6 + ["latin-1", "binary", "quote"]))
    if how == "latin-1":
        return text.encode("latin-1", "replace") + b"\xe9"
    if how == "binary":
        return draw(st.binary(max_size=100))
    if how == "quote":
        text = text.replace(",", ',"', 1)
    return text.encode("utf-8", "surrogatepass")


@EXAMPLES
@given(portfolio_bytes())
def test_every_portfolio_file_loads_or_gets_a_readable_error(raw: bytes):
    from genaisim.roadmap import read_portfolio_csv

    check(read_portfolio_csv, raw, "portfolio.csv")
