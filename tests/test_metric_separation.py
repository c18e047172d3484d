"""Search metric vs report metric (issue 13, item 3): a strategy sees only the search metric.

The NB201 protocol searches 12-epoch validation accuracy (charged 12-epoch seconds) and
reports the 200-epoch accuracy of the incumbent; nothing of the report metric may reach the
strategy, and a run stores the incumbent's report metric beside its search metric.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from cli import main
from harness import (
    Budget,
    Comparison,
    ResultsStore,
    RunTrace,
    compare,
    plan_comparison,
    run_strategy,
)
from spaces import Config, Objective, ObjectiveError, Space, load_objective
from strategies import Observation, Strategy

PROTOCOL = ["--space", "nb201/cifar100", "--search-metric", "val_acc@12"]


class Spy(Strategy):
    """Random configs; keeps everything it is told."""

    name = "spy"
    description = "test double"

    def __init__(
        self, space: Space, *, seed: int, maximize: bool = True, budget: int | None = None
    ) -> None:
        super().__init__(space, seed=seed, maximize=maximize, budget=budget)
        self.told: list[tuple[Config, Observation]] = []

    def ask(self) -> Config:
        return self.space.sample(self.rng)

    def tell(self, config: Config, observation: Observation) -> None:
        self.told.append((config, observation))


def _spy_run(objective: Objective, seed: int = 0) -> tuple[Spy, RunTrace]:
    spy = Spy(objective.space, seed=seed)
    trace = run_strategy(spy, objective, seed=seed, budget=Budget(kind="seconds", amount=3000))
    return spy, trace


def test_a_strategy_sees_the_search_metric_only_never_the_report_metric() -> None:
    base = load_objective("nb201/cifar100")
    searched = base.select(metric="val_acc@12").reporting("val_acc@200")
    assert searched.info.reported == "val_acc@200"
    spy, trace = _spy_run(searched)
    assert spy.told
    rows = np.array([searched.space.index(c) for c, _ in spy.told])
    for (_, observation), row in zip(spy.told, rows, strict=True):
        # The observation carries two numbers, the search metric and its cost; the fields of
        # several objectives and of a chosen fidelity stay empty on this search.
        fields = [f.name for f in dataclasses.fields(observation)]
        assert fields == ["value", "cost_seconds", "values", "fidelity"]
        assert observation.values == ()
        assert observation.fidelity == 0
        assert observation.value == base.oracle_values(np.array([row]), "val_acc@12")[0]
    twelve = np.array([o.value for _, o in spy.told])
    final = base.oracle_values(rows, "val_acc@200")
    live = twelve != final  # the dead cells are at chance at both fidelities
    assert live.any()
    # Costs are charged at 12 epochs: the recorded 200-epoch seconds x 12/200.
    slots = trace.slot
    np.testing.assert_allclose(
        [o.cost_seconds for _, o in spy.told],
        base.costs[rows, slots] * 12 / 200,
    )
    # The same run with another report metric (or none) shows the strategy the same numbers.
    other, _ = _spy_run(base.select(metric="val_acc@12").reporting("latency"))
    plain, _ = _spy_run(base.select(metric="val_acc@12"))
    assert [(c, o.value) for c, o in spy.told] == [(c, o.value) for c, o in other.told]
    assert [(c, o.value) for c, o in spy.told] == [(c, o.value) for c, o in plain.told]


def test_the_trace_scores_the_incumbent_on_both_metrics() -> None:
    base = load_objective("nb201/cifar100")
    searched = base.select(metric="val_acc@12").reporting("val_acc@200")
    _, trace = _spy_run(searched, seed=3)
    inc = trace.incumbent_index
    np.testing.assert_array_equal(trace.incumbent_value, base.oracle_values(inc, "val_acc@12"))
    np.testing.assert_array_equal(trace.incumbent_test, base.oracle_values(inc, "val_acc@200"))
    twelve_optimum = float(np.max(base.oracle_values(np.arange(15_625), "val_acc@12")))
    np.testing.assert_allclose(trace.regret, twelve_optimum - trace.incumbent_value)
    # Only metrics a 12-epoch training run records are stored per evaluation.
    assert set(trace.metrics) == {"val_acc@12", "test_acc@12", "model_size", "latency"}


def _comparison(**kwargs: object) -> Comparison:
    return Comparison(
        spaces=("nb201/cifar100",),
        strategies=(("random", {}),),
        seeds=(0, 1),
        budget=Budget(kind="seconds", amount=2000),
        **kwargs,  # type: ignore[arg-type]
    )


def test_run_keys_change_only_when_the_report_metric_changes_what_is_stored() -> None:
    default, _ = plan_comparison(_comparison(metric="val_acc@12"))
    same, _ = plan_comparison(_comparison(metric="val_acc@12", report_metric="val_acc@200"))
    other, _ = plan_comparison(_comparison(metric="val_acc@12", report_metric="test_acc@12"))
    assert [s.key for s in default] == [s.key for s in same]
    assert all(s.report_metric is None for s in same)
    assert not {s.key for s in other} & {s.key for s in default}
    assert {s.report_metric for s in other} == {"test_acc@12"}
    with pytest.raises(ObjectiveError, match="has no metric 'nope'"):
        plan_comparison(_comparison(report_metric="nope"))


def test_the_store_records_the_report_metric_and_refuses_to_mix_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ResultsStore(tmp_path / "cmp") as store:
        compare(_comparison(metric="val_acc@12"), store, workers=0)
        spaces = store.spaces()
        runs = store.runs()
    assert spaces["test_metric"].tolist() == ["val_acc@200"]
    assert spaces["metric"].tolist() == ["val_acc@12"]
    assert spaces["fidelity"].tolist() == [12]
    final = load_objective("nb201/cifar100").oracle_values(np.arange(15_625), "val_acc@200")
    assert set(runs["final_test"]) <= set(final.tolist())
    code = main(
        [
            "compare",
            *PROTOCOL,
            "--report-metric",
            "test_acc@12",
            "--strategy",
            "random",
            "--seeds",
            "1",
            "--budget-seconds",
            "2000",
            "--out",
            str(tmp_path / "cmp"),
            "--quiet",
            "--workers",
            "0",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "report val_acc@200 beside it, this comparison test_acc@12" in err


def test_search_metric_and_its_alias_metric_plan_the_same_runs(tmp_path: Path) -> None:
    keys = []
    for flag in ("--search-metric", "--metric"):
        out = tmp_path / flag.strip("-")
        args = ["compare", "--space", "nb201/cifar10", flag, "val_acc@12", "--strategy", "random"]
        assert main([*args, "--seeds", "1", "--budget", "5", "--out", str(out), "--quiet"]) == 0
        with ResultsStore(out, create=False) as store:
            keys.append(store.runs()["run_key"].tolist())
    assert keys[0] == keys[1]
