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
