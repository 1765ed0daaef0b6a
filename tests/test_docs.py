"""The docs say what the code does: ODD sections, every parameter, runnable examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from genaisim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"
README = ROOT / "README.md"

ODD_ELEMENTS = (
    "## 1. Purpose and patterns",
    "## 2. Entities, state variables and scales",
    "## 3. Process overview and scheduling",
    "## 4. Design concepts",
    "## 5. Initialisation",
    "## 6. Input data",
    "## 7. Submodels",
)


def parameter_table() -> dict[str, str]:
    """Key -> default as written in the ODD's parameter table."""
    rows = {}
    for line in ODD.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`([a-z_]+\.[a-z_]+)`\s*\|\s*([^|]+?)\s*\|", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_the_odd_covers_all_seven_elements_in_order():
    text = ODD.read_text(encoding="utf-8")
    positions = [text.find(heading) for heading in ODD_ELEMENTS]
    assert all(p >= 0 for p in positions), [
        h for h, p in zip(ODD_ELEMENTS, positions, strict=True) if p < 0
    ]
    assert positions == sorted(positions)


def test_the_odd_documents_every_parameter_with_its_actual_default():
    table = parameter_table()
    for info in Scenario().parameters():
        assert info.key in table, f"{info.key} is missing from the ODD parameter table"
        written = table[info.key]
        if isinstance(info.default, dict):
            assert written.strip("`") == "{}", info.key
        else:
            assert float(written) == pytest.approx(float(info.default)), (
                f"{info.key}: ODD says {written}, the code says {info.default}"
            )


def test_the_odd_names_no_parameter_that_does_not_exist():
    known = {info.key for info in Scenario().parameters()}
    assert set(parameter_table()) <= known


def test_the_readme_quick_start_is_the_two_make_commands():
    text = README.read_text(encoding="utf-8")
    quick_start = text[text.index("## Quick start") :].split("\n## ")[0]
    assert "make run" in quick_start
    assert "make test" in quick_start
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("block", range(len(python_blocks(README))))
def test_the_readmes_python_examples_run(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples may write files
    code = python_blocks(README)[block]
    exec(compile(code, f"README.md example {block + 1}", "exec"), {})


ROADMAP = ROOT / "docs" / "roadmap.md"


@pytest.mark.parametrize("block", range(len(python_blocks(ROADMAP))))
def test_the_roadmap_pages_python_examples_run(block, monkeypatch):
    monkeypatch.chdir(ROOT)  # the example reads the template from scenarios/
    code = python_blocks(ROADMAP)[block]
    exec(compile(code, f"docs/roadmap.md example {block + 1}", "exec"), {})


def test_the_roadmap_page_is_generated_by_its_script_and_not_left_as_placeholders():
    text = ROADMAP.read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- generated:(\w+) -->\n(.*?)<!-- /generated:\1 -->", text, re.S)
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_roadmap_docs", ROOT / "scripts" / "make_roadmap_docs.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert sorted(name for name, _ in blocks) == sorted(script.COMMANDS)
    for name, body in blocks:
        assert "(run scripts/make_roadmap_docs.py)" not in body, name
        assert body.startswith(f"```\n$ {script.COMMANDS[name]}\n"), name


# -- command lines in README and in every command's --help ------------------------------
def _command_lines(lines: list[str]) -> list[tuple[str, str | None]]:
    """Each ``genaisim`` command in ``lines`` (continuations joined, a pipe cut off),
    with the line after it (or None)."""
    joined: list[str] = []
    for line in lines:
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1] + " " + line.strip()
        else:
            joined.append(line.strip().removeprefix("$ "))
    from genaisim.cli import COMMANDS, build_parser

    build_parser()  # registers every command
    out = []
    for i, line in enumerate(joined):
        # A command, not prose that starts with the program's name.
        if line.startswith("genaisim ") and line.split()[1] in COMMANDS:
            after = joined[i + 1] if i + 1 < len(joined) else None
            out.append((line.split(" | ")[0], after))
    return out


def _readme_command_lines() -> list[tuple[str, str | None]]:
    """The commands in README's code blocks, each with the line after it."""
    blocks, inside, current = [], False, []
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            if inside:
                blocks.append(current)
            inside, current = not inside, []
        elif inside:
            current.append(line)
    return [pair for block in blocks for pair in _command_lines(block)]


def _help_command_lines() -> list[str]:
    from genaisim.cli import COMMANDS

    return [
        line
        for command in COMMANDS.values()
        for line, _ in _command_lines(command.examples.splitlines())
    ]


def _words(line: str) -> list[str]:
    import shlex

    return shlex.split(line, comments=True)[1:]


def test_readme_and_help_show_the_commands_they_claim():
    # Guards the extraction below: the README's and the help's examples are all seen.
    readme = [line for line, _ in _readme_command_lines()]
    assert len(readme) >= 30 and any(line.startswith("genaisim sweep") for line in readme)
    assert len(_help_command_lines()) >= 20


def test_every_command_line_in_readme_and_help_parses_and_names_real_inputs():
    """Each example is valid syntax, its scenario names and shipped files exist, and every
    results folder it reads is written by a shipped experiment or an earlier example."""
    from genaisim.cli import build_parser
    from genaisim.scenario import available_scenarios

    parser = build_parser()
    scenarios = set(available_scenarios())
    experiments = {p.stem for p in (ROOT / "experiments").glob("*.toml")}
    written = {f"results/{name}" for name in experiments}
    lines = [line for line, after in _readme_command_lines() if not _is_error_example(after)]
    problems = []
    for line in [*lines, *_help_command_lines()]:
        words = _words(line)
        if "--help" in words or "-h" in words:
            continue
        try:
            args = parser.parse_args(words)
        except SystemExit:
            problems.append(f"does not parse: {line}")
            continue
        for i, word in enumerate(words):
            if words[i - 1] == "--out" and i > 0:
                written.add(word.rstrip("/"))
            elif word.startswith(("experiments/", "scenarios/")) and not (ROOT / word).exists():
                problems.append(f"no such file {word}: {line}")
            elif word.startswith("results/"):
                folder = "/".join(word.split("/")[:2])
                if folder not in written:
                    problems.append(f"nothing shipped writes {folder}: {line}")
        for name in getattr(args, "scenarios", None) or [getattr(args, "scenario", None)]:
            if isinstance(name, str) and "/" not in name and "." not in name:
                if name not in scenarios:
                    problems.append(f"no scenario {name!r}: {line}")
    assert not problems, "\n".join(problems)


def _is_error_example(after: str | None) -> bool:
    return bool(after and after.startswith("genaisim: error:"))


def test_the_readmes_error_examples_print_what_it_shows(capsys):
    from genaisim.cli import main

    examples = [pair for pair in _readme_command_lines() if _is_error_example(pair[1])]
    assert len(examples) >= 2
    for line, after in examples:
        assert main(_words(line)) == 2, line
        assert capsys.readouterr().err.strip() == after, line


def test_the_readme_sample_is_what_make_run_prints_today():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_docs", ROOT / "scripts" / "make_docs.py")
    make_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_docs)
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- generated:sample -->", 1)[1].split("<!-- /generated:sample -->")[0]
    assert block.strip().splitlines()[1] == "$ genaisim run baseline"
    # What `scripts/make_docs.py --skip-patterns` would write there today.
    assert block.strip() == make_docs.readme_sample().strip()


def test_every_relative_link_in_readme_points_to_a_file():
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if not re.match(r"[a-z]+://|mailto:", link)]
    assert len(local) >= 5
    missing = [link for link in local if not (ROOT / link).exists()]
    assert not missing, missing


def test_there_is_a_screenshot_of_every_tab_at_both_widths():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_screenshots", ROOT / "scripts" / "make_screenshots.py"
    )
    shots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shots)
    from genaisim.app_support import TABS

    assert shots.TABS == TABS  # the app's own tabs (tests/test_app.py reads them live)
    for tab in shots.TABS:
        for device in shots.WIDTHS:
            path = ROOT / "docs" / "screenshots" / f"{shots.slug(tab)}-{device}.png"
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
