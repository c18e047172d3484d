"""Simulated workers and fidelities: event order, costs, determinism, identity at W = 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cli import main
from harness import Budget, Comparison, Evaluator, plan_comparison, run_strategy
from harness._loop import _run_events
from harness.results import open_results
from spaces import (
    Config,
    CurveTable,
    Dimension,
    Metric,
    ObjectiveInfo,
    Provenance,
    RecordedTable,
    Space,
    load_objective,
)
from strategies import Observation, Strategy, build_strategy

FIELDS = (
    "config_index",
    "slot",
    "value",
    "cost_seconds",
    "cumulative_cost_seconds",
    "incumbent_index",
    "incumbent_value",
    "incumbent_test",
    "regret",
)


def _space(n: int) -> Space:
    return Space((Dimension(name="d", kind="categorical", choices=tuple(range(n))),))


def _info(n: int, **kw: Any) -> ObjectiveInfo:
    return ObjectiveInfo(
        name="toy/costs",
        space=_space(n),
        metrics={"acc": Metric(name="acc", direction="maximize")},
        search_metric="acc",
        test_metric=None,
        fidelities=kw.pop("fidelities", ()),
        fidelity=kw.pop("fidelity", 0),
        fully_recorded=True,
        provenance=Provenance(source="test", package="test", licence="none", objective_units=""),
        checksum="toy",
        **kw,
    )


class Scripted(Strategy):
    """Asks a fixed sequence of configs (and fidelities); records tells with the clock."""

    name = "scripted-events"
    description = "test"
    multi_fidelity = True

    def __init__(self, space: Space, *, order: list[Any], **kw: Any) -> None:
        super().__init__(space, seed=0, **kw)
        self.order = list(order)
        self.n_asked = 0
        self.told: list[tuple[int, Observation]] = []

    def ask_at(self) -> tuple[Config, int] | None:
        item = self.order[self.n_asked % len(self.order)]
        self.n_asked += 1
        index, fidelity = item if isinstance(item, tuple) else (item, 0)
        return self.space.config(index), fidelity

    def ask(self) -> Config:
        request = self.ask_at()
        assert request is not None
        return request[0]

    def tell(self, config: Config, observation: Observation) -> None:
        self.told.append((int(config[0]), observation))


def test_event_order_with_two_workers_by_hand() -> None:
    # One seed per config; costs 3, 1, 2, 5 seconds; budget 8 s of wall-clock time.
    table = RecordedTable(
        info=_info(4),
        runs={"acc": np.array([[1.0], [2.0], [3.0], [4.0]])},
        costs=np.array([[3.0], [1.0], [2.0], [5.0]]),
        n_seeds=np.ones(4, dtype=np.int64),
    )
    strategy = Scripted(table.space, order=[0, 1, 2, 3])
    trace = run_strategy(
        strategy, table, seed=0, budget=Budget(kind="seconds", amount=8), workers=2
    )
    # t=0: c0 (ends 3) and c1 (ends 1) start. t=1: c1 ends, c2 starts (ends 3). t=3: c0 and
    # c2 end together, c0 first (started first); c3 starts (ends 8), then c0 (ends 6). t=6:
    # c0 ends, c1 starts (ends 7). t=7: c1 ends; c2 would end at 9 > 8: no more starts.
    # t=8: c3 ends.
    assert [c for c, _ in strategy.told] == [1, 0, 2, 0, 1, 3]
    assert trace.config_index.tolist() == [1, 0, 2, 0, 1, 3]
    assert trace.cumulative_cost_seconds.tolist() == [1.0, 3.0, 3.0, 6.0, 7.0, 8.0]
    assert strategy.n_asked == 7  # the seventh ask (c2 at t=7) did not fit
    note = trace.notes["workers"]
    assert note["workers"] == 2
    assert note["worker_seconds"] == 15.0
    assert note["makespan_seconds"] == 8.0
    assert note["utilisation"] == pytest.approx(15 / 16)


def _curve_table(continues: bool = True) -> CurveTable:
    # Two configs, one seed, three epochs: seconds 1, 2, 3 after epochs 1..3 (config 0).
    curves = {"acc": np.array([[[10.0, 20.0, 30.0]], [[5.0, 6.0, 7.0]]])}
    cost_curve = np.array([[[1.0, 2.0, 3.0]], [[2.0, 4.0, 6.0]]])
    table = CurveTable(
        info=_info(2),
        runs={"acc": curves["acc"][:, :, -1]},
        costs=cost_curve[:, :, -1],
        n_seeds=np.ones(2, dtype=np.int64),
        curves=curves,
        cost_curve=cost_curve,
    )
    assert table.info.fidelities == (1, 2, 3)
    assert table.info.fidelity_continues
    if not continues:
        import dataclasses

        table.info = dataclasses.replace(table.info, fidelity_continues=False)
    return table


@pytest.mark.parametrize("continues", [True, False])
def test_continuation_costs_only_the_extra_epochs(continues: bool) -> None:
    table = _curve_table(continues)
    # Config 0 at epoch 1, promoted to 3, then asked at 2 (below what it trained: a new
    # training run), and config 1 at 2.
    strategy = Scripted(
        table.space, order=[(0, 1), (0, 3), (0, 2), (1, 2)], fidelities=(1, 2, 3), continues=True
    )
    # 1 + 2 (or 3: a new run) + 2 + 2 epochs: exactly the four scripted evaluations.
    epochs = Budget(kind="epochs", amount=7 if continues else 8)
    trace = run_strategy(strategy, table, seed=0, budget=epochs)
    assert [o.fidelity for _, o in strategy.told] == [1, 3, 2, 2]
    assert [o.value for _, o in strategy.told] == [10.0, 30.0, 20.0, 6.0]
    promoted = 2.0 if continues else 3.0  # 3 s for three epochs, minus the 1 s already run
    assert trace.cost_seconds.tolist() == [1.0, promoted, 2.0, 4.0]
    assert trace.metrics["fidelity"].tolist() == [1.0, 3.0, 2.0, 2.0]
    # The incumbent is the best at the highest fidelity seen: config 0 at epoch 3 stays,
    # although later evaluations at epoch 2 come after it.
    assert trace.incumbent_index.tolist() == [0, 0, 0, 0]


def test_epochs_budget_charges_the_epochs_trained() -> None:
    table = _curve_table()
    strategy = Scripted(table.space, order=[(0, 1), (0, 3), (1, 3)], fidelities=(1, 2, 3))
    trace = run_strategy(strategy, table, seed=0, budget=Budget(kind="epochs", amount=5))
    # 1 epoch, then 2 more to reach 3 (continued), then config 1's 3 epochs would make 6 > 5.
    assert trace.config_index.tolist() == [0, 0]
    assert strategy.n_asked == 3


def test_nb201_schedules_are_independent() -> None:
    nb201 = load_objective("nb201/cifar10")
    assert not nb201.info.fidelity_continues
    strategy = Scripted(nb201.space, order=[(7, 12), (7, 200)], fidelities=(12, 200))
    trace = run_strategy(strategy, nb201, seed=3, budget=Budget(kind="epochs", amount=212))
    evaluator = Evaluator(nb201, seed=3, budget=Budget(kind="evaluations", amount=2))
    slot12 = evaluator.evaluate_at(nb201.space.config(7), 12)
    slot200 = evaluator.evaluate_at(nb201.space.config(7), 200)
    assert slot12 is not None
    assert slot200 is not None
    # The 200-epoch run costs all of its training, not the difference from the 12-epoch one.
    assert trace.cost_seconds.tolist() == [slot12[1], slot200[1]]
    assert slot200[1] > slot12[1] * 10
    assert trace.value[0] == pytest.approx(nb201.select(fidelity=12).oracle[7])


class Forced(Strategy):
    """A single-fidelity strategy run through the event loop, for the identity test."""

    name = "forced-events"
    description = "test"

    def __init__(self, inner: Strategy) -> None:
        super().__init__(inner.space, seed=0)
        self.inner = inner

    def ask(self) -> Config:
        return self.inner.ask()

    def tell(self, config: Config, observation: Observation) -> None:
        self.inner.tell(config, observation)


@pytest.mark.parametrize("name", ["random", "evolution", "tpe"])
@pytest.mark.parametrize(
    ("space", "budget"),
    [
        ("nb201/cifar10", Budget(kind="seconds", amount=150_000)),
        ("fcnet/protein", Budget(kind="evaluations", amount=60)),
    ],
)
def test_one_worker_is_the_sequential_loop_exactly(name: str, space: str, budget: Budget) -> None:
    objective = load_objective(space)

    def fresh() -> Strategy:
        return build_strategy(
            name,
            {},
            objective.space,
            seed=5,
            maximize=objective.maximize,
            budget=budget.evaluations,
        )

    sequential = run_strategy(fresh(), objective, seed=5, budget=budget)
    evaluator = Evaluator(objective, seed=5, budget=budget)
    events = _run_events(Forced(fresh()), objective, evaluator, budget=budget, workers=1)
    for field in FIELDS:
        assert np.array_equal(getattr(sequential, field), getattr(events, field), equal_nan=True), (
            field
        )
    assert sequential.metrics.keys() == events.metrics.keys()
    assert events.notes["workers"]["utilisation"] == pytest.approx(1.0)


def test_more_workers_are_deterministic_and_use_the_clock() -> None:
    nb201 = load_objective("nb201/cifar10")
    budget = Budget(kind="seconds", amount=150_000)

    def once() -> Any:
        strategy = build_strategy("evolution", {}, nb201.space, seed=2, maximize=True, budget=None)
        return run_strategy(strategy, nb201, seed=2, budget=budget, workers=4)

    a, b = once(), once()
    for field in FIELDS:
        assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True), field
    one = run_strategy(
        build_strategy("evolution", {}, nb201.space, seed=2, maximize=True, budget=None),
        nb201,
        seed=2,
        budget=budget,
    )
    # Four workers finish about four times the evaluations within the same wall-clock time.
    assert a.n_evaluations > 3 * one.n_evaluations
    assert a.cumulative_cost_seconds[-1] <= 150_000
    assert np.all(np.diff(a.cumulative_cost_seconds) >= 0)
    assert a.notes["workers"]["worker_seconds"] > 3 * 150_000 * 0.9


def test_waiting_with_nothing_running_fails_the_run() -> None:
    class Stuck(Scripted):
        def ask_at(self) -> tuple[Config, int] | None:
            return None

    table = _curve_table()
    trace = run_strategy(
        Stuck(table.space, order=[0], fidelities=(1, 2, 3)),
        table,
        seed=0,
        budget=Budget(kind="evaluations", amount=3),
    )
    assert trace.status == "failed"
    assert "returned None" in (trace.error or "")


def test_multi_fidelity_strategies_are_refused_on_one_fidelity() -> None:
    multi = [n for n in ("hyperband", "asha", "bohb", "successive-halving")]
    from strategies import available_strategies

    present = [n for n in multi if n in available_strategies()]
    if not present:
        pytest.skip("no multi-fidelity strategy registered")
    comparison = Comparison(
        spaces=("fcnet/protein",),
        strategies=((present[0], {}),),
        seeds=(0,),
        budget=Budget(kind="evaluations", amount=10),
    )
    with pytest.raises(ValueError, match="is multi-fidelity but space 'fcnet/protein' offers"):
        plan_comparison(comparison)


def test_cli_sim_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "w"
    argv = [
        "compare",
        "--space",
        "nb201/cifar10",
        "--strategy",
        "random",
        "--budget-seconds",
        "100000",
        "--sim-workers",
        "3",
        "--seeds",
        "2",
        "--workers",
        "0",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    with open_results(out) as store:
        notes = store.run_notes()
    assert {n["workers"]["workers"] for n in notes.values()} == {3}
    assert "simulated workers and the budget per fidelity" in (out / "report.md").read_text()
    capsys.readouterr()
    assert main([*argv[:-2], "--sim-workers", "0", "--out", str(tmp_path / "x")]) == 2
    assert "--sim-workers" in capsys.readouterr().err


def test_compare_hands_multi_fidelity_strategies_their_fidelities(tmp_path: Path) -> None:
    out = tmp_path / "mf"
    argv = [
        "compare",
        "--space",
        "nb201/imagenet16-120",
        "--strategy",
        "asha",
        "--budget-seconds",
        "12000",
        "--sim-workers",
        "4",
        "--seeds",
        "2",
        "--workers",
        "0",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    with open_results(out) as store:
        notes = store.run_notes()
        evaluations = store.evaluations()
    for note in notes.values():
        assert note["diagnostics"]["rungs"] == [12, 200]
        assert note["workers"]["seconds_at_fidelity"]["12"] > 0
    seen = {json.loads(m)["fidelity"] for m in evaluations["metrics"]}
    assert 12.0 in seen
    assert seen <= {12.0, 200.0}


def test_a_fidelity_that_leaves_one_is_refused() -> None:
    comparison = Comparison(
        spaces=("mlp3/digits",),
        strategies=(("hyperband", {}),),
        seeds=(0,),
        budget=Budget(kind="seconds", amount=3),
        fidelity=1,
    )
    with pytest.raises(ValueError, match=r"--fidelity 1 leaves it one fidelity.*offers 1-40\)"):
        plan_comparison(comparison)


def test_a_report_tells_runs_with_different_workers_apart(tmp_path: Path) -> None:
    from harness import compare
    from harness.results import ResultsStore
    from reports import build_report

    out = tmp_path / "mixed"
    with ResultsStore(out) as store:
        for workers in (4, 2):
            comparison = Comparison(
                spaces=("nb201/cifar10",),
                strategies=(("asha", {}),),
                seeds=(0, 1),
                budget=Budget(kind="seconds", amount=12_000),
                sim_workers=workers,
            )
            compare(comparison, store, workers=0)
    report = build_report(out, figures=False)
    (space,) = report.stats["spaces"]
    assert sorted(space["order"]) == ["asha(W=2)", "asha(W=4)"]
