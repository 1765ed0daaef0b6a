"""One 5-year single-organisation run: this tree against an earlier revision.

    .venv/bin/python benchmarks/bench_against.py --rev e2f389b

Checks the revision out into a temporary folder (``git archive``), then times the same
measurement — ``GenAISimModel(scenario, rng=seed).run()`` of the ``baseline`` scenario,
one organisation, five years — in two child processes, one importing this tree's
``genaisim`` and one the revision's, in alternating rounds so that both see the same
machine load. Prints each median and the ratio (this tree / revision).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: Runs in a child process with the chosen source first on sys.path; prints the times.
TIMER = """
import gc, json, sys, time
sys.path.insert(0, {src!r})
import genaisim
from genaisim import GenAISimModel
scenario = genaisim.load_scenario({scenario_path!r})
GenAISimModel(scenario, rng=0).run()  # warm-up
times = []
for seed in range({first}, {first} + {runs}):
    gc.collect()
    start = time.perf_counter()
    GenAISimModel(scenario, rng=seed).run()
    times.append(time.perf_counter() - start)
print(json.dumps({{"file": genaisim.__file__, "times": times}}))
"""


def time_runs(src: Path, scenario_path: Path, first: int, runs: int) -> list[float]:
    """Seconds per run, for ``runs`` seeds from ``first``, with ``src``'s genaisim."""
    code = TIMER.format(src=str(src), scenario_path=str(scenario_path), first=first, runs=runs)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    if not result["file"].startswith(str(src)):
        sys.exit(f"the child imported {result['file']}, not the source under {src}")
    return result["times"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", required=True, help="the earlier revision (commit, tag, branch)")
    parser.add_argument("--rounds", type=int, default=6, help="alternating rounds (default 6)")
    parser.add_argument("--runs", type=int, default=20, help="runs per round and side")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "rev.tar"
        subprocess.run(
            ["git", "archive", "--format=tar", "-o", str(archive), args.rev],
            cwd=REPO,
            check=True,
        )
        with tarfile.open(archive) as tar:
            tar.extractall(Path(tmp) / "rev", filter="data")
        sides = {
            "this tree": (REPO / "src", REPO / "scenarios" / "baseline.toml"),
            args.rev: (
                Path(tmp) / "rev" / "src",
                Path(tmp) / "rev" / "scenarios" / "baseline.toml",
            ),
        }
        times: dict[str, list[float]] = {name: [] for name in sides}
        for round_ in range(args.rounds):
            order = list(sides) if round_ % 2 == 0 else list(reversed(sides))
            for name in order:
                src, scenario = sides[name]
                times[name] += time_runs(src, scenario, 1 + round_ * args.runs, args.runs)
    medians = {name: statistics.median(t) * 1000 for name, t in times.items()}
    for name, median in medians.items():
        print(f"{name:>12}: {median:6.2f} ms median over {len(times[name])} runs")
    ratio = medians["this tree"] / medians[args.rev]
    print(f"ratio (this tree / {args.rev}): {ratio:.2f}")


if __name__ == "__main__":
    main()
