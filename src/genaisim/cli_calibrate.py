"""The ``genaisim calibrate`` subcommand: ABC-SMC against published figures.

It registers itself with :func:`genaisim.cli.register` when :mod:`genaisim.cli` imports
this module, and is a thin shell over :mod:`genaisim.calibration`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from genaisim.cli import Command, add_executor_options, add_experiment_argument, register
from genaisim.errors import GenaisimError
from genaisim.files import FolderLock, write_atomically


def _add_calibrate_arguments(parser: argparse.ArgumentParser) -> None:
    add_experiment_argument(parser)
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="the calibration folder (default: results/<calibration name>)",
    )
    add_executor_options(parser)
    parser.add_argument(
        "--no-publish",
        action="store_true",
        help="do not write the calibrated scenario and its posterior into scenarios/",
    )


SPEC_FILE = "spec.json"


def _calibrate(args: argparse.Namespace) -> int:
    from genaisim.calibration.abc import HISTORY, calibrate, publish
    from genaisim.calibration.spec import load_calibration
    from genaisim.experiments import make_executor

    spec = load_calibration(args.experiment)
    out = args.out or Path("results") / spec.name
    if out.exists() and not out.is_dir():
        raise GenaisimError(f"--out {out}: exists and is not a folder")
    spec_text = json.dumps(spec.model_dump(mode="json"), indent=2, sort_keys=True)
    with FolderLock(out):
        resume = (out / HISTORY).exists()
        if out.is_dir() and any(out.iterdir()):
            try:
                before = (out / SPEC_FILE).read_text(encoding="utf-8")
            except OSError:
                raise GenaisimError(
                    f"--out {out}: is not empty and holds no calibration; choose another folder"
                ) from None
            if before != spec_text:
                raise GenaisimError(
                    f"--out {out}: holds another calibration (or one of another version of "
                    f"{args.experiment}); choose another folder"
                )
            if resume:
                print(f"Resuming the calibration in {out} from its last finished generation.")
        else:
            out.mkdir(parents=True, exist_ok=True)
            write_atomically(out / SPEC_FILE, lambda tmp: Path(tmp).write_text(spec_text))
        a = spec.abc
        print(
            f"Calibrating {spec.scenario} to {len(spec.targets)} figures from "
            f"{len(spec.surveys)} surveys: {len(spec.priors)} parameters, "
            f"{a.population_size} particles, at most {a.max_generations} generations or "
            f"{a.max_simulations} simulations of {spec.organisations} organisations.",
            flush=True,
        )
        started = time.perf_counter()

        def progress(generation: int, accepted: int, evaluated: int) -> None:
            label = "prior" if generation < 0 else f"generation {generation + 1}"
            print(
                f"  {time.perf_counter() - started:6.0f} s  {label}: {accepted} of "
                f"{a.population_size} accepted from {evaluated} simulations",
                file=sys.stderr,
                flush=True,
            )

        with make_executor(
            workers=args.workers,
            serial=args.serial,
            scheduler=args.scheduler,
            dask_local=args.dask_local,
        ) as (executor, workers):
            run = calibrate(spec, out, executor, workers, resume=resume, progress=progress)
    print(
        f"Done: {run.generations} generations, {run.simulations} simulations, final "
        f"distance {run.epsilon:.3g} (1: every figure at the edge of its band), "
        f"{run.seconds:.0f} s in this session; the last generation's particles are worth "
        f"{run.effective_size:.0f} equally weighted ones."
    )
    if run.degenerate:
        print(
            "Warning: a few particles carry most of the posterior's weight, so its medians "
            "and intervals rest on them. Calibrate again with more particles, "
            "transition = 'normal', or fewer generations (max_generations)."
        )
    from genaisim.calibration.posterior import load_posterior

    posterior = load_posterior(run.posterior)
    width = max(len(k) for k in posterior.keys)
    print("\nPosterior (weighted median and 90% interval):")
    for key in posterior.keys:
        low, high = posterior.interval(key)
        print(f"  {key:<{width}}  {posterior.median(key):8.3g}  ({low:.3g} to {high:.3g})")
    print(f"\nSaved pyabc's history, {run.posterior.name} and calibration.json in {out}")
    if spec.write_scenario and not args.no_publish:
        path = publish(spec, run, str(args.experiment))
        print(f"Wrote the calibrated scenario {path} and its posterior beside it")
    return 0


register(
    Command(
        name="calibrate",
        summary="fit a population's mechanisms to published figures (ABC-SMC, pyabc)",
        description=(
            "Approximate Bayesian computation (sequential Monte Carlo, with pyabc) of the\n"
            "free parameters a calibration file names, against its target figures, each\n"
            "with a band. Every generation is kept in DIR/history.db (pyabc's SQLite\n"
            "history): run the same command again to resume a calibration that was\n"
            "stopped. The same seed gives the same posterior on any number of workers.\n"
            "At the end the calibrated scenario (posterior medians) and its posterior are\n"
            "written beside the population's scenario file; `genaisim run NAME\n"
            "--posterior N` then draws parameter sets from it."
        ),
        examples=(
            "  genaisim calibrate experiments/calibrate_enterprise_2024.toml\n"
            "  genaisim calibrate my_calibration.toml --out results/mine --workers 8\n"
            "  genaisim calibrate my_calibration.toml --scheduler tcp://10.0.0.5:8786"
        ),
        add_arguments=_add_calibrate_arguments,
        run=_calibrate,
    )
)
