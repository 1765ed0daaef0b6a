"""A pyabc sampler with static scheduling: same seed, same particles, on any executor.

pyabc's own multicore and Dask samplers reseed every worker from the operating
system's entropy, so two calibrations with the same seed differ. Here candidate ``i``
of generation ``t`` gets its own seed derived from (seed, t, i); candidates are
evaluated in fixed rounds on a ``concurrent.futures`` executor (the sweeps' process
pool, a Dask ``LocalCluster`` or scheduler, or the calling process), and particles are
accepted in candidate order, whichever worker finished first.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

__all__ = ["ReproducibleSampler", "candidate_seed", "evaluate_candidates"]

_UNPICKLED: dict[int, Callable[[], Any]] = {}


def candidate_seed(seed: int, generation: int, index: int) -> int:
    """The seed of candidate ``index`` of ``generation`` (pyabc's first is -1)."""
    state = np.random.SeedSequence([seed, generation + 1, index]).generate_state(1)
    return int(state[0])


def evaluate_candidates(payload: bytes, seeds: list[int]) -> list[Any]:
    """Worker side: run pyabc's ``simulate_one`` once per seed, in order."""
    key = hash(payload)
    simulate_one = _UNPICKLED.get(key)
    if simulate_one is None:
        _UNPICKLED.clear()
        simulate_one = _UNPICKLED[key] = cloudpickle.loads(payload)
    particles = []
    for seed in seeds:
        np.random.seed(seed)
        random.seed(seed)
        particles.append(simulate_one())
    return particles


class ReproducibleSampler(Sampler):
    """Evaluates candidates in rounds and accepts them in candidate order.

    Each round evaluates ``batch`` candidates (default: the population size, plus half
    of it after the first generation) in chunks spread over the executor's workers;
    particles are taken in candidate order until ``n`` are accepted, and the rest of
    the round is discarded.
    """

    def __init__(
        self,
        executor: Executor,
        workers: int,
        seed: int,
        batch: int = 0,
        progress: Callable[[int, int, int], None] | None = None,
    ) -> None:
        super().__init__()
        self.executor = executor
        self.workers = max(1, workers)
        self.seed = seed
        self.batch = batch
        self.progress = progress

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable[[], Any],
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        """Evaluate rounds of candidates until ``n`` are accepted (or ``max_eval`` ran)."""
        payload = cloudpickle.dumps(simulate_one)
        size = self.batch or (n if all_accepted else n + n // 2)
        sample = self._create_empty_sample()
        accepted = evaluated = start = 0
        while accepted < n and evaluated < max_eval:
            indices = list(range(start, start + size))
            start += size
            pieces = max(1, min(len(indices), self.workers * 4))
            chunks = [indices[i::pieces] for i in range(pieces)]
            futures = [
                self.executor.submit(
                    evaluate_candidates, payload, [candidate_seed(self.seed, t, i) for i in chunk]
                )
                for chunk in chunks
            ]
            by_index: dict[int, Any] = {}
            for chunk, future in zip(chunks, futures, strict=True):
                by_index.update(zip(chunk, future.result(), strict=True))
            for i in indices:
                if accepted >= n or evaluated >= max_eval:
                    break
                particle = by_index[i]
                sample.append(particle)
                evaluated += 1
                accepted += bool(particle.accepted)
            if self.progress is not None:
                self.progress(t, accepted, evaluated)
        self.nr_evaluations_ = evaluated
        if accepted < n:
            sample.ok = False
        return sample
