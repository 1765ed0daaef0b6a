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
