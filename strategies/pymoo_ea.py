"""pymoo's evolutionary multi-objective algorithms (Blank & Deb, IEEE Access 2020), ask/tell.

`pymoo` runs NSGA-III (Deb & Jain, IEEE TEVC 2014: non-dominated sorting, then niching on
reference directions) or SMS-EMOA (Beume, Naujoks & Emmerich, EJOR 2007: the least
hypervolume contributor of the last front dies) through pymoo's ask/tell interface. Both are
steady-state by default (``n_offsprings=1``: every evaluation is told before the next
offspring is bred, as SMS-EMOA is defined); a larger ``n_offsprings`` breeds that many at a
time. They search any number of objectives (tag ``multi-objective``); on one objective they
are elitist genetic algorithms.

Space mapping: pymoo's recipe for discrete problems (its "Discrete Variable Problem" guide):
every dimension is an integer variable, categorical ones over their choice indices and ordinal
ones over their ranks (log dimensions too, so on mlpwide's 8..1024 sizes a step is linear in
the rank); integer random sampling, simulated binary crossover and polynomial mutation with
``eta = 3`` (pymoo's discrete recipe), each child rounded to integers, and duplicates
eliminated. pymoo has no categorical operator for these algorithms, so crossover and mutation
treat choice indices as ordered: a departure from the space's semantics, stated here. NSGA-III's
reference directions are Riesz s-energy directions (pymoo's ``energy`` method, seeded) for
two or more objectives, the single direction for one. The population is 20 (the harness's
`nsga2` and `sms-emoa` use 20; pymoo's default of 100 would leave nothing to evolve at
100 evaluations); everything else is pymoo's default.

Seeds: ``algorithm.setup(problem, seed=...)`` with a seed drawn from the strategy's generator
(pymoo keeps its own ``numpy`` generator); the global state is kept private as well
(`strategies._extras.PrivateGlobalRandom`). Losses are the observed losses (every objective
minimised, original units); a diverged run (NaN) is told as the worst loss so far in that
objective (0 while there is none). When pymoo breeds no new offspring (every child a
duplicate: a space it has exhausted), or a simulated worker asks while the offspring are all
out, the ask is a uniformly random config whose result is not told. Installed by
``pip install "nas-harness[pymoo]"`` (Apache-2.0); imported only in ``warm_up``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spaces import Config, Space
from strategies._base import MULTI_OBJECTIVE, Observation
from strategies._extras import LibraryStrategy, PrivateGlobalRandom
from strategies._options import StrategyOptions, option


class Pymoo(LibraryStrategy):
    """A pymoo algorithm whose offspring are handed out one per ask, told back in a batch."""

    name = "pymoo"
    tags = frozenset({MULTI_OBJECTIVE})
    description = "pymoo's NSGA-III or SMS-EMOA, steady-state ask/tell (Blank & Deb 2020)."
    # The library adapters' declaration (as nevergrad's, smac's): extra, import names and
    # the distribution whose version is recorded; alike in shape only.
    extra = "pymoo"
    modules = ("pymoo",)
    distribution = "pymoo"

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `Pymoo`; each field's ``help`` says what it does."""

        algorithm: str = option(
            "nsga3", choices=("nsga3", "sms-emoa"), help="The algorithm of pymoo to run."
        )
        population: int = option(20, minimum=2, help="Members kept alive (pymoo's pop_size).")
        n_offsprings: int = option(
            1, minimum=1, help="Offspring bred per generation; 1 is steady state."
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._seed = int(self.rng.integers(2**31 - 1))
        self._global = PrivateGlobalRandom(int(self.rng.integers(2**32)))
        self._algorithm: Any = None
        self._batch: Any = None  # the pymoo Population being evaluated
        self._queue: deque[int] = deque()  # members of the batch not yet handed out
        self._out: dict[Config, deque[int]] = {}  # handed-out members by config
        self._losses: dict[int, npt.NDArray[np.float64]] = {}
        self._n_objectives = max(1, len(self.objectives))
        self._worst = np.full(self._n_objectives, -np.inf)  # worst finite loss told, each

    def _make(self) -> Any:
        from pymoo.algorithms.moo.nsga3 import NSGA3
        from pymoo.algorithms.moo.sms import SMSEMOA
        from pymoo.core.problem import Problem
        from pymoo.operators.crossover.sbx import SBX
        from pymoo.operators.mutation.pm import PM
        from pymoo.operators.repair.rounding import RoundingRepair
        from pymoo.operators.sampling.rnd import IntegerRandomSampling
        from pymoo.util.ref_dirs import get_reference_directions

        sizes = np.asarray(self.space.sizes)
        problem = Problem(
            n_var=len(sizes), n_obj=self._n_objectives, xl=np.zeros(len(sizes)), xu=sizes - 1
        )
        operators: dict[str, Any] = {
            "pop_size": self.opts.population,
            "n_offsprings": self.opts.n_offsprings,
            "sampling": IntegerRandomSampling(),
            "crossover": SBX(prob=1.0, eta=3.0, vtype=float, repair=RoundingRepair()),
            "mutation": PM(prob=1.0, eta=3.0, vtype=float, repair=RoundingRepair()),
            "eliminate_duplicates": True,
        }
        algorithm: Any
        if self.opts.algorithm == "nsga3":
            if self._n_objectives == 1:
                directions = np.ones((1, 1))
            else:
                directions = get_reference_directions(
                    "energy", self._n_objectives, self.opts.population, seed=self._seed
                )
            algorithm = NSGA3(ref_dirs=directions, **operators)
        else:
            algorithm = SMSEMOA(**operators)
        algorithm.setup(problem, seed=self._seed, verbose=False)
        return algorithm

    def _next_batch(self) -> None:
        """Tell pymoo the finished batch, if any, and ask it for the next one."""
        if self._algorithm is None:
            self._algorithm = self._make()
        elif self._batch is not None:
            self._batch.set("F", self._batch_losses())
            self._algorithm.tell(infills=self._batch)
        self._batch = self._algorithm.ask()
        self._losses = {}
        n = 0 if self._batch is None else len(self._batch)
        self._queue = deque(range(n))

    def _batch_losses(self) -> npt.NDArray[np.float64]:
        losses = np.array([self._losses[i] for i in range(len(self._batch))])
        finite = np.where(np.isfinite(losses), losses, -np.inf)
        self._worst = np.fmax(self._worst, finite.max(axis=0))
        fill = np.where(np.isfinite(self._worst), self._worst, 0.0)
        return np.where(np.isfinite(losses), losses, fill)

    def ask(self) -> Config:
        """The next offspring (or initial member) of the algorithm, as a config."""
        with self._global.active():
            if not self._queue and len(self._losses) == (
                0 if self._batch is None else len(self._batch)
            ):
                self._next_batch()
        if not self._queue:
            return self.space.sample(self.rng)  # nothing bred, or every offspring still out
        member = self._queue.popleft()
        x = np.asarray(self._batch[member].X, dtype=np.float64)
        config = tuple(
            int(np.clip(np.rint(v), 0, n - 1)) for v, n in zip(x, self.space.sizes, strict=True)
        )
        self._out.setdefault(config, deque()).append(member)
        return config

    def tell(self, config: Config, observation: Observation) -> None:
        """Record the losses of the member that was ``config`` (a filler's are dropped)."""
        members = self._out.get(config)
        if not members:
            return
        member = members.popleft()
        if not members:
            del self._out[config]
        self._losses[member] = self.observed_losses(observation)
