"""How library-backed strategies see a `Dimension.log` dimension (mlpwide's widths).

Optuna's samplers and REINFORCE's policy see ordinal dimensions as ranks (the built-in grids
are log-spaced, so a rank is already a log scale). A log dimension's hundreds of consecutive
sizes are not: there a rank is linear in the size. These helpers give them the value itself,
on a log scale: an Optuna ``IntDistribution(low, high, log=True)`` over the sizes (or a log
``FloatDistribution`` for non-integer values, rounded to the nearest choice), and a policy
that starts log-uniform instead of uniform.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from spaces import Dimension


def _integer_run(d: Dimension) -> bool:
    """Whether ``d``'s choices are consecutive whole numbers (8, 9, ..., 1024)."""
    values = d.choices
    return all(isinstance(v, int) for v in values) and values[-1] - values[0] == len(values) - 1  # type: ignore[operator]


def optuna_distribution(d: Dimension) -> Any:
    """The Optuna distribution of dimension ``d`` (choice indices, ranks or log values)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if d.kind == "categorical":
        return CategoricalDistribution(tuple(range(d.size)))
    if not d.log:
        return IntDistribution(0, d.size - 1)
    if _integer_run(d):
        return IntDistribution(int(d.choices[0]), int(d.choices[-1]), log=True)
    return FloatDistribution(float(d.choices[0]), float(d.choices[-1]), log=True)


def to_param(d: Dimension, index: int) -> int | float:
    """The Optuna parameter value of choice ``index`` of ``d``."""
    if d.kind == "ordinal" and d.log:
        return d.choices[index]  # type: ignore[return-value]
    return index


def from_param(d: Dimension, value: float) -> int:
    """The choice index of Optuna parameter value ``value`` of ``d``."""
    if not (d.kind == "ordinal" and d.log):
        return int(value)
    if _integer_run(d):
        return int(value) - int(d.choices[0])
    logs = np.log(np.asarray(d.choices, dtype=np.float64))
    return int(d.nearest((np.log(float(value)) - logs[0]) / (logs[-1] - logs[0])))


def initial_logits(d: Dimension) -> npt.NDArray[np.float64]:
    """Logits of a starting policy over ``d``'s choices: uniform, or log-uniform on a log one.

    Log-uniform: each choice gets the mass of its stretch of the log scale (half-way to its
    neighbours), so small widths are as likely per doubling as large ones.
    """
    if not (d.kind == "ordinal" and d.log):
        return np.zeros(d.size)
    logs = np.log(np.asarray(d.choices, dtype=np.float64))
    if d.size == 1:
        return np.zeros(1)
    edges = np.concatenate(([logs[0]], (logs[1:] + logs[:-1]) / 2, [logs[-1]]))
    mass = np.diff(edges)
    mass[0] += (logs[1] - logs[0]) / 2  # the ends get a full step, not half of one
    mass[-1] += (logs[-1] - logs[-2]) / 2
    out: npt.NDArray[np.float64] = np.log(mass / mass.sum())
    return out
