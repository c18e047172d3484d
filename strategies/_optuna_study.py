"""An Optuna study driven one trial at a time: what every Optuna-backed strategy shares.

`OptunaStrategy` turns the harness's ask/tell loop into Optuna's ask-and-tell interface; a
strategy built on it only says which sampler to use (`OptunaStrategy.make_sampler`). The study
has one direction per objective of a multi-objective search (each `spaces.Metric`'s own) and
one, from ``maximize``, otherwise; trials are told the observed values in their original units.
Dimensions become Optuna distributions as `strategies._scales` says (choice indices, ranks, or
log-scaled sizes). A NaN observation (a diverged training run; on a multi-objective search a
NaN in any objective) is told as a failed trial: Optuna's samplers learn only from completed
ones. The sampler's seed is the first draw of the strategy's generator. Optuna is imported
when a strategy is built, never when this module is, so that listing strategies stays fast.
"""

from __future__ import annotations

import logging
import math
import warnings
from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from spaces import Config, Direction, Space
from strategies._base import Observation, Strategy
from strategies._scales import from_param, optuna_distribution, to_param

if TYPE_CHECKING:
    import optuna


@contextmanager
def quiet_optuna() -> Iterator[None]:
    """Silence what Optuna says while a sampler and its study are built.

    Some arguments are flagged experimental in some Optuna versions and the study announces
    that it lives in memory; neither is news for a benchmark run.
    """
    import optuna

    logger = logging.getLogger("optuna")
    level = logger.level
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        logger.setLevel(max(level, logging.WARNING))
        try:
            yield
        finally:
            logger.setLevel(level)


class OptunaStrategy(Strategy):
    """A strategy whose suggestions come from an Optuna sampler, one trial per ask.

    Subclasses set `name`, `description` and ``Options`` as any strategy does and implement
    `make_sampler`; this class owns the study, turns trials into configs and tells results.
    """

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        import optuna

        self._distributions: dict[str, optuna.distributions.BaseDistribution] = {
            d.name: optuna_distribution(d) for d in space.dimensions
        }
        directions: list[Direction] = (
            [m.direction for m in self.objectives]
            if self.objectives
            else ["maximize" if self.maximize else "minimize"]
        )
        with quiet_optuna():
            sampler = self.make_sampler(int(self.rng.integers(2**32)))
            self._study = optuna.create_study(sampler=sampler, directions=directions)
        self._pending: tuple[Config, optuna.trial.Trial] | None = None

    @abstractmethod
    def make_sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        """The sampler of this strategy's study, seeded with ``seed`` (called once).

        Called while Optuna's experimental warnings and INFO logging are silenced.
        """

    @property
    def study(self) -> optuna.Study:
        """The Optuna study behind the suggestions (for tests and diagnostics)."""
        return self._study

    def ask(self) -> Config:
        """The config of a new trial that the sampler suggests."""
        trial = self._study.ask(self._distributions)
        config = tuple(from_param(d, trial.params[d.name]) for d in self.space.dimensions)
        self._pending = (config, trial)
        return config

    def _told_values(self, observation: Observation) -> list[float] | None:
        """The values to tell the study, in its directions' order; None for a failed trial."""
        values = list(observation.values) if self.objectives else [observation.value]
        return None if any(math.isnan(v) for v in values) else values

    def tell(self, config: Config, observation: Observation) -> None:
        """Finish the trial of ``config``: complete with its values, or failed on a NaN."""
        from optuna.trial import TrialState, create_trial

        values = self._told_values(observation)
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] == config:
            if values is None:
                self._study.tell(pending[1], state=TrialState.FAIL)
            else:
                self._study.tell(pending[1], values)
            return
        # Not the config just asked for (the harness loop never does this; other callers
        # may): record it as a finished trial of its own so that the sampler still learns.
        if pending is not None:
            self._study.tell(pending[1], state=TrialState.FAIL)
        dims = self.space.dimensions
        params = {d.name: to_param(d, c) for d, c in zip(dims, config, strict=True)}
        self._study.add_trial(
            create_trial(
                params=params,
                distributions=self._distributions,
                state=TrialState.FAIL if values is None else TrialState.COMPLETE,
                values=None if values is None else values,
            )
        )
