"""Test kit: a tiny in-memory table and the contract every strategy must keep.

Third-party strategies use it the same way this repository does::

    from harness.testing import StrategyContract

    class TestMyStrategy(StrategyContract):
        strategy_name = "my-strategy"

Every registered strategy is checked by ``tests/test_strategy_contract.py`` through this
class; pytest is needed only when this module is imported.
"""

from __future__ import annotations

import dataclasses
import json
import random
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pytest

from harness._loop import run_strategy
from harness.capabilities import tags_of
from harness.run_types import Budget, RunTrace
from spaces import (
    CurveTable,
    Dimension,
    Evaluation,
    FidelityTable,
    Metric,
    MultiObjective,
    Objective,
    ObjectiveInfo,
    Provenance,
    RecordedTable,
    Space,
    nb201_cell_space,
)
from strategies import WEIGHT_SHARING, Observation, Strategy, build_strategy

_TOY_PROVENANCE = Provenance(
    source="synthetic test table",
    package="harness.testing",
    licence="Apache-2.0",
    objective_units="arbitrary",
)


def _toy_info(name: str, space: Space, direction: str, checksum: str) -> ObjectiveInfo:
    """What a synthetic test table declares: one ``score`` metric, no fidelity or test metric."""
    return ObjectiveInfo(
        name=name,
        space=space,
        metrics={
            "score": Metric(
                name="score",
                direction="minimize" if direction == "minimize" else "maximize",
                units="arbitrary",
            )
        },
        search_metric="score",
        test_metric=None,
        fidelities=(),
        fidelity=0,
        fully_recorded=True,
        provenance=_TOY_PROVENANCE,
        checksum=checksum,
    )


def toy_benchmark(
    *, direction: str = "maximize", tiny: bool = False, n_seeds: int = 3
) -> RecordedTable:
    """A small table with a known structure, for tests.

    The default space mixes a categorical (4 choices), an ordinal (5) and a categorical (3)
    dimension: 60 configs. Its objective has a single optimum plus seed noise, so a strategy
    that learns has something to find. ``tiny=True`` gives a 2-config space (for exhaustion).
    """
    if tiny:
        space = Space((Dimension(name="only", kind="categorical", choices=("a", "b")),))
    else:
        space = Space(
            (
                Dimension(name="op", kind="categorical", choices=("conv", "pool", "skip", "none")),
                Dimension(name="width", kind="ordinal", choices=(16, 32, 64, 128, 256)),
                Dimension(name="act", kind="categorical", choices=("relu", "tanh", "gelu")),
            )
        )
    n = space.n_configs
    configs = space.configs(np.arange(n)).astype(float)
    if tiny:
        base = 50.0 + configs[:, 0]
    else:
        base = 50.0 + 10.0 * (configs[:, 0] == 0) - 2.0 * (configs[:, 1] - 3.0) ** 2
        base = base + 3.0 * (configs[:, -1] == 1)
    noise = np.random.default_rng(7).normal(0.0, 0.5, size=(n, n_seeds))
    values = base[:, None] + noise
    if direction == "minimize":
        values = -values
    costs = 10.0 + configs[:, -1:] + np.arange(n_seeds)[None, :]
    name = "toy/tiny" if tiny else "toy/mixed"
    info = _toy_info(name, space, direction, "toy-tiny" if tiny else f"toy-mixed-{direction}")
    return RecordedTable(
        info=info,
        runs={"score": values},
        costs=costs,
        n_seeds=np.full(n, n_seeds, dtype=np.int64),
    )


def _toy_space() -> Space:
    return Space(
        (
            Dimension(name="op", kind="categorical", choices=("conv", "pool", "skip", "none")),
            Dimension(name="width", kind="ordinal", choices=(16, 32, 64, 128, 256)),
            Dimension(name="act", kind="categorical", choices=("relu", "tanh", "gelu")),
        )
    )


def _toy_base(space: Space) -> npt.NDArray[np.float64]:
    configs = space.configs(np.arange(space.n_configs)).astype(float)
    base = 50.0 + 10.0 * (configs[:, 0] == 0) - 2.0 * (configs[:, 1] - 3.0) ** 2
    return np.asarray(base + 3.0 * (configs[:, -1] == 1), dtype=np.float64)


TOY_EPOCHS = 8
"""The full fidelity (epochs) of `toy_fidelity_benchmark` and `toy_curve_benchmark`."""


def toy_fidelity_benchmark(n_seeds: int = 3) -> FidelityTable:
    """`toy_benchmark`'s configs recorded at 2 and 8 epochs, independent schedules.

    As NAS-Bench-201's 12- and 200-epoch runs: a 2-epoch run is a training of its own (a
    quarter of the cost, a noisier and lower score), and an 8-epoch one costs its whole
    training whatever ran before.
    """
    space = _toy_space()
    n = space.n_configs
    base = _toy_base(space)
    rng = np.random.default_rng(17)
    short = 0.8 * base[:, None] + rng.normal(0.0, 1.5, size=(n, n_seeds))
    full = base[:, None] + rng.normal(0.0, 0.5, size=(n, n_seeds))
    costs = 10.0 + np.arange(n_seeds)[None, :] + np.zeros((n, 1))
    info = ObjectiveInfo(
        name="toy/fidelities",
        space=space,
        metrics={
            f"score@{f}": Metric(name=f"score@{f}", direction="maximize", units="arbitrary")
            for f in (2, TOY_EPOCHS)
        },
        search_metric=f"score@{TOY_EPOCHS}",
        test_metric=None,
        fidelities=(2, TOY_EPOCHS),
        fidelity=TOY_EPOCHS,
        fully_recorded=True,
        provenance=_TOY_PROVENANCE,
        checksum="toy-fidelities",
    )
    return FidelityTable(
        info=info,
        runs={"score@2": short, f"score@{TOY_EPOCHS}": full},
        costs={2: costs / 4, TOY_EPOCHS: costs},
        n_seeds=np.full(n, n_seeds, dtype=np.int64),
        metric_fidelity={"score@2": 2, f"score@{TOY_EPOCHS}": TOY_EPOCHS},
        default_metric={2: "score@2", TOY_EPOCHS: f"score@{TOY_EPOCHS}"},
    )


def toy_curve_benchmark(n_seeds: int = 3) -> CurveTable:
    """`toy_benchmark`'s configs with learning curves: epochs 1..8, each continuing the last.

    A config's score rises towards its final value with every epoch; a training of e epochs
    costs e seconds (promoting a config costs only the epochs it adds).
    """
    space = _toy_space()
    n = space.n_configs
    base = _toy_base(space)
    noise = np.random.default_rng(19).normal(0.0, 0.5, size=(n, n_seeds))
    epochs = np.arange(1, TOY_EPOCHS + 1, dtype=np.float64)
    curve = (base[:, None] + noise)[:, :, None] * (1.0 - 0.5**epochs)[None, None, :]
    cost_curve = np.broadcast_to(epochs, (n, n_seeds, TOY_EPOCHS)).copy()
    info = _toy_info("toy/curves", space, "maximize", "toy-curves")
    return CurveTable(
        info=info,
        runs={"score": curve[:, :, -1]},
        costs=cost_curve[:, :, -1],
        n_seeds=np.full(n, n_seeds, dtype=np.int64),
        curves={"score": curve},
        cost_curve=cost_curve,
    )


def toy_multi_objective() -> MultiObjective:
    """`toy_benchmark`'s score and a model size searched at once (``hv(score,size)``)."""
    space = _toy_space()
    n = space.n_configs
    base = _toy_base(space)
    widths = np.asarray(space.dimensions[1].choices, dtype=np.float64)
    size = widths[space.configs(np.arange(n))[:, 1]]
    noise = np.random.default_rng(23).normal(0.0, 0.5, size=(n, 3))
    info = dataclasses.replace(
        _toy_info("toy/two-objectives", space, "maximize", "toy-two-objectives"),
        metrics={
            "score": Metric(name="score", direction="maximize", units="arbitrary"),
            "size": Metric(name="size", direction="minimize", units="units"),
        },
    )
    table = RecordedTable(
        info=info,
        runs={"score": base[:, None] + noise, "size": np.repeat(size[:, None], 3, axis=1)},
        costs=np.full((n, 3), 10.0),
        n_seeds=np.full(n, 3, dtype=np.int64),
    )
    return MultiObjective(table, ["score", "size"])


TOY_SEARCH_SECONDS = 5.0
"""What `toy_cell_benchmark` charges for any supernet search (its "recorded" seconds)."""


class _ToyCells(RecordedTable):
    """A synthetic table on NAS-Bench-201's cell space that also offers a tiny supernet.

    ``supernet`` runs a weight-sharing search for real on a tiny task (random 4x4 images,
    2 channels, 1 epoch: well under a second) and records it by key like
    `spaces.training.CellObjective`, charging `TOY_SEARCH_SECONDS`.
    """

    def supernet(self, key: Any, search: Any, *, seed: int) -> Any:
        from spaces.training import SupernetRecord

        full = json.dumps({**dict(key), "seed": int(seed)}, sort_keys=True)
        records: dict[str, Any] = self.__dict__.setdefault("_records", {})
        if full not in records:
            task = tiny_supernet_task(seed)
            records[full] = SupernetRecord(
                key=json.loads(full),
                seconds=TOY_SEARCH_SECONDS,
                diagnostic_seconds=task.diagnostic_seconds,
                result=search(task),
                device_name="cpu",
            )
        return records[full]


def tiny_supernet_task(seed: int) -> Any:
    """A `spaces.training.SupernetTask` small enough for tests: 96 random 4x4 images."""
    import torch

    from spaces.training import CellRecipe, Skeleton, SupernetTask

    recipe = CellRecipe(
        dataset="digits",
        epochs=1,
        batch_size=16,
        learning_rate=3e-3,
        weight_decay=0.0,
        channels=2,
        cells_per_stage=1,
        image_size=4,
    )
    generator = torch.Generator().manual_seed(1234)  # the data is fixed; the seed is the run's
    x = torch.randn((96, 1, 4, 4), generator=generator)
    y = (x.mean(dim=(1, 2, 3)) > 0).long()
    return SupernetTask(
        recipe=recipe,
        seed=seed,
        x_train=x[:64],
        y_train=y[:64],
        x_val=x[64:],
        y_val=y[64:],
        skeleton=Skeleton(in_channels=1, channels=2, cells_per_stage=1, n_classes=2),
        device=torch.device("cpu"),
    )


def toy_cell_benchmark(*, direction: str = "maximize", n_seeds: int = 3) -> RecordedTable:
    """A synthetic table on NAS-Bench-201's cell space, with a tiny supernet (`_ToyCells`).

    The value rewards ``nor_conv_3x3`` on every edge (plus seed noise); every evaluation
    costs 1 s, so a seconds budget of ``TOY_SEARCH_SECONDS + n`` buys ``n`` evaluations.
    """
    space = nb201_cell_space()
    n = space.n_configs
    configs = space.configs(np.arange(n))
    conv = np.array([str(c) == "nor_conv_3x3" for c in space.dimensions[0].choices])
    base = 50.0 + 2.0 * conv[configs].sum(axis=1)
    noise = np.random.default_rng(11).normal(0.0, 0.5, size=(n, n_seeds))
    values = base[:, None] + noise
    if direction == "minimize":
        values = -values
    info = _toy_info("toy/cells", space, direction, f"toy-cells-{direction}")
    return _ToyCells(
        info=info,
        runs={"score": values},
        costs=np.ones((n, n_seeds)),
        n_seeds=np.full(n, n_seeds, dtype=np.int64),
    )


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging) if the block runs longer than ``seconds``."""

    def _raise(signum: int, frame: object) -> None:
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _global_rng_state() -> tuple[Any, ...]:
    torch_state = None
    if "torch" in sys.modules:
        torch_state = sys.modules["torch"].get_rng_state().numpy().tobytes()
    return (random.getstate(), repr(np.random.get_state()), torch_state)  # noqa: NPY002


WIDE_SIZES = tuple(range(8, 1025))
"""Choices of each layer of `wide_objective` (as ``mlpwide``: every whole size 8..1024)."""


class _WideObjective(Objective):
    """Three ordinal layer sizes of 1,017 values each: a closed-form, noisy, open objective."""

    _TARGETS = (300.0, 150.0, 60.0)

    def __init__(self) -> None:
        dims = tuple(
            Dimension(name=f"h{i + 1}", kind="ordinal", choices=WIDE_SIZES, log=True)
            for i in range(3)
        )
        self.info = ObjectiveInfo(
            name="toy/wide",
            space=Space(dims),
            metrics={"acc": Metric(name="acc", direction="maximize", units="percent")},
            search_metric="acc",
            test_metric=None,
            fidelities=(1,),
            fidelity=1,
            fully_recorded=False,
            provenance=Provenance(
                source="closed-form test objective",
                package="nas-harness",
                licence="Apache-2.0",
                objective_units="percent",
                cost_units="seconds (synthetic)",
                hardware="none",
                gpu_trained=False,
            ),
            checksum="toy-wide-v1",
        )

    def n_slots(self, index: int) -> int:
        """Three noisy repeats per config."""
        return 3

    def select(self, *, metric: str | None = None, fidelity: int | None = None) -> Objective:
        """Itself: one metric, one fidelity."""
        self.validate_selection(metric=metric, fidelity=fidelity)
        return self

    def evaluate(self, index: int, slot: int) -> Evaluation:
        """A smooth peak in log-size, plus noise seeded by (config, slot)."""
        sizes = [WIDE_SIZES[c] for c in self.space.config(index)]
        peak = sum(
            (np.log2(h) - np.log2(t)) ** 2 for h, t in zip(sizes, self._TARGETS, strict=True)
        )
        noise = float(np.random.default_rng([index, slot, 7]).normal(0.0, 0.3))
        value = 95.0 - 2.0 * float(peak) + noise
        return Evaluation(value=value, cost_seconds=1.0 + sum(sizes) / 1000, metrics={"acc": value})


def wide_objective() -> Objective:
    """An open objective over three layer sizes of 8..1024 each (about 10^9 configs).

    For checking that a strategy copes with large ordinal dimensions, as on ``mlpwide``:
    nothing may enumerate the space.
    """
    return _WideObjective()


class StrategyContract:
    """Checks every strategy must pass. Subclass and set `strategy_name` (and options)."""

    strategy_name: ClassVar[str]
    strategy_options: ClassVar[dict[str, Any]] = {}
    n_evaluations: ClassVar[int] = 25

    @property
    def searches_supernet(self) -> bool:
        """Whether the strategy searches a supernet: it runs on `toy_cell_benchmark`."""
        return WEIGHT_SHARING in tags_of(self.strategy_name)

    def bench(self, *, direction: str = "maximize") -> RecordedTable:
        """The table the contract runs on: `toy_benchmark`, or cells for weight sharing."""
        if self.searches_supernet:
            return toy_cell_benchmark(direction=direction)
        return toy_benchmark(direction=direction)

    def budget(self, n: int) -> Budget:
        """A budget that buys ``n`` evaluations (in seconds, after a toy supernet search)."""
        if self.searches_supernet:
            return Budget(kind="seconds", amount=TOY_SEARCH_SECONDS + n)
        return Budget(kind="evaluations", amount=n)

    def make(self, bench: RecordedTable, seed: int, budget: int | None = None) -> Strategy:
        """A fresh strategy for ``bench``."""
        return build_strategy(
            self.strategy_name,
            dict(self.strategy_options),
            bench.space,
            seed=seed,
            maximize=bench.maximize,
            budget=budget if budget is not None else self.n_evaluations,
        )

    def run(self, bench: RecordedTable, seed: int, n: int | None = None) -> RunTrace:
        """One run of ``n`` evaluations through the harness loop; it must finish."""
        n = n or self.n_evaluations
        trace = run_strategy(self.make(bench, seed, n), bench, seed=seed, budget=self.budget(n))
        assert trace.status == "finished", trace.traceback
        assert trace.n_evaluations == n
        return trace

    def test_has_name_and_description(self) -> None:
        cls = type(self.make(self.bench(), 0))
        assert cls.name == self.strategy_name
        assert isinstance(cls.description, str)
        assert cls.description.strip()

    def test_suggestions_are_valid_configs(self) -> None:
        bench = self.bench()
        strategy = self.make(bench, 0)
        for _ in range(self.n_evaluations):
            config = strategy.ask()
            assert bench.space.is_valid(config), config
            i = bench.space.index(config)
            strategy.tell(config, Observation(float(bench.oracle[i]), 1.0))

    def test_same_seed_gives_same_run(self) -> None:
        bench = self.bench()
        a, b = self.run(bench, 3), self.run(bench, 3)
        np.testing.assert_array_equal(a.config_index, b.config_index)

    def test_different_seeds_differ(self) -> None:
        bench = self.bench()
        runs = {tuple(self.run(bench, seed).config_index.tolist()) for seed in range(4)}
        assert len(runs) > 1

    def test_interleaved_instances_are_independent(self) -> None:
        bench = self.bench()
        first, second = self.make(bench, 1), self.make(bench, 2)
        seen: list[list[int]] = [[], []]
        for _ in range(self.n_evaluations):
            for k, strategy in enumerate((first, second)):
                config = strategy.ask()
                i = bench.space.index(config)
                seen[k].append(i)
                # Same observations as in the lone runs: slot 0 of each config's records.
                strategy.tell(config, Observation(float(bench.values[i, 0]), 1.0))
        lone = []
        for s in (1, 2):
            strategy = self.make(bench, s)
            out = []
            for _ in range(self.n_evaluations):
                config = strategy.ask()
                i = bench.space.index(config)
                out.append(i)
                strategy.tell(config, Observation(float(bench.values[i, 0]), 1.0))
            lone.append(out)
        assert seen == lone

    def test_global_rng_untouched_and_unused(self) -> None:
        bench = self.bench()
        random.seed(1)
        np.random.seed(1)  # noqa: NPY002 - the point is to check that nobody uses this state
        before = _global_rng_state()
        first = self.run(bench, 5).config_index
        assert _global_rng_state() == before
        random.seed(99)
        np.random.seed(99)  # noqa: NPY002
        if "torch" in sys.modules:
            sys.modules["torch"].manual_seed(99)
        second = self.run(bench, 5).config_index
        np.testing.assert_array_equal(first, second)

    def test_nan_and_tied_observations(self) -> None:
        bench = self.bench()
        for feed in (float("nan"), 1.0):
            strategy = self.make(bench, 0)
            for step in range(self.n_evaluations):
                config = strategy.ask()
                assert bench.space.is_valid(config)
                value = feed if step % 2 == 0 else 1.0
                strategy.tell(config, Observation(value, 1.0))

    def test_minimize_direction(self) -> None:
        bench = self.bench(direction="minimize")
        trace = self.run(bench, 0)
        assert np.all(np.isfinite(trace.regret))

    def test_tiny_space_is_exhausted_without_hanging(self) -> None:
        if self.searches_supernet:
            pytest.skip("a weight-sharing strategy runs only on a cell space")
        bench = toy_benchmark(tiny=True)
        with time_limit(60):
            trace = run_strategy(
                self.make(bench, 0, budget=12),
                bench,
                seed=0,
                budget=Budget(kind="evaluations", amount=12),
            )
        assert trace.status == "finished", trace.traceback
        assert trace.n_evaluations == 12
        assert trace.n_unique <= 2

    def test_large_ordinal_dimensions(self) -> None:
        """Three layer sizes of 1,017 values each (10^9 configs, as mlpwide).

        A run finishes in reasonable time and explores rather than repeating itself.
        """
        if self.searches_supernet:
            pytest.skip("a weight-sharing strategy runs only on a cell space")
        objective = wide_objective()
        n = 24
        strategy = build_strategy(
            self.strategy_name,
            dict(self.strategy_options),
            objective.space,
            seed=0,
            maximize=True,
            budget=n,
        )
        with time_limit(300):
            trace = run_strategy(
                strategy, objective, seed=0, budget=Budget(kind="evaluations", amount=n)
            )
        assert trace.status == "finished", trace.traceback
        assert trace.n_evaluations == n
        assert trace.n_unique >= n // 2

    def test_runs_under_a_seconds_budget(self) -> None:
        bench = self.bench()
        strategy = build_strategy(
            self.strategy_name,
            dict(self.strategy_options),
            bench.space,
            seed=0,
            maximize=True,
            budget=None,
        )
        trace = run_strategy(strategy, bench, seed=0, budget=Budget(kind="seconds", amount=300))
        assert trace.status == "finished", trace.traceback
        assert trace.cumulative_cost_seconds[-1] <= 300


__all__ = [
    "TOY_EPOCHS",
    "TOY_SEARCH_SECONDS",
    "WIDE_SIZES",
    "StrategyContract",
    "time_limit",
    "tiny_supernet_task",
    "toy_benchmark",
    "toy_cell_benchmark",
    "toy_curve_benchmark",
    "toy_fidelity_benchmark",
    "toy_multi_objective",
    "wide_objective",
]
