"""Multi-objective searches: hypervolume, normalisation, the scored front, refusals, the CLI."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli import main
from harness import Budget, Comparison, plan_comparison, run_strategy
from harness.results import open_results
from spaces import (
    REFERENCE_LOSS,
    Config,
    Dimension,
    Metric,
    MultiObjective,
    ObjectiveError,
    ObjectiveInfo,
    Provenance,
    RecordedTable,
    Space,
    hypervolume,
    load_objective,
    nondominated,
    objectives_of,
    pareto_metric,
    search_objective,
)
from strategies import Observation, Strategy, build_strategy


def brute_force_hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """Inclusion-exclusion over every subset: exact, and independent of moocore."""
    inside = [p for p in points if np.all(p < reference)]
    total = 0.0
    for size in range(1, len(inside) + 1):
        for subset in itertools.combinations(inside, size):
            corner = np.max(np.array(subset), axis=0)
            total += (-1) ** (size + 1) * float(np.prod(reference - corner))
    return total


@settings(max_examples=60, deadline=None)
@given(
    n_objectives=st.sampled_from([2, 3]),
    data=st.lists(st.floats(0.0, 1.2), min_size=2, max_size=21),
)
def test_hypervolume_matches_brute_force(n_objectives: int, data: list[float]) -> None:
    k = n_objectives
    points = np.array(data[: len(data) // k * k]).reshape(-1, k)
    reference = np.full(k, 1.1)
    assert hypervolume(points, reference) == pytest.approx(
        brute_force_hypervolume(points, reference), abs=1e-12
    )


def test_hypervolume_by_hand_and_at_the_reference() -> None:
    ref = np.array([3.0, 3.0])
    # Two boxes of 2 x 1 and 1 x 2 overlapping in a 1 x 1 square: 2 + 2 - 1.
    assert hypervolume([[1.0, 2.0], [2.0, 1.0]], ref) == pytest.approx(3.0)
    # On or beyond the reference, and non-finite rows, add nothing.
    assert hypervolume([[3.0, 0.0], [0.0, 4.0], [np.inf, 0.0], [np.nan, 1.0]], ref) == 0.0
    assert hypervolume(np.zeros((0, 2)), ref) == 0.0
    with pytest.raises(ValueError, match="finite numbers"):
        hypervolume([[1.0, 1.0]], [np.inf, 1.0])


def test_nondominated_keeps_ties_and_drops_non_finite() -> None:
    losses = np.array([[1, 2], [2, 1], [1, 2], [3, 3], [np.nan, 0.0]], dtype=float)
    assert nondominated(losses).tolist() == [True, True, True, False, False]


def test_metric_names_round_trip() -> None:
    assert pareto_metric(["test_acc", "params"]) == "hv(test_acc,params)"
    assert objectives_of("hv(test_acc,params)") == ("test_acc", "params")
    assert objectives_of("val_acc") == ()
    assert objectives_of(None) == ()


def toy_table(acc: np.ndarray, size: np.ndarray) -> RecordedTable:
    """A one-dimension table of accuracy (maximised) and size (minimised), seeds as columns."""
    n = acc.shape[0]
    space = Space((Dimension(name="d", kind="categorical", choices=tuple(range(n))),))
    info = ObjectiveInfo(
        name="toy/two",
        space=space,
        metrics={
            "acc": Metric(name="acc", direction="maximize"),
            "size": Metric(name="size", direction="minimize"),
        },
        search_metric="acc",
        test_metric=None,
        fidelities=(),
        fidelity=0,
        fully_recorded=True,
        provenance=Provenance(source="test", package="test", licence="none", objective_units=""),
        checksum="toy",
    )
    return RecordedTable(
        info=info,
        runs={"acc": acc, "size": size},
        costs=np.ones_like(acc),
        n_seeds=np.full(n, acc.shape[1], dtype=np.int64),
    )


# Oracle (acc, size): c0 (90, 10) and c1 (80, 2) and c3 (95, 30) are the true front;
# c2 (70, 20) is dominated by c0. c1's two seeds are 70 and 90 (noisy).
ACC = np.array([[90.0, 90.0], [70.0, 90.0], [70.0, 70.0], [95.0, 95.0]])
SIZE = np.array([[10.0, 10.0], [2.0, 2.0], [20.0, 20.0], [30.0, 30.0]])


def test_normalisation_mixes_directions_and_fixes_the_reference() -> None:
    mo = MultiObjective(toy_table(ACC, SIZE), ["acc", "size"])
    assert mo.true_front_configs.tolist() == [3, 0, 1]  # best first objective first
    assert mo.ideal.tolist() == [95.0, 2.0]  # best of each objective over the table
    assert mo.nadir.tolist() == [80.0, 30.0]  # worst of each on the true front
    # 10 % of the front's range beyond the nadir, in each objective's own direction.
    assert mo.reference.tolist() == pytest.approx([78.5, 32.8])
    assert mo.losses(np.array([95.0, 2.0])).tolist() == [0.0, 0.0]
    assert mo.losses(np.array([80.0, 30.0])).tolist() == pytest.approx([1.0, 1.0])
    assert mo.losses(np.array([np.nan, 2.0]))[0] == math.inf
    # True front in normalised losses: (1/3, 8/28), (1, 0), (0, 1); reference 1.1.
    front = np.array([[1 / 3, 8 / 28], [1.0, 0.0], [0.0, 1.0]])
    expected = brute_force_hypervolume(front, np.full(2, REFERENCE_LOSS))
    assert mo.optimum == pytest.approx(expected)
    assert mo.info.search_metric == "hv(acc,size)"
    assert mo.maximize
    assert mo.info.test_metric is None
    # The scalarisation a single-objective strategy sees: 1 - mean normalised loss.
    assert mo.scalarize(np.array([90.0, 10.0])) == pytest.approx(1 - (1 / 3 + 8 / 28) / 2)


class Scripted(Strategy):
    """Proposes a fixed sequence and keeps what it is told."""

    name = "scripted-mo"
    description = "test"
    multi_objective = True

    def __init__(self, space: Space, *, order: list[int], **kwargs: object) -> None:
        super().__init__(space, seed=0, **kwargs)  # type: ignore[arg-type]
        self.order = list(order)
        self.told: list[Observation] = []

    def ask(self) -> Config:
        return self.space.config(self.order[len(self.told)])

    def tell(self, config: Config, observation: Observation) -> None:
        self.told.append(observation)


def test_scored_front_step_by_step() -> None:
    steady = ACC.copy()
    steady[1] = 80.0  # c1 without noise: observed as its oracle
    mo = MultiObjective(toy_table(steady, SIZE), ["acc", "size"])
    # Run seed 0 draws one slot per config; the sequence c2, c0, c1, c3 grows the front.
    strategy = Scripted(mo.space, order=[2, 0, 1, 3], objectives=mo.objectives)
    trace = run_strategy(strategy, mo, seed=0, budget=Budget(kind="evaluations", amount=4))
    observed = [tuple(o.values) for o in strategy.told]
    assert [o[1] for o in observed] == [20.0, 10.0, 2.0, 30.0]
    assert all(len(o.values) == 2 for o in strategy.told)
    # The scalar value told is the scalarisation of what was observed.
    assert [o.value for o in strategy.told] == pytest.approx(
        [float(mo.scalarize(np.array(v))) for v in observed]
    )
    ref = np.full(2, REFERENCE_LOSS)
    oracle = {c: mo.losses(mo.oracle_objectives(np.array([c]))[0]) for c in range(4)}
    by_hand = [
        hypervolume([oracle[2]], ref),  # c2 alone
        hypervolume([oracle[0]], ref),  # c0 dominates c2: c2 leaves the front
        hypervolume([oracle[0], oracle[1]], ref),  # c1 joins c0
        mo.optimum,  # c3 completes the true front
    ]
    assert trace.incumbent_value[0] == pytest.approx(by_hand[0])
    assert trace.incumbent_value[1] == pytest.approx(by_hand[1])
    assert trace.incumbent_value[2] == pytest.approx(by_hand[2])
    assert trace.incumbent_value[3] == pytest.approx(mo.optimum)
    assert trace.final_regret == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(trace.regret) <= 1e-12)
    note = trace.notes["pareto"]
    assert note["objectives"] == ["acc", "size"]
    assert note["configs"] == [0, 1, 3]
    assert note["reference"] == pytest.approx(mo.reference.tolist())
    assert note["true_hypervolume"] == pytest.approx(mo.optimum)


def test_a_noisy_observation_can_lower_the_scored_hypervolume() -> None:
    # c1 observed at 90 % (its lucky seed) dominates c0 (90, 10) on what was observed, so c0
    # leaves the observed front; scored on c1's oracle (80, 2), the volume falls.
    mo = MultiObjective(toy_table(ACC, SIZE), ["acc", "size"])
    for seed in range(50):
        strategy = Scripted(mo.space, order=[0, 1], objectives=mo.objectives)
        trace = run_strategy(strategy, mo, seed=seed, budget=Budget(kind="evaluations", amount=2))
        if strategy.told[1].values[0] == 90.0:
            break
    else:
        pytest.fail("no run seed drew c1's 90 % seed")
    ref = np.full(2, REFERENCE_LOSS)
    c0 = mo.losses(np.array([90.0, 10.0]))
    c1 = mo.losses(np.array([80.0, 2.0]))
    assert trace.incumbent_value.tolist() == pytest.approx(
        [hypervolume([c0], ref), hypervolume([c1], ref)]
    )
    assert trace.incumbent_value[1] < trace.incumbent_value[0]
    assert trace.notes["pareto"]["configs"] == [1]


def test_objective_refusals() -> None:
    macro = load_objective("macro/cifar10")
    with pytest.raises(ObjectiveError, match="two or more"):
        MultiObjective(macro, ["test_acc"])
    with pytest.raises(ObjectiveError, match="twice"):
        MultiObjective(macro, ["params", "params"])
    with pytest.raises(ObjectiveError, match="no metric 'foo'"):
        MultiObjective(macro, ["test_acc", "foo"])
    graph = load_objective("nasbench-graph/cora")
    with pytest.raises(ObjectiveError, match="test metric"):
        MultiObjective(graph, ["val_acc", "test_acc"])
    nb201 = load_objective("nb201/cifar10")  # searched at 200 epochs
    with pytest.raises(ObjectiveError, match="not recorded by an evaluation at fidelity 200"):
        MultiObjective(nb201, ["val_acc@12", "model_size"])
    with pytest.raises(ObjectiveError, match="not fully recorded"):
        MultiObjective(load_objective("synthetic/open"), ["val_acc", "params"])


def test_nb201_at_twelve_epochs_searches_its_own_metrics() -> None:
    mo = search_objective(
        load_objective("nb201/cifar10"), metric="hv(val_acc@12,latency)", fidelity=12
    )
    assert isinstance(mo, MultiObjective)
    assert mo.info.fidelity == 12
    assert len(mo.true_front) >= 2


def test_single_objective_strategies_are_refused_unless_scalarized() -> None:
    def comparison(**kw: object) -> Comparison:
        return Comparison(
            spaces=("macro/cifar10",),
            strategies=(("random", {}), ("tpe", {})),
            seeds=(0,),
            budget=Budget(kind="evaluations", amount=10),
            metric="hv(test_acc,params)",
            **kw,  # type: ignore[arg-type]
        )

    with pytest.raises(ValueError, match=r"strategy 'tpe' optimises one objective.*--scalarize"):
        plan_comparison(comparison())
    specs, objectives = plan_comparison(comparison(scalarize=True))
    assert {s.metric for s in specs} == {"hv(test_acc,params)"}
    assert isinstance(objectives["macro/cifar10"], MultiObjective)


def test_objectives_reach_only_multi_objective_strategies() -> None:
    mo = search_objective(load_objective("macro/cifar10"), metric="hv(test_acc,params)")
    assert isinstance(mo, MultiObjective)
    rand = build_strategy(
        "random", {}, mo.space, seed=0, maximize=True, budget=5, objectives=mo.objectives
    )
    tpe = build_strategy(
        "tpe", {}, mo.space, seed=0, maximize=True, budget=5, objectives=mo.objectives
    )
    assert [m.name for m in rand.objectives] == ["test_acc", "params"]
    assert tpe.objectives == ()


def test_runs_are_deterministic() -> None:
    mo = search_objective(load_objective("macro/cifar10"), metric="hv(test_acc,flops)")
    assert isinstance(mo, MultiObjective)

    def once() -> tuple[list[int], list[float]]:
        strategy = build_strategy(
            "random", {}, mo.space, seed=3, maximize=True, budget=30, objectives=mo.objectives
        )
        trace = run_strategy(strategy, mo, seed=3, budget=Budget(kind="evaluations", amount=30))
        return trace.config_index.tolist(), trace.incumbent_value.tolist()

    assert once() == once()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--objectives", "test_acc"], "must name two or more metrics"),
        (["--objectives", "test_acc,params", "--metric", "params"], "give one"),
        (["--scalarize"], "--scalarize applies only with --objectives"),
        (["--objectives", "test_acc,foo"], "no metric 'foo'"),
        (["--objectives", "test_acc,params", "--strategy", "tpe"], "optimises one objective"),
        (
            ["--objectives", "test_acc,params", "--report-metric", "flops"],
            "reports the hypervolume",
        ),
    ],
)
def test_cli_usage_errors(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["compare", "--space", "macro/cifar10", "--budget", "5", "--out", str(tmp_path / "o")]
    code = main([*base, *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o" / "results.sqlite").exists()


def test_cli_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "mo"
    argv = [
        "compare",
        "--space",
        "macro/cifar10",
        "--objectives",
        "test_acc,params",
        "--strategy",
        "random",
        "--strategy",
        "tpe",
        "--scalarize",
        "--seeds",
        "2",
        "--budget",
        "20",
        "--workers",
        "0",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    with open_results(out) as store:
        runs = store.runs()
        notes = store.run_notes()
        spaces = store.spaces()
    assert set(runs["status"]) == {"finished"}
    assert set(spaces["metric"]) == {"hv(test_acc,params)"}
    assert (runs["final_regret"] >= 0).all()
    assert all(n["pareto"]["objectives"] == ["test_acc", "params"] for n in notes.values())
    assert (out / "report.md").is_file()
    # A rerun resumes: nothing runs again.
    assert main(argv) == 0


def test_simulated_workers_tell_every_objective() -> None:
    mo = MultiObjective(toy_table(ACC, SIZE), ["acc", "size"])
    strategy = Scripted(mo.space, order=[0, 1, 2, 3], objectives=mo.objectives)
    trace = run_strategy(
        strategy, mo, seed=0, budget=Budget(kind="evaluations", amount=4), workers=2
    )
    assert trace.n_evaluations == 4
    assert all(len(o.values) == 2 for o in strategy.told)
    assert trace.notes["workers"]["workers"] == 2
    assert trace.notes["pareto"]["objectives"] == ["acc", "size"]


def test_a_seconds_budget_on_a_table_without_costs_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # macro/cifar10 records no training time: a seconds budget would never run out.
    argv = ["compare", "--space", "macro/cifar10", "--objectives", "test_acc,params"]
    code = main([*argv, "--budget-seconds", "100", "--out", str(tmp_path / "o")])
    assert code == 2
    assert "records zero training costs" in capsys.readouterr().err
