"""Equal budgets for every kind of strategy: what an evaluation costs in each budget kind.

Under an evaluations budget an evaluation at a lower fidelity costs its share of one at the
searched fidelity (a continued training only its extra epochs), so that ``--budget N`` buys
every strategy the compute of N full evaluations; single-fidelity runs are charged exactly as
before (one per evaluation).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli import main
from harness import Budget, Evaluator, open_results, run_strategy
from spaces import load_objective
from strategies import build_strategy


def _hyperband_run(space: str, amount: int, seed: int = 0) -> tuple[object, Evaluator]:
    objective = load_objective(space)
    fidelities = tuple(f for f in objective.info.fidelities if f <= objective.info.fidelity)
    strategy = build_strategy(
        "hyperband",
        {},
        objective.space,
        seed=seed,
        maximize=objective.maximize,
        budget=amount,
        fidelities=fidelities,
        continues=objective.info.fidelity_continues,
    )
    trace = run_strategy(
        strategy, objective, seed=seed, budget=Budget(kind="evaluations", amount=amount)
    )
    return trace, objective  # type: ignore[return-value]


def test_nb201_twelve_epoch_evaluations_cost_twelve_two_hundredths() -> None:
    trace, _ = _hyperband_run("nb201/cifar10", 50)
    charges = np.asarray(trace.notes["budget"]["charges"])  # type: ignore[attr-defined]
    fidelity = trace.metrics["fidelity"]  # type: ignore[attr-defined]
    assert set(fidelity.tolist()) == {12.0, 200.0}
    np.testing.assert_allclose(charges[fidelity == 12.0], 12 / 200)
    np.testing.assert_allclose(charges[fidelity == 200.0], 1.0)
    # It spends its budget, and no more: more evaluations than 50, at most 50 charged.
    assert charges.sum() <= 50 + 1e-9
    assert charges.sum() > 50 - 1
    assert trace.n_evaluations > 50  # type: ignore[attr-defined]


def test_curve_promotions_cost_only_their_extra_epochs() -> None:
    trace, objective = _hyperband_run("mlp2/digits", 20)
    full = objective.info.fidelity  # type: ignore[attr-defined]
    charges = np.asarray(trace.notes["budget"]["charges"])  # type: ignore[attr-defined]
    assert charges.sum() <= 20 + 1e-9
    assert charges.sum() > 19
    # Every charge is a whole number of epochs out of the full fidelity's.
    np.testing.assert_allclose(np.round(charges * full), charges * full, atol=1e-9)
    assert (charges < 1).any()


def test_single_fidelity_runs_are_charged_one_per_evaluation() -> None:
    objective = load_objective("nb201/cifar10")
    evaluator = Evaluator(objective, seed=0, budget=Budget(kind="evaluations", amount=3))
    for index in range(3):
        assert evaluator.evaluate(objective.space.config(index)) is not None
    assert evaluator.evaluate(objective.space.config(3)) is None
    assert evaluator.spent == 3


def test_evaluate_at_charges_the_share_of_an_evaluation() -> None:
    objective = load_objective("nb201/cifar10")
    evaluator = Evaluator(objective, seed=0, budget=Budget(kind="evaluations", amount=1))
    config = objective.space.config(7)
    assert evaluator.evaluate_at(config, 12) is not None
    assert evaluator.spent == pytest.approx(0.06)
    # 0.94 left: a 200-epoch evaluation would overshoot, another 12-epoch one does not.
    assert evaluator.evaluate_at(config, 200) is None
    assert evaluator.evaluate_at(objective.space.config(8), 12) is not None
    assert evaluator.charges == pytest.approx([0.06, 0.06])


def test_compare_charges_multi_fidelity_in_full_evaluations(tmp_path: Path) -> None:
    out = tmp_path / "hb"
    argv = ["compare", "--space", "nb201/cifar10", "--strategy", "hyperband"]
    argv += ["--strategy", "random", "--budget", "50", "--seeds", "2", "--workers", "0"]
    assert main([*argv, "--out", str(out), "--quiet"]) == 0
    with open_results(out) as store:
        runs = store.runs()
        notes = store.run_notes()
    for _, run in runs.iterrows():
        note = notes.get(str(run["run_key"]), {})
        if run["strategy"] == "hyperband":
            assert sum(note["budget"]["charges"]) <= 50 + 1e-9
            assert int(run["n_evaluations"]) > 50
        else:
            assert "budget" not in note
            assert int(run["n_evaluations"]) == 50
    report = (out / "report.md").read_text()
    assert "an evaluation at a lower fidelity costs its share" in report
    stats = json.loads((out / "stats.json").read_text())
    assert stats["spaces"]


def test_report_reads_multi_fidelity_curves_at_the_budget_spent() -> None:
    from reports._data import _on_steps

    values = np.array([5.0, 4.0, 3.0, 2.0])
    # Four evaluations costing 0.25, 0.25, 1 and 0.5: spent 0.25, 0.5, 1.5, 2.
    spent = np.array([0.25, 0.5, 1.5, 2.0])
    assert _on_steps(values, 3, spent).tolist() == [4.0, 2.0, 2.0]
    # One per evaluation: the plain reading, a shorter run keeping its last value.
    assert _on_steps(values, 5, None).tolist() == [5.0, 4.0, 3.0, 2.0, 2.0]
