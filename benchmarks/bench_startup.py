"""How fast the command line answers when no simulation is needed.

    .venv/bin/python benchmarks/bench_startup.py

Times, as a user sees them (a new process each time, median of several):
``genaisim --help``, ``genaisim run --help`` and an argument error; then lists the
slowest imports of ``genaisim.cli`` from ``python -X importtime``. Target: each under
0.3 s.
"""

from __future__ import annotations

import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

TARGET_S = 0.3
REPEATS = 7
SCRIPT = Path(sys.executable).parent / "genaisim"


def command() -> list[str]:
    """The installed console script, or ``python -m genaisim``."""
    if SCRIPT.is_file():
        return [str(SCRIPT)]
    found = shutil.which("genaisim")
    return [found] if found else [sys.executable, "-m", "genaisim"]


def median_seconds(argv: list[str]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run([*command(), *argv], capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def slowest_imports(count: int = 8) -> list[tuple[int, str]]:
    """The imports of genaisim.cli with the largest cumulative time (microseconds)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import genaisim.cli"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    return sorted(rows, reverse=True)[:count]


def main() -> int:
    print(f"genaisim start-up, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}")
    print(f"Python {platform.python_version()}, {REPEATS} runs each, median wall time\n")
    ok = True
    for argv in (["--help"], ["run", "--help"], ["run"]):
        seconds = median_seconds(argv)
        passed = seconds < TARGET_S
        ok &= passed
        label = "genaisim " + " ".join(argv) + ("  (argument error)" if argv == ["run"] else "")
        verdict = "PASS" if passed else "FAIL"
        print(f"  {label:<40} {seconds:6.3f} s   target < {TARGET_S} s   {verdict}")
    print("\nSlowest imports of genaisim.cli (cumulative, -X importtime):")
    for micros, name in slowest_imports():
        print(f"  {micros / 1000:8.1f} ms  {name}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
