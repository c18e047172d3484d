"""DEHB (Awad, Mallik & Hutter, IJCAI 2021): differential evolution inside Hyperband's brackets.

`dehb` drives the ``dehb`` package's ``DEHB`` optimiser through its ask/tell interface. It is
multi-fidelity (tag ``multi-fidelity``): each ask is a config and the fidelity to train it at.
DEHB keeps one differential-evolution subpopulation per fidelity and runs Hyperband's
brackets over them (a rung's configs are mutants of the next lower rung's survivors, etc.).

Fidelities: DEHB's ladder is ``max / eta^k`` between the smallest and the largest fidelity the
harness offers (``eta = 3``, DEHB's default); each of its fidelities runs at the largest
offered fidelity not above it, as the harness's own Hyperband and BOHB snap their rungs
(`strategies._rungs`). On NAS-Bench-201 (12 and 200 epochs) DEHB's ladder is 22.2, 66.7 and
200, so its two lower rungs both train 12 epochs; on per-epoch learning curves each rung is
the epoch below it. DEHB is told the cost of each evaluation in the harness's charged units:
the evaluation's fidelity over the largest one (what one evaluation of an evaluations budget
costs at that fidelity; a continued training is charged its extra epochs by the harness
alone). On a space with one fidelity DEHB runs one rung (plain differential evolution).

Space mapping: a ConfigSpace search space, as DEHB is documented to be used: a categorical
dimension is a ``CategoricalHyperparameter`` over its choice indices, an ordinal one an
``OrdinalHyperparameter`` over its ranks, a log dimension a log-scaled
``UniformIntegerHyperparameter`` over its sizes (``UniformFloatHyperparameter``, rounded to
the nearest size, for non-integer values). DEHB evolves vectors in the unit hypercube and
maps each coordinate's ``1/size`` slice to a choice (so mutations treat categorical indices
as if ordered, as DEHB does for every ConfigSpace categorical); its initial population is
drawn by the space (ConfigSpace's own generator, seeded from the strategy's). DEHB's
defaults otherwise: mutation factor 0.5, crossover probability 0.5, ``rand1_bin``, random
boundary repair.
Its seed is drawn from the strategy's generator (DEHB keeps its own numpy generator); it runs
with one worker and no Dask client, writes no files (``save_freq`` at the end of a run
that the harness never calls) and its log lines are disabled. A diverged run (NaN) is told
as the worst loss so far (``inf`` before any finite one, DEHB's own initial fitness).
Installed by ``pip install "nas-harness[dehb]"`` (Apache-2.0; DEHB 0.1.1, the last release
that admits numpy 2); imported only in ``warm_up``.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spaces import Config, Dimension, Space
from strategies._base import MULTI_FIDELITY, Observation
from strategies._extras import LibraryStrategy, PrivateGlobalRandom, WorstSoFar
from strategies._options import StrategyOptions, option
from strategies._scales import from_param


def _hyperparameter(d: Dimension) -> Any:
    """The ConfigSpace hyperparameter DEHB searches for dimension ``d``."""
    import ConfigSpace as CS

    if d.kind == "categorical":
        return CS.CategoricalHyperparameter(d.name, list(range(d.size)))
    if not d.log:
        return CS.OrdinalHyperparameter(d.name, list(range(d.size)))
    low, high = d.choices[0], d.choices[-1]
    if all(isinstance(v, int) for v in d.choices):
        return CS.UniformIntegerHyperparameter(d.name, int(low), int(high), log=True)
    return CS.UniformFloatHyperparameter(d.name, float(low), float(high), log=True)


class DEHB(LibraryStrategy):
    """DEHB's ask/tell; each ask is a config and its fidelity."""

    name = "dehb"
    tags = frozenset({MULTI_FIDELITY})
    description = "DEHB: differential evolution in Hyperband's brackets (Awad et al. 2021)."
    extra = "dehb"
    modules = ("dehb", "ConfigSpace")
    distribution = "dehb"

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `DEHB`; each field's ``help`` says what it does."""

        eta: int = option(3, minimum=2, help="Hyperband's reduction factor (DEHB's 3).")
        mutation_factor: float = option(
            0.5, exclusive_minimum=0.0, maximum=2.0, help="DE's mutation factor F."
        )
        crossover_prob: float = option(0.5, minimum=0.0, maximum=1.0, help="DE's crossover rate.")

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._seed = int(self.rng.integers(2**32))
        self._global = PrivateGlobalRandom(int(self.rng.integers(2**32)))
        self._optimizer: Any = None
        self._pending: dict[tuple[Config, int], deque[dict[str, Any]]] = {}
        self._losses = WorstSoFar()

    @classmethod
    def warm_up(cls) -> None:
        """Import DEHB and turn its log lines off (it logs through loguru)."""
        super().warm_up()
        from loguru import logger

        logger.disable("dehb")

    def _make(self) -> Any:
        from dehb import DEHB as Optimizer

        class _NoFiles(Optimizer):  # type: ignore[misc]
            # DEHB adds a log file in its output folder for every instance; the harness
            # keeps no files of a strategy, so the folder is one that is never created.
            def _setup_logger(self, kwargs: dict[str, Any]) -> None:
                from loguru import logger

                self.output_path = Path(tempfile.gettempdir()) / "nas-harness-dehb-unused"
                self.logger = logger

        import ConfigSpace as CS

        space = CS.ConfigurationSpace(seed=int(self._seed % (2**31)))
        space.add([_hyperparameter(d) for d in self.space.dimensions])
        low, high = (self.fidelities[0], self.fidelities[-1]) if self.fidelities else (1, 1)
        return _NoFiles(
            f=None,
            cs=space,
            min_fidelity=low,
            max_fidelity=high if high > low else low * self.opts.eta,
            eta=self.opts.eta,
            mutation_factor=self.opts.mutation_factor,
            crossover_prob=self.opts.crossover_prob,
            seed=self._seed,
            n_workers=1,
            save_freq="end",
        )

    def _fidelity(self, dehb_fidelity: float) -> int:
        """The offered fidelity a DEHB fidelity runs at: the largest not above it."""
        if not self.fidelities:
            return 0
        fitting = [f for f in self.fidelities if f <= dehb_fidelity + 1e-9]
        return fitting[-1] if fitting else self.fidelities[0]

    def ask_at(self) -> tuple[Config, int]:
        """DEHB's next job: a config and the fidelity to evaluate it at."""
        with self._global.active(), warnings.catch_warnings():
            # DEHB 0.1.1 calls ConfigSpace methods that ConfigSpace 1.x deprecates.
            warnings.simplefilter("ignore", DeprecationWarning)
            if self._optimizer is None:
                self._optimizer = self._make()
            job = self._optimizer.ask()
        values = job["config"]
        config = tuple(
            from_param(d, values[d.name]) if d.log else int(values[d.name])
            for d in self.space.dimensions
        )
        fidelity = self._fidelity(float(job["fidelity"]))
        self._pending.setdefault((config, fidelity), deque()).append(job)
        return config, fidelity

    def ask(self) -> Config:
        """DEHB's next config (its fidelity is dropped: for single-fidelity callers)."""
        return self.ask_at()[0]

    def tell(self, config: Config, observation: Observation) -> None:
        """Tell DEHB the job's loss and its cost in charged units (fidelity / largest)."""
        key = (config, observation.fidelity if self.fidelities else 0)
        jobs = self._pending.get(key)
        if not jobs:
            return
        job = jobs.popleft()
        if not jobs:
            del self._pending[key]
        loss = self._losses.loss(-self.score(observation.value))
        top = self.fidelities[-1] if self.fidelities else 1
        cost = (key[1] / top) if self.fidelities else 1.0
        with self._global.active(), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            self._optimizer.tell(job, {"fitness": math.inf if loss is None else loss, "cost": cost})
