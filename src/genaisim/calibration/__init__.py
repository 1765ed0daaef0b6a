"""Calibration of a population to published figures: statistics, targets, ABC-SMC, posteriors.

- :mod:`~genaisim.calibration.statistics`: survey-like statistics of a simulated run;
- :mod:`~genaisim.calibration.spec`: calibration files (priors, targets with sources);
- :mod:`~genaisim.calibration.abc`: ABC-SMC on pyabc, resumable, reproducible;
- :mod:`~genaisim.calibration.posterior`: posterior files that runs draw from;
- :mod:`~genaisim.calibration.check`: how a scenario's statistics sit in the targets' bands.

Nothing here is imported by ``import genaisim``: pyabc loads only when a calibration runs.
"""
