"""SMAC3 (Lindauer et al., JMLR 2022) through its ask/tell interface: the HPO and BB facades.

`smac` runs one of SMAC's facades: ``hpo`` (``HyperparameterOptimizationFacade``: a random
forest surrogate, log expected improvement maximised by local and random search, a Sobol
initial design, and intensification that re-evaluates the incumbent on new seeds, since the
harness's evaluations are noisy; Hutter, Hoos & Leyton-Brown, LION 2011) or ``bb``
(``BlackBoxFacade``: a Gaussian process with a Matérn kernel and expected improvement, for
small budgets). Every setting is the facade's default; SMAC is told the budget as
``n_trials`` (an evaluations budget as it is, ``planned_evaluations`` under a seconds
budget), which sizes its initial design.

Space mapping: a ConfigSpace ``Categorical`` over the choice indices for a categorical
dimension (unordered: the forest splits on sets of choices, the GP uses a Hamming kernel), an
``Integer`` over the ranks for an ordinal one, and a log-scaled ``Integer`` (``Float`` for
non-integer values, rounded to the nearest size) over the sizes for a log dimension. The
scenario's and the space's seeds are drawn from the strategy's generator; SMAC keeps its own
generators (the global state is also kept private: `strategies._extras.PrivateGlobalRandom`).
Costs are the negated score; a diverged run (NaN) is told as the worst cost so far (one
before any finite cost is told once there is one: SMAC's models cannot fit an infinite
cost). When SMAC reports the space exhausted (a tiny table), the remaining asks are uniform
random configs, not told. SMAC writes its run history into a temporary folder that is
removed with the strategy; its logging is set to errors only.

SMAC 2.4 uses scikit-learn's random forest by default; the ``pyrfr`` forest of earlier
releases (which has no wheel and needs swig and a C++ compiler to build) is not needed.
Installed by ``pip install "nas-harness[smac]"`` (BSD-3); imported only in ``warm_up``.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spaces import Config, Dimension, Space
from strategies._base import Observation
from strategies._extras import LibraryStrategy, PrivateGlobalRandom, WorstSoFar
from strategies._options import StrategyOptions, option
from strategies._scales import from_param


def _hyperparameter(d: Dimension) -> Any:
    from ConfigSpace import Categorical, Float, Integer

    if d.kind == "categorical":
        return Categorical(d.name, list(range(d.size)))
    if not d.log:
        return Integer(d.name, (0, d.size - 1))
    low, high = d.choices[0], d.choices[-1]
    if all(isinstance(v, int) for v in d.choices):
        return Integer(d.name, (int(low), int(high)), log=True)
    return Float(d.name, (float(low), float(high)), log=True)


class SMAC(LibraryStrategy):
    """A SMAC facade's ask/tell, one trial per ask."""

    name = "smac"
    description = "SMAC3's HPO (random forest) or BB (Gaussian process) facade, ask/tell."
    extra = "smac"
    modules = ("smac", "ConfigSpace")
    distribution = "smac"

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `SMAC`; each field's ``help`` says what it does."""

        facade: str = option(
            "hpo",
            choices=("hpo", "bb"),
            help="hpo: random forest (HyperparameterOptimizationFacade); bb: Gaussian process"
            " (BlackBoxFacade).",
        )
        planned_evaluations: int = option(
            100,
            minimum=1,
            help="Under a seconds budget, the n_trials SMAC is told (it sizes the initial"
            " design); an evaluations budget is told as it is.",
        )

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._seed = int(self.rng.integers(2**31 - 1))
        self._global = PrivateGlobalRandom(int(self.rng.integers(2**32)))
        self._smac: Any = None
        self._pending: dict[Config, deque[Any]] = {}
        self._losses = WorstSoFar()
        self._held: list[Any] = []
        self._exhausted = False
        self._folder: Path | None = None

    def _make(self) -> Any:
        from ConfigSpace import ConfigurationSpace
        from smac import BlackBoxFacade, HyperparameterOptimizationFacade, Scenario

        self._folder = Path(tempfile.mkdtemp(prefix="nas-harness-smac-"))
        weakref.finalize(self, shutil.rmtree, self._folder, True)
        space = ConfigurationSpace(seed=self._seed)
        space.add([_hyperparameter(d) for d in self.space.dimensions])
        scenario = Scenario(
            space,
            n_trials=self.budget or self.opts.planned_evaluations,
            seed=self._seed,
            output_directory=self._folder,
        )
        facade = HyperparameterOptimizationFacade if self.opts.facade == "hpo" else BlackBoxFacade
        return facade(scenario, _never_called, overwrite=True, logging_level=40)

    def ask(self) -> Config:
        """SMAC's next trial, as a config."""
        from smac.main.exceptions import ConfigurationSpaceExhaustedException

        if self._exhausted:
            return self.space.sample(self.rng)
        with self._global.active():
            if self._smac is None:
                self._smac = self._make()
            try:
                info = self._smac.ask()
            except ConfigurationSpaceExhaustedException:
                # SMAC has tried every config it would: uniform draws, not told, from here.
                self._exhausted = True
                return self.space.sample(self.rng)
        values = info.config
        config = tuple(
            from_param(d, values[d.name]) if d.log else int(values[d.name])
            for d in self.space.dimensions
        )
        self._pending.setdefault(config, deque()).append(info)
        return config

    def tell(self, config: Config, observation: Observation) -> None:
        """Tell SMAC the trial's cost (the worst so far for a NaN)."""
        from smac.runhistory.dataclasses import TrialValue

        infos = self._pending.get(config)
        if not infos:
            return
        info = infos.popleft()
        if not infos:
            del self._pending[config]
        loss = self._losses.loss(-self.score(observation.value))
        if loss is None:
            self._held.append(info)  # no finite cost to stand for it yet (SMAC needs one)
            return
        with self._global.active():
            self._smac.tell(info, TrialValue(cost=loss))
            worst = loss if self._losses.worst is None else self._losses.worst
            while self._held:  # diverged runs before the first finite one: the worst so far
                self._smac.tell(self._held.pop(0), TrialValue(cost=worst))


def _never_called(config: Any, seed: int = 0) -> float:
    """SMAC's facades want a target function; under ask/tell it is never called."""
    raise RuntimeError("the harness evaluates SMAC's trials itself")
