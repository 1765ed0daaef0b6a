"""Calibration speed: wall time, simulations per second and peak memory, serial and parallel.

    .venv/bin/python benchmarks/bench_calibration.py                 # 2 generations, ~20 min
    .venv/bin/python benchmarks/bench_calibration.py --generations 8 # the whole calibration
    .venv/bin/python benchmarks/bench_calibration.py --quick         # smoke run, seconds

Runs ``experiments/calibrate_enterprise_2024.toml`` (its population, priors, targets and
seed; ``--generations`` caps the generations) once in this process's children for each
mode: serial, then ``--workers`` processes. Each mode runs in a fresh child process,
which reports its wall time, the simulations pyabc counted, and the peak resident
memory of itself and of its largest worker (``getrusage``). The posteriors of the two
modes are compared byte for byte: the same seed must give the same particles.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "experiments" / "calibrate_enterprise_2024.toml"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from genaisim.calibration.abc import calibrate
from genaisim.calibration.spec import load_calibration
from genaisim.experiments import make_executor

def main():
    path, out, workers, generations, population, organisations = sys.argv[1:7]
    spec = load_calibration(path)
    abc = spec.abc.model_copy(update={"max_generations": int(generations)})
    if int(population):
        abc = abc.model_copy(update={"population_size": int(population)})
    update = {"abc": abc}
    if int(organisations):
        update["organisations"] = int(organisations)
    spec = spec.model_copy(update=update)
    workers = int(workers)
    t = time.perf_counter()
    with make_executor(workers=workers or None, serial=workers == 0) as (executor, n):
        run = calibrate(spec, Path(out), executor, n)
    wall = time.perf_counter() - t
    print(json.dumps({
        "wall": wall, "simulations": run.simulations, "generations": run.generations,
        "epsilon": run.epsilon,
        "peak_self_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_worker_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }))

if __name__ == "__main__":
    main()
"""


def run_mode(workers: int, args: argparse.Namespace, folder: Path) -> dict:
    script = folder / "child.py"
    script.write_text(CHILD)
    out = folder / f"run-{workers}"
    command = [
        sys.executable, str(script), str(CALIBRATION), str(out), str(workers),
        str(args.generations), str(args.population), str(args.organisations),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"the {workers or 'serial'} run failed:\n{done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["posterior"] = (out / "posterior.csv").read_bytes()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=2, help="generations (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="parallel workers (default 2)")
    parser.add_argument("--population", type=int, default=0, help="particles (default: file)")
    parser.add_argument(
        "--organisations", type=int, default=0, help="organisations per simulation (default: file)"
    )
    parser.add_argument("--quick", action="store_true", help="tiny settings: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.generations, args.population, args.organisations = 1, 8, 10
    load = os.getloadavg()[0]
    print(
        f"Calibration benchmark: {CALIBRATION.name}, {args.generations} generation(s); "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {load:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="genaisim-bench-cal-") as tmp:
        folder = Path(tmp)
        results = {}
        for workers in (0, args.workers):
            started = time.perf_counter()
            results[workers] = run_mode(workers, args, folder)
            print(f"  {'serial' if workers == 0 else f'{workers} workers'}: done in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
    print()
    print(f"{'mode':<12}{'wall s':>9}{'sims':>8}{'sims/s':>9}{'peak MiB':>10}{'worker MiB':>12}")
    for workers, r in results.items():
        name = "serial" if workers == 0 else f"{workers} workers"
        print(
            f"{name:<12}{r['wall']:>9.1f}{r['simulations']:>8}{r['simulations'] / r['wall']:>9.2f}"
            f"{r['peak_self_mib']:>10.0f}{r['peak_worker_mib']:>12.0f}"
        )
    serial, parallel = results[0], results[args.workers]
    print(f"\nspeed-up with {args.workers} workers: {serial['wall'] / parallel['wall']:.2f}x")
    same = serial["posterior"] == parallel["posterior"]
    print(f"same posterior serial and parallel: {'yes' if same else 'NO'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
