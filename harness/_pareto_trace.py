"""What a multi-objective run found: its Pareto front step by step, scored by hypervolume.

Design invariant 5 carried over to several objectives: the run's front is chosen on what it
*observed* (the evaluations no other evaluation of the run dominates), and scored on the
*oracle* values of those configs (the mean over recorded seeds), in the normalised
objectives of `spaces.MultiObjective`. The scored hypervolume is the trace's incumbent value
and the true front's hypervolume minus it the regret, so every single-objective report
(anytime curves, paired tests, ranks, critical differences) reads a multi-objective run
unchanged. Like an incumbent's oracle value, the scored hypervolume can fall when a noisy
observation lets a config onto the front that its mean does not deserve.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from spaces import MultiObjective, hypervolume

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def pareto_steps(
    objective: MultiObjective, config_index: IntArray, slot: IntArray
) -> tuple[FloatArray, IntArray, list[int]]:
    """The scored hypervolume after each evaluation, the incumbent, and the final front.

    Returns:
        Per evaluation the hypervolume of the observed front's configs (their oracle values,
        normalised), per evaluation the front's config with the best scalarised oracle value
        (-1 before any finite observation), and the final front's evaluation positions.
    """
    n = len(config_index)
    observed = objective.losses(objective.objective_columns(config_index, slot))
    oracle = objective.losses(objective.oracle_objectives(config_index))
    scalar = objective.oracle_values(config_index)
    assert scalar is not None  # a multi-objective search always knows its oracle
    reference = objective.reference_loss
    hv = np.zeros(n)
    best = np.full(n, -1, dtype=np.int64)
    front: list[int] = []  # evaluation positions on the observed front
    first: dict[int, int] = {}  # config -> its first evaluation (a repeat scores the same)
    for t, c in enumerate(config_index.tolist()):
        first.setdefault(c, t)
    current, leader = 0.0, -1
    for t in range(n):
        point = observed[t]
        if np.isfinite(point).all():
            members = observed[front] if front else np.zeros((0, len(point)))
            dominated = bool(
                np.any(np.all(members <= point, axis=1) & np.any(members < point, axis=1))
            )
            if not dominated:
                beaten = np.all(point <= members, axis=1) & np.any(point < members, axis=1)
                front = [j for j, out in zip(front, beaten.tolist(), strict=True) if not out]
                front.append(t)
                positions = sorted({first[int(config_index[j])] for j in front})
                current = hypervolume(oracle[positions], reference)
                leader = positions[int(np.nanargmax(scalar[positions]))]
        hv[t] = current
        best[t] = int(config_index[leader]) if leader >= 0 else -1
    return hv, best, front


def front_note(
    objective: MultiObjective, config_index: IntArray, front: list[int]
) -> dict[str, Any]:
    """The run's final front and the space's reference data, for the store and reports."""
    configs = sorted({int(config_index[t]) for t in front})
    points = objective.oracle_objectives(np.asarray(configs, dtype=np.int64))
    return {
        "objectives": [m.name for m in objective.objectives],
        "directions": [m.direction for m in objective.objectives],
        "configs": configs,
        "front": _finite_rows(points),
        "ideal": objective.ideal.tolist(),
        "nadir": objective.nadir.tolist(),
        "reference": objective.reference.tolist(),
        "true_front": _finite_rows(objective.true_front),
        "true_hypervolume": objective.optimum,
    }


def _finite_rows(points: FloatArray) -> list[list[float]]:
    # JSON holds no NaN; a config with a NaN oracle value is on no front anyway.
    return [row for row in np.asarray(points).tolist() if all(np.isfinite(row))]
