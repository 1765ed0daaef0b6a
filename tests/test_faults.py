"""Results you can trust under faults and hostile input.

Hostile files, two writers, kills, torn saves, damaged parts and full disks: each gets
either a correct result or one readable line, never a traceback, a silent overwrite,
a leaked file or a process left behind. The slow tests start real processes.
"""

from __future__ import annotations

import errno
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import genaisim
from genaisim import app_support
from genaisim.cli import main
from genaisim.errors import GenaisimError, ScenarioError
from genaisim.experiments import (
    ExperimentError,
    ResultsFolder,
    execute,
    experiment_from_dict,
    load_sweep,
    plan,
)
from genaisim.files import FolderBusyError, FolderLock, lock_path

SECRET = '[organisation]\nsecret_token = "hunter2-do-not-show"\n'


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(err: str) -> None:
    """``err`` holds one line, the error, besides any progress bar."""
    assert "Traceback" not in err
    lines = [
        line
        for line in err.splitlines()
        if line.strip() and "\r" not in line and "run/s" not in line
    ]
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
    common = 'base = "baseline"\n[ownership]\nowner_probability = 0.77\n'
    (tmp_path / "common.toml").write_text(common, encoding="utf-8")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "common.toml").write_text(common, encoding="utf-8")
    for base in ("common", "common.toml", "./common.toml", "shared/common.toml"):
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


# -- 2. one writer per folder ---------------------------------------------------------
HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from genaisim.files import FolderLock

    with FolderLock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(60)
    """
)


@pytest.fixture
def held_elsewhere(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A folder whose lock another process holds; yields the folder and that process's id."""
    folder = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(folder)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    yield folder, holder.pid
    holder.kill()
    holder.wait()


def test_a_sweep_into_a_folder_another_process_writes_gets_one_line_and_exit_2(
    held_elsewhere, tmp_path, capsys
):
    folder, pid = held_elsewhere
    experiment = write_experiment(tmp_path / "e.toml")
    status, _, err = run_cli(capsys, "sweep", str(experiment), "--serial", "--out", str(folder))
    assert status == 2
    assert_one_line_error(err)
    assert f"process {pid} on host" in err
    assert not (folder / "manifest.json").exists()


def test_a_sweep_into_its_own_folder_held_elsewhere_does_not_first_say_it_continues(
    tmp_path, capsys
):
    experiment = write_experiment(tmp_path / "e.toml")
    folder = tmp_path / "out"
    assert run_cli(capsys, "sweep", str(experiment), "--serial", "--out", str(folder))[0] == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(folder)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        for extra in ([], ["--resume"]):
            status, out, err = run_cli(
                capsys, "sweep", str(experiment), "--serial", "--out", str(folder), *extra
            )
            assert status == 2
            assert_one_line_error(err)
            assert "Continuing" not in out and "Resuming" not in out
    finally:
        holder.kill()
        holder.wait()


def test_a_run_saving_into_a_folder_another_process_writes_gets_one_line_and_exit_2(
    held_elsewhere, capsys
):
    folder, pid = held_elsewhere
    status, _, err = run_cli(capsys, "run", "baseline", "-r", "1", "--out", str(folder))
    assert status == 2
    assert_one_line_error(err)
    assert f"process {pid}" in err


def test_a_lock_left_by_a_dead_process_is_taken_over_and_its_owner_reported(tmp_path):
    folder = tmp_path / "out"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    owner = {"pid": int(dead.stdout), "host": "lab-1", "started": "2026-12-01T10:00:00+00:00"}
    lock_path(folder).write_text(json.dumps(owner), encoding="utf-8")
    with FolderLock(folder) as lock:
        assert lock.previous is not None and lock.previous.pid == owner["pid"]
        with pytest.raises(FolderBusyError):
            # another process would be refused; here, a second lock on a new descriptor
            FolderLock._held.clear()
            try:
                FolderLock(folder).acquire()
            finally:
                FolderLock._held[lock.path.resolve()] = 1
    assert not lock_path(folder).exists()


TWO_WRITERS = tiny(
    name="two_writers",
    replications=150,
    years=5,
    design={"kind": "factorial", "parameters": {"ownership.owner_probability": [0.1, 0.5, 0.9]}},
)


@pytest.mark.slow
def test_two_sweeps_started_into_one_folder_run_each_run_once(tmp_path):
    experiment = write_experiment(tmp_path / "e.toml", **TWO_WRITERS)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "genaisim", "sweep", str(experiment), "--serial"]
    log = (tmp_path / "first.log").open("w")  # a file, not a pipe nobody reads while it runs
    first = subprocess.Popen([*command, "--out", str(out)], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while not lock_path(out).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run([*command, "--out", str(out)], capture_output=True, text=True)
        assert first.wait(timeout=120) == 0, (tmp_path / "first.log").read_text()
    finally:
        first.kill()
        first.wait()
        log.close()
    assert second.returncode == 2
    assert_one_line_error(second.stderr)
    results = load_sweep(out)
    the_plan = plan(experiment_from_dict(TWO_WRITERS))
    assert len(results.runs) == len(the_plan) == 450
    assert results.runs["run_id"].is_unique


# -- 3. no silent overwrite, no torn folder -------------------------------------------
def saved(path: Path, fmt: str = "parquet", seed: int = 1) -> Path:
    genaisim.simulate("baseline", replications=2, years=1, seed=seed).save(path, fmt)
    return path


def test_run_out_onto_results_refuses_without_overwrite_and_leaves_them_alone(tmp_path, capsys):
    out = saved(tmp_path / "out")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    status, _, err = run_cli(
        capsys, "run", "baseline", "-r", "1", "--years", "1", "--out", str(out)
    )
    assert status == 2
    assert_one_line_error(err)
    assert "--overwrite" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_run_out_onto_a_sweep_folder_refuses_and_keeps_its_manifest(tmp_path, capsys):
    out = tmp_path / "sweep"
    execute(plan(experiment_from_dict(tiny())), out)
    manifest = (out / "manifest.json").read_bytes()
    status, _, err = run_cli(
        capsys, "run", "baseline", "-r", "1", "--years", "1", "--out", str(out)
    )
    assert status == 2
    assert_one_line_error(err)
    assert (out / "manifest.json").read_bytes() == manifest


def test_overwrite_replaces_the_whole_folder_so_no_stale_table_is_left(tmp_path, capsys):
    out = saved(tmp_path / "out", "csv")
    status, _, _ = run_cli(
        capsys,
        "run",
        "baseline",
        "-r",
        "1",
        "--years",
        "1",
        "--seed",
        "9",
        "--out",
        str(out),
        "--overwrite",
    )
    assert status == 0
    assert sorted(p.suffix for p in out.iterdir()) == [".json"] + [".parquet"] * 4
    assert genaisim.Results.load(out).seed == 9
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".tmp-", ".out.lock"))]


def test_the_library_refuses_to_save_over_results_unless_asked(tmp_path):
    out = saved(tmp_path / "out")
    results = genaisim.simulate("baseline", replications=1, years=1, seed=3)
    with pytest.raises(GenaisimError, match="overwrite"):
        results.save(out)
    results.save(out, overwrite=True)
    assert genaisim.Results.load(out).seed == 3


def test_saved_files_follow_the_umask_not_private_to_the_owner(tmp_path):
    previous = os.umask(0o022)
    try:
        out = saved(tmp_path / "out")
        execute(plan(experiment_from_dict(tiny())), tmp_path / "sweep")
    finally:
        os.umask(previous)
    for path in [*out.iterdir(), *(tmp_path / "sweep").rglob("*.*")]:
        assert path.stat().st_mode & 0o777 == 0o644, path
    assert out.stat().st_mode & 0o777 == 0o755


KILLED_SAVE = textwrap.dedent(
    """
    import os, signal, sys
    import pandas as pd
    import genaisim

    results = genaisim.simulate("baseline", replications=2, years=1, seed=2)
    real, written = pd.DataFrame.to_parquet, []

    def to_parquet(self, *args, **kwargs):
        written.append(1)
        if len(written) == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, *args, **kwargs)

    pd.DataFrame.to_parquet = to_parquet
    results.save(sys.argv[1], overwrite=True)
    """
)


@pytest.mark.slow
def test_a_save_killed_half_way_leaves_the_old_results_whole(tmp_path):
    out = saved(tmp_path / "out", seed=1)
    old = genaisim.Results.load(out)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_SAVE, str(out)], capture_output=True, text=True
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    again = genaisim.Results.load(out)
    assert again.seed == 1
    pd.testing.assert_frame_equal(again.timeseries, old.timeseries)
    # the next save clears what the killed one left beside the folder
    genaisim.simulate("baseline", replications=1, years=1).save(out, overwrite=True)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_a_torn_folder_is_refused_with_one_line(tmp_path, capsys):
    out = saved(tmp_path / "out", seed=1)
    other = saved(tmp_path / "other", seed=2)
    shutil.copyfile(other / "timeseries.parquet", out / "timeseries.parquet")
    with pytest.raises(GenaisimError, match="timeseries.parquet does not match"):
        genaisim.Results.load(out)
    status, _, err = run_cli(
        capsys, "chart", str(out), "--kind", "trajectories", "--out", str(tmp_path / "c.svg")
    )
    assert status == 2
    assert_one_line_error(err)


def test_a_folder_with_a_missing_table_or_an_unchecked_manifest_is_refused(tmp_path):
    out = saved(tmp_path / "out")
    (out / "deployments.parquet").unlink()
    with pytest.raises(GenaisimError, match="deployments.parquet is missing"):
        genaisim.Results.load(out)
    out = saved(tmp_path / "legacy")
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["files"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(GenaisimError, match="lists no files"):
        genaisim.Results.load(out)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path | None]:
    """A 2 MB file system where one can be mounted (root on Linux), else None."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True
        )
        if shutil.which("mount") and os.geteuid() == 0
        else None
    )
    if done is None or done.returncode != 0:
        yield None
        return
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill_the_disk(small_disk: Path | None, monkeypatch, tmp_path: Path) -> Path:
    """A folder on a full disk: the small file system, or writes that fail as if full."""
    if small_disk is not None:
        (small_disk / "filler").write_bytes(b"\0" * (2 * 1024 * 1024 - 64 * 1024))
        return small_disk / "out"

    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    return tmp_path / "out"


def test_a_full_disk_during_run_out_gets_one_line_and_keeps_the_old_results(
    small_disk, monkeypatch, tmp_path, capsys
):
    out = fill_the_disk(small_disk, monkeypatch, tmp_path)
    status, _, err = run_cli(
        capsys, "run", "baseline", "-r", "20", "--years", "5", "--out", str(out)
    )
    assert status == 2
    assert_one_line_error(err)
    assert "cannot save" in err
    assert not out.exists() or not any(out.iterdir())
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".tmp-")]


def test_a_full_disk_during_a_sweep_gets_one_line_and_the_sweep_is_marked_interrupted(
    small_disk, monkeypatch, tmp_path, capsys
):
    out = fill_the_disk(small_disk, monkeypatch, tmp_path)
    experiment = write_experiment(tmp_path / "e.toml", replications=20, years=5)
    status, _, err = run_cli(capsys, "sweep", str(experiment), "--serial", "--out", str(out))
    assert status == 2
    assert_one_line_error(err)
    if (out / "manifest.json").exists():
        assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"


# -- 5. damaged parts, repair, and other one-line errors -------------------------------
@pytest.fixture
def swept(tmp_path: Path) -> tuple[Path, Path]:
    experiment = write_experiment(tmp_path / "e.toml", replications=4)
    out = tmp_path / "out"
    execute(plan(experiment_from_dict(tiny(replications=4), source=str(experiment))), out, size=2)
    return experiment, out


def truncate_a_part(folder: Path) -> Path:
    part = sorted((folder / "runs").glob("part-*.parquet"))[1]
    part.write_bytes(part.read_bytes()[:100])
    return part


def test_a_truncated_part_is_named_by_analyse_with_the_command_that_repairs_it(swept, capsys):
    experiment, out = swept
    part = truncate_a_part(out)
    status, _, err = run_cli(capsys, "analyse", str(out))
    assert status == 2
    assert_one_line_error(err)
    assert part.name in err
    assert f"genaisim sweep {experiment} --out {out} --resume --repair" in " ".join(err.split())


def test_resume_names_a_truncated_part_and_repair_runs_its_runs_again(swept, tmp_path, capsys):
    experiment, out = swept
    part = truncate_a_part(out)
    status, _, err = run_cli(
        capsys, "sweep", str(experiment), "--serial", "--out", str(out), "--resume"
    )
    assert status == 2
    assert_one_line_error(err)
    assert part.name in err and "--repair" in err
    status, out_text, _ = run_cli(
        capsys, "sweep", str(experiment), "--serial", "--out", str(out), "--resume", "--repair"
    )
    assert status == 0, out_text
    assert "Removed 1 damaged part file" in out_text
    fresh = tmp_path / "fresh"
    execute(plan(load_experiment_at(experiment)), fresh)
    pd.testing.assert_frame_equal(load_sweep(out).runs, load_sweep(fresh).runs)


def load_experiment_at(path: Path):
    from genaisim.experiments import load_experiment

    return load_experiment(path)


@pytest.mark.parametrize(
    "damage",
    ["empty plan runs", "binary manifest", "manifest list", "points gone"],
)
def test_a_damaged_sweep_folder_gets_one_line_from_analyse(swept, capsys, damage):
    _, out = swept
    if damage == "empty plan runs":
        (out / "plan" / "runs.parquet").write_bytes(b"")
    elif damage == "binary manifest":
        (out / "manifest.json").write_bytes(bytes(range(256)))
    elif damage == "manifest list":
        (out / "manifest.json").write_text("[]")
    else:
        (out / "plan" / "points.parquet").unlink()
    status, _, err = run_cli(capsys, "analyse", str(out))
    assert status == 2
    assert_one_line_error(err)


def test_analyse_given_a_file_gets_one_line(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    status, _, err = run_cli(capsys, "analyse", str(path))
    assert status == 2
    assert_one_line_error(err)


@pytest.mark.parametrize("address", ["notaurl", "tcp://", "http://x:1", "tcp://host"])
def test_a_scheduler_that_is_not_an_address_gets_one_line(tmp_path, capsys, address):
    experiment = write_experiment(tmp_path / "e.toml")
    status, _, err = run_cli(
        capsys, "sweep", str(experiment), "--scheduler", address, "--out", str(tmp_path / "o")
    )
    assert status == 2
    assert_one_line_error(err)


# -- 4. clean shutdown: no orphans, no "running" forever ------------------------------
LONG = tiny(
    name="long",
    replications=400,
    years=5,
    design={"kind": "factorial", "parameters": {"ownership.owner_probability": [0.2, 0.8]}},
)


def session_processes(session: int) -> list[int]:
    """Live (not zombie) processes of a session: a command and everything it started."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        state, sid = fields[0], int(fields[3])
        if sid == session and state != "Z":
            found.append(int(stat.parent.name))
    return found


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def running_sweep(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, Path, Path]]:
    """A two-worker sweep in its own session, stopped once its first chunk is on disk."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to see which processes are left")
    experiment = write_experiment(tmp_path / "e.toml", **LONG)
    out = tmp_path / "out"
    command = ["genaisim", "sweep", str(experiment), "--workers", "2", "--out", str(out)]
    # Files, not pipes: a pipe left open by a surviving worker would hang the test.
    with (tmp_path / "stdout").open("w") as out_log, (tmp_path / "stderr").open("w") as err_log:
        process = subprocess.Popen(
            [sys.executable, "-m", *command],
            stdout=out_log,
            stderr=err_log,
            start_new_session=True,
        )
    process.err_path = tmp_path / "stderr"  # type: ignore[attr-defined]
    assert wait_until(lambda: any((out / "runs").glob("part-*")), 120), "no chunk finished"
    assert len(session_processes(process.pid)) >= 3  # the sweep and its two workers
    yield process, experiment, out
    for pid in session_processes(process.pid):
        os.kill(pid, signal.SIGKILL)
    process.wait()


def worker_of(process: subprocess.Popen) -> int:
    """One of the pool's workers (not multiprocessing's resource tracker)."""
    for pid in session_processes(process.pid):
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"spawn_main" in command:
            return pid
    raise AssertionError("no worker found")


@pytest.mark.slow
def test_a_sweep_stopped_with_sigterm_exits_143_marked_interrupted_and_leaves_no_process(
    running_sweep,
):
    process, _, out = running_sweep
    os.kill(process.pid, signal.SIGTERM)
    assert process.wait(timeout=30) == 143
    assert wait_until(lambda: not session_processes(process.pid), 5), "processes left behind"
    err = process.err_path.read_text()
    assert "Resume with: genaisim sweep" in " ".join(err.split())
    assert "Traceback" not in err
    assert ResultsFolder(out).manifest()["status"] == "interrupted"


@pytest.mark.slow
def test_a_sweep_killed_outright_leaves_no_worker_and_the_next_one_records_the_death(
    running_sweep, capsys
):
    process, experiment, out = running_sweep
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert wait_until(lambda: not session_processes(process.pid), 5), "workers outlived it"
    assert ResultsFolder(out).manifest()["status"] == "running"
    assert load_sweep(out).manifest["status"] == "died"  # read: nobody holds the folder
    status, _, _ = run_cli(
        capsys,
        "sweep",
        str(experiment),
        "--serial",
        "--out",
        str(out),
        "--resume",
        "--replications",
        "5",
    )
    assert status == 0
    sessions = ResultsFolder(out).manifest()["sessions"]
    assert [s["status"] for s in sessions] == ["died", "complete"]
    assert sessions[0]["pid"] == process.pid


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_a_worker_that_dies_stops_the_sweep_with_one_line_and_no_process_left(running_sweep, how):
    process, _, out = running_sweep
    os.kill(worker_of(process), how)
    assert process.wait(timeout=30) == 2
    assert wait_until(lambda: not session_processes(process.pid), 5), "processes left behind"
    err = process.err_path.read_text()
    assert_one_line_error(err)
    assert "worker process stopped" in err
    assert ResultsFolder(out).manifest()["status"] == "interrupted"


# -- 6. size guards --------------------------------------------------------------------
def test_a_sobol_design_of_half_a_million_samples_is_refused_before_it_is_laid_out(
    tmp_path, capsys
):
    huge = tiny(
        design={
            "kind": "sobol",
            "samples": 524_288,
            "parameters": {"organisation.data_quality": [0.1, 0.9], "feedback.culture": [0, 1]},
        }
    )
    started = time.perf_counter()
    status, _, err = run_cli(capsys, "plan", str(write_experiment(tmp_path / "e.toml", **huge)))
    assert time.perf_counter() - started < 5
    assert status == 2
    assert_one_line_error(err)
    assert "4,194,304 runs" in err and "--force" in err


def test_a_factorial_of_ten_million_points_is_refused():
    values = [0.1 * i for i in range(10)]
    keys = [
        "organisation.data_quality",
        "feedback.culture",
        "feedback.tooling",
        "feedback.process",
        "ownership.owner_probability",
        "data.data_investment",
        "data.workaround_tendency",
    ]
    experiment = experiment_from_dict(
        tiny(design={"kind": "factorial", "parameters": {key: values for key in keys}})
    )
    with pytest.raises(GenaisimError, match="10,000,000 design points"):
        plan(experiment)


def test_a_run_too_large_for_memory_is_refused_at_once_unless_forced(capsys, monkeypatch):
    status, _, err = run_cli(
        capsys, "run", "baseline", "--set", "population.organisations=5000", "-r", "10000"
    )
    assert status == 2
    assert_one_line_error(err)
    assert "GiB" in err and "--force" in err
    from genaisim import budget

    monkeypatch.setattr(budget, "MAX_CORE_SECONDS", 0.001)
    status, _, err = run_cli(capsys, "run", "baseline", "-r", "1", "--years", "1")
    assert status == 2 and "of one core" in err
    status, _, _ = run_cli(capsys, "run", "baseline", "-r", "1", "--years", "1", "--force")
    assert status == 0


THREE = ("feedback.culture", "feedback.tooling", "data.data_investment")


def test_points_are_counted_without_laying_them_out():
    from genaisim.experiments.design import count_points

    designs = [
        {"kind": "factorial", "parameters": {"feedback.culture": [0.1, 0.5, 0.9]}},
        {"kind": "lhs", "samples": 7, "parameters": {"feedback.culture": [0, 1]}},
        {
            "kind": "morris",
            "samples": 3,
            "parameters": {"feedback.culture": [0, 1], "feedback.tooling": [0, 1]},
        },
        {
            "kind": "sobol",
            "samples": 4,
            "second_order": True,
            "parameters": {"feedback.culture": [0, 1], "feedback.tooling": [0, 1]},
        },
        {
            "kind": "sobol",
            "samples": 4,
            "groups": {"feedback.culture": "loop", "feedback.tooling": "loop"},
            "parameters": {"feedback.culture": [0, 1], "feedback.tooling": [0, 1]},
        },
        {
            "kind": "sobol",
            "samples": 4,
            "groups": {"feedback.culture": "loop", "feedback.tooling": "loop"},
            "parameters": {key: [0, 1] for key in THREE},
        },
        {
            "kind": "morris",
            "samples": 2,
            "groups": {"feedback.culture": "loop", "feedback.tooling": "loop"},
            "parameters": {key: [0, 1] for key in THREE},
        },
    ]
    for design in designs:
        experiment = experiment_from_dict(tiny(design=design))
        assert count_points(experiment) == len(plan(experiment).points), design


def test_a_chunk_holds_fewer_runs_of_larger_populations():
    from genaisim.experiments.runner import MAX_CHUNK, chunk_size

    assert chunk_size(100_000, 2, organisation_months=60) == MAX_CHUNK
    assert chunk_size(100_000, 2, organisation_months=200 * 60) == 5
    assert chunk_size(100_000, 2, organisation_months=5000 * 240) == 1


# -- 7. provenance ----------------------------------------------------------------------
LIBRARIES = {"numpy": "numpy", "pandas": "pandas", "pyarrow": "pyarrow", "salib": "SALib"}


def test_every_manifest_names_the_versions_of_the_libraries_that_decide_the_numbers(tmp_path):
    out = saved(tmp_path / "run")
    execute(plan(experiment_from_dict(tiny())), tmp_path / "sweep")
    for manifest in (
        json.loads((out / "manifest.json").read_text()),
        ResultsFolder(tmp_path / "sweep").manifest(),
    ):
        for key, name in LIBRARIES.items():
            assert manifest[f"{key}_version"] == metadata.version(name)


def test_a_sweep_is_extended_with_more_replications_without_running_a_run_twice(tmp_path, capsys):
    experiment = write_experiment(tmp_path / "e.toml", replications=2)
    out = tmp_path / "out"
    assert run_cli(capsys, "sweep", str(experiment), "--serial", "--out", str(out))[0] == 0
    status, text, _ = run_cli(
        capsys,
        "sweep",
        str(experiment),
        "--serial",
        "--out",
        str(out),
        "--resume",
        "--replications",
        "4",
    )
    assert status == 0
    assert "4 run now, 4 skipped" in " ".join(text.split())
    fresh = tmp_path / "fresh"
    execute(plan(experiment_from_dict(tiny(replications=4))), fresh)
    extended = load_sweep(out)
    pd.testing.assert_frame_equal(extended.runs, load_sweep(fresh).runs)
    assert extended.runs.groupby("point")["replication"].nunique().tolist() == [4, 4]
    assert extended.manifest["replications"] == 4


def test_plan_and_sweep_refuse_a_design_over_the_limit_unless_forced(tmp_path, capsys, monkeypatch):
    from genaisim import budget

    monkeypatch.setattr(budget, "MAX_RUNS", 3)
    experiment = write_experiment(tmp_path / "e.toml")  # 4 runs
    out = tmp_path / "out"
    for argv in (["plan", str(experiment)], ["sweep", str(experiment), "--out", str(out)]):
        status, _, err = run_cli(capsys, *argv)
        assert status == 2
        assert_one_line_error(err)
        assert "4 runs" in err and "--force" in err
    forced = ["sweep", str(experiment), "--serial", "--out", str(out), "--force"]
    assert run_cli(capsys, *forced)[0] == 0
    assert len(load_sweep(out).runs) == 4


def test_one_folder_has_one_lock_however_its_path_is_spelt(tmp_path, monkeypatch):
    from genaisim.files import FolderBusyError, FolderLock

    folder = tmp_path / "sweep"
    folder.mkdir()
    (tmp_path / "link").symlink_to(folder)
    monkeypatch.chdir(folder)
    with FolderLock(folder):
        # Within one process a second lock on the same folder nests; so do the other
        # spellings, which proves they resolve to the same lock file.
        for spelling in (tmp_path / "link", Path("."), Path("../sweep")):
            lock = FolderLock(spelling)
            assert lock.path == FolderLock(folder).path
    assert issubclass(FolderBusyError, Exception)


def test_run_out_below_a_file_is_one_line_and_exit_2(tmp_path, capsys):
    from genaisim import cli

    afile = tmp_path / "afile"
    afile.write_text("hi", encoding="utf-8")
    code = cli.main(["run", "baseline", "-r", "1", "--years", "1", "--out", str(afile / "sub")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_stray_copy_of_a_part_counts_no_run_twice(tmp_path):
    from genaisim.experiments import execute, load_experiment, load_sweep, plan
    from genaisim.experiments.runner import SerialExecutor

    experiment = load_experiment(write_experiment(tmp_path / "tiny.toml"))
    out = tmp_path / "sweep"
    execute(plan(experiment), out, SerialExecutor(), 1)
    reference = load_sweep(out).runs
    part = sorted((out / "runs").glob("part-*.parquet"))[0]
    shutil.copy(part, part.with_name("part-zz-copy.parquet"))
    again = load_sweep(out).runs
    pd.testing.assert_frame_equal(again, reference)
