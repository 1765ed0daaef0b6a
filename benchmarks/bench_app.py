"""How long the scenario explorer takes to answer a parameter change.

Times, with ``streamlit.testing.v1.AppTest`` (the app's script run in-process, no browser):

1. the first load of the app (the baseline: 20 replications, 1 organisation, 5 years);
2. the default interaction: one slider changed to a value not simulated yet, until the
   rerun has finished — the median over 5 different values.

Target: the rerun after a change < 2 s. Run with ``.venv/bin/python benchmarks/bench_app.py``.
"""

from __future__ import annotations

import platform
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SLIDER = "param:ownership.owner_probability"
VALUES = (0.31, 0.37, 0.43, 0.49, 0.55)  # not the baseline's value, each simulated once
TARGET_S = 2.0


def main() -> int:
    app = AppTest.from_file(APP, default_timeout=120)
    start = time.perf_counter()
    app.run()
    first_load = time.perf_counter() - start
    assert not app.exception, app.exception
    assert app.slider(key=SLIDER).value not in VALUES

    reruns = []
    for value in VALUES:
        start = time.perf_counter()
        app.slider(key=SLIDER).set_value(value).run()
        reruns.append(time.perf_counter() - start)
        assert not app.exception, app.exception
        assert any("(edited)" in s.value for s in app.subheader)
    median = statistics.median(reruns)

    print(
        f"machine: {platform.platform()}, {platform.python_implementation()} "
        f"{platform.python_version()}"
    )
    print(f"first load (baseline, 20 replications, 1 organisation, 5 years): {first_load:.2f} s")
    print("rerun after one slider change: " + ", ".join(f"{t:.2f}" for t in reruns) + " s")
    verdict = "PASS" if median < TARGET_S else "FAIL"
    print(f"median rerun: {median:.2f} s (target < {TARGET_S:.0f} s) {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
