"""Which runs are "of interest": a condition on a label or an outcome, as a 0/1 column.

A condition is a pandas expression over the columns of a sweep's
:func:`~genaisim.explore.wide_table`: ``label == "compounding"``,
``cumulative_net_value > 0``, ``production >= 3 and pilots_open < 5``. A bare label
(``compounding``) is short for ``label == "compounding"``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from genaisim.experiments import ExperimentError
from genaisim.labels import LABELS

_LABEL_TEST = re.compile(r"""\s*label\s*==\s*(["'])(?P<label>[^"']+)\1\s*""")


def expand(condition: str) -> str:
    """The condition with a bare label written out as ``label == "..."``."""
    text = condition.strip()
    if text in LABELS:
        return f'label == "{text}"'
    return text


def condition_label(condition: str) -> str | None:
    """The label a condition tests for (``label == "compounding"``), else None."""
    match = _LABEL_TEST.fullmatch(expand(condition))
    return match.group("label") if match else None


def evaluate(table: pd.DataFrame, condition: str) -> np.ndarray:
    """The condition for every row of ``table``, as a boolean array.

    Raises:
        ExperimentError: the condition names an unknown column, is not a valid
            expression, or is not true or false for every row.

    """
    text = expand(condition)
    if not text:
        raise ExperimentError("the condition is empty; give one such as 'label == \"compounding\"'")
    try:
        result = table.eval(text, engine="python")
    except pd.errors.UndefinedVariableError as exc:
        raise ExperimentError(
            f"condition {condition!r}: {exc}; use the columns: {', '.join(table.columns)}"
        ) from None
    except (SyntaxError, ValueError, TypeError, KeyError, AttributeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ExperimentError(
            f"condition {condition!r} is not a valid expression ({reason}); write it as, "
            "for example, 'label == \"compounding\"' or 'cumulative_net_value > 0'"
        ) from None
    values = np.asarray(result)
    if values.shape != (len(table),) or values.dtype != bool:
        raise ExperimentError(
            f"condition {condition!r} is not true or false for each case; compare a column "
            "with a value, e.g. 'cumulative_net_value > 0'"
        )
    if label := condition_label(condition):
        if label not in LABELS:
            raise ExperimentError(
                f"condition {condition!r}: no label {label!r}; the labels are: {', '.join(LABELS)}"
            )
    return values


__all__ = ["condition_label", "evaluate", "expand"]
