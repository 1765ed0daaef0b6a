"""Results you can trust under faults and hostile input.

Hostile files, two writers, kills, torn saves, damaged parts and full disks: each gets
either a correct result or one readable line, never a traceback, a silent overwrite,
a leaked file or a process left behind. The slow tests start real processes.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import genaisim
from genaisim import app_support
from genaisim.cli import main
from genaisim.errors import GenaisimError, ScenarioError
from genaisim.experiments import ExperimentError, experiment_from_dict, plan

SECRET = '[organisation]\nsecret_token = "hunter2-do-not-show"\n'


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(err: str) -> None:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("genaisim: error: "), err


def tiny(**overrides: Any) -> dict[str, Any]:
    """A tiny factorial experiment: 2 points x 2 replications of 1 year."""
    data: dict[str, Any] = {
        "name": "tiny",
        "replications": 2,
        "years": 1,
        "seed": 5,
        "design": {"kind": "factorial", "parameters": {"ownership.owner_probability": [0.2, 0.8]}},
    }
    data.update(overrides)
    return data


def write_experiment(path: Path, **overrides: Any) -> Path:
    import tomli_w

    data = tiny(**overrides)
    design = data.pop("design")
    path.write_text(tomli_w.dumps({"experiment": data, "design": design}), encoding="utf-8")
    return path


# -- 1. no file disclosure ---------------------------------------------------------
@pytest.fixture
def secret(tmp_path: Path) -> Path:
    folder = tmp_path / "server"
    folder.mkdir()
    path = folder / "secret.toml"
    path.write_text(SECRET, encoding="utf-8")
    return path


def test_an_upload_cannot_start_from_a_file_on_the_server(secret: Path):
    upload = f'base = "{secret}"\n'.encode()
    with pytest.raises(ScenarioError) as shown:
        app_support.validate_upload(upload, "mine.toml")
    message = str(shown.value)
    assert "secret_token" not in message and "hunter2" not in message
    assert message.startswith("mine.toml: base = ")


def test_an_uploads_message_is_the_same_whether_a_server_path_exists_or_not(secret: Path):
    messages = []
    for path in (secret, secret.with_name("missing.toml")):
        with pytest.raises(ScenarioError) as shown:
            app_support.validate_upload(f'base = "{path}"\n'.encode(), "mine.toml")
        messages.append(str(shown.value).replace(str(path), "PATH"))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("base", ["../server/secret", "secret", "./../server/secret.toml"])
def test_an_upload_may_not_reach_files_by_relative_path_or_name(secret: Path, base: str):
    with pytest.raises(ScenarioError) as shown:
        app_support.validate_upload(f'base = "{base}"\n'.encode(), "mine.toml")
    assert "hunter2" not in str(shown.value) and "secret_token" not in str(shown.value)


def test_an_upload_may_still_start_from_a_named_scenario():
    scenario = app_support.validate_upload(b'base = "compounder"\n', "mine.toml")
    compounder = genaisim.load_scenario("compounder")
    assert scenario.ownership == compounder.ownership and scenario.data == compounder.data


@pytest.mark.parametrize("how", ["absolute", "parent", "symlink"])
def test_a_scenario_file_may_not_start_from_a_file_outside_its_folder(
    secret: Path, tmp_path: Path, capsys, how: str
):
    mine = tmp_path / "mine"
    mine.mkdir()
    if how == "absolute":
        base = str(secret)
    elif how == "parent":
        base = "../server/secret.toml"
    else:
        (mine / "linked.toml").symlink_to(secret)
        base = "linked.toml"
    scenario = mine / "org.toml"
    scenario.write_text(f'base = "{base}"\n', encoding="utf-8")
    status, _, err = run_cli(capsys, "describe", str(scenario))
    assert status == 2
    assert_one_line_error(err)
    assert "hunter2" not in err and "secret_token" not in err


def test_a_scenario_file_may_start_from_a_file_beside_it_by_name_or_path(tmp_path: Path):
    (tmp_path / "common.toml").write_text(
        'base = "baseline"\n[ownership]\nowner_probability = 0.77\n', encoding="utf-8"
    )
    for base in ("common", "common.toml", "./common.toml"):
        path = tmp_path / "org.toml"
        path.write_text(f'base = "{base}"\n[feedback]\nculture = 0.6\n', encoding="utf-8")
        scenario = genaisim.load_scenario(path)
        assert scenario.ownership.owner_probability == 0.77
        assert scenario.feedback.culture == 0.6


# -- 5. one line for every kind of bad input ------------------------------------------
BAD_BYTES = {
    "latin-1": "[organisation]\ndata_quality = 0.5 # caf\xe9\n".encode("latin-1"),
    "binary": bytes(range(256)) * 4,
    "utf-16": "[organisation]\ndata_quality = 0.5\n".encode("utf-16"),
}


@pytest.mark.parametrize("kind", list(BAD_BYTES))
@pytest.mark.parametrize("command", ["run", "sweep", "plan"])
def test_a_file_that_is_not_utf8_text_gets_one_line(tmp_path, capsys, kind, command):
    path = tmp_path / "input.toml"
    path.write_bytes(BAD_BYTES[kind])
    status, _, err = run_cli(capsys, command, str(path))
    assert status == 2
    assert_one_line_error(err)
    assert str(path) in err


@pytest.mark.parametrize("command", ["run", "sweep", "plan"])
def test_a_folder_given_as_a_file_gets_one_line(tmp_path, capsys, command):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    status, _, err = run_cli(capsys, command, str(folder))
    assert status == 2
    assert_one_line_error(err)


def test_an_experiment_header_that_is_not_a_table_gets_one_line(tmp_path, capsys):
    path = tmp_path / "e.toml"
    path.write_text("experiment = 5\n", encoding="utf-8")
    status, _, err = run_cli(capsys, "plan", str(path))
    assert status == 2
    assert_one_line_error(err)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize(
    "where",
    ["changes", "factorial", "sobol"],
)
def test_nan_and_infinity_anywhere_in_an_experiment_are_refused(where, value):
    spread = {"population.spread": {"organisation.data_quality": value}}
    if where == "changes":
        data = tiny(changes=spread)
    elif where == "factorial":
        data = tiny(
            design={"kind": "factorial", "parameters": {"population.spread": [spread.popitem()[1]]}}
        )
    else:
        data = tiny(
            design={
                "kind": "sobol",
                "samples": 4,
                "parameters": {"organisation.data_quality": [value, 1.0]},
            }
        )
    with pytest.raises(GenaisimError, match="must be|finite"):
        plan(experiment_from_dict(data))


def test_an_infinite_spread_is_refused_by_the_scenario():
    with pytest.raises(ScenarioError, match="spread"):
        genaisim.load_scenario("baseline").with_changes(
            {"population.spread.organisation.data_quality": math.inf}
        )


@pytest.mark.parametrize("name", ["../../../x", "/tmp/abs", "a/b", ".hidden", ""])
def test_an_experiment_name_that_is_a_path_is_refused(name):
    with pytest.raises(ExperimentError, match="plain name"):
        experiment_from_dict(tiny(name=name))


@pytest.mark.parametrize("key", ["simulation.seed", "simulation.replications"])
def test_seed_or_replications_as_a_design_factor_is_refused(key):
    with pytest.raises(ExperimentError, match=key):
        experiment_from_dict(tiny(design={"kind": "factorial", "parameters": {key: [1, 2]}}))
    with pytest.raises(ExperimentError, match=key):
        experiment_from_dict(tiny(changes={key: 3}))
