"""BANANAS: Bayesian optimisation with an ensemble of neural predictors.

Follows White, Neiswanger & Savani, "BANANAS: Bayesian Optimization with Neural Architectures
for Neural Architecture Search" (AAAI 2021). After a random initial design, an ensemble of small
MLPs, differing only in their random initialisation, is trained to predict the objective from a
config's features: the path encoding on NAS-Bench-201 cells (see `strategies._path_encoding`),
the space's generic encoding otherwise. Each suggestion scores candidate configs - mutations of
the best configs so far plus a few uniformly random ones, never ones already evaluated while
unseen ones exist - by independent Thompson sampling (one draw per candidate from a normal with
the ensemble's mean and spread) or by an upper confidence bound, and returns the best.
Departures from the paper, all made for the overhead budget of a sequential harness: the
ensemble is trained as one batched network with full-batch Adam, it predicts Gaussian-copula-
transformed scores (ranks mapped to normal quantiles; this keeps log-scaled objectives and
diverged runs from dominating the loss, the role MAPE plays in the paper), and by default it is
retrained after every observation by continuing the previous training for a few steps
(``warm_start``) instead of from scratch after batches of 10.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri
from scipy.stats import rankdata

from spaces import NB201_EDGES, NB201_OPS, Config, Space, is_nb201_cell
from strategies._adam import adam_step
from strategies._base import Observation, Strategy
from strategies._design import initial_design_size, n_init_option
from strategies._options import StrategyOptions, option
from strategies._path_encoding import PathEncoder, path_encoder

if TYPE_CHECKING:
    import torch

_LEARNING_RATE = 0.01


def copula_targets(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Larger-is-better scores as standard-normal quantiles of their ranks (ties averaged).

    ``-inf`` (a diverged run) simply ranks last.
    """
    ranks = rankdata(scores, method="average")
    return np.asarray(ndtri((ranks - 0.5) / len(scores)), dtype=np.float64)


class _Ensemble:
    """``n_members`` MLPs (ReLU, ``n_layers`` hidden layers) trained together as one network.

    Weights are stacked along a leading member axis so that one batched matrix product runs
    every member; members differ only in their random initialisation, as in BANANAS. All
    weights live in one flat tensor, so that an Adam step is a handful of tensor operations
    (and ``torch.optim``, whose import alone takes seconds, is not needed).
    """

    def __init__(
        self,
        n_features: int,
        *,
        n_members: int,
        hidden: int,
        n_layers: int,
        generator: torch.Generator,
    ) -> None:
        import torch

        widths = [n_features, *([hidden] * n_layers), 1]
        self._shapes: list[tuple[int, int, int]] = []
        chunks: list[torch.Tensor] = []
        for fan_in, fan_out in itertools.pairwise(widths):
            # PyTorch's default Linear init, drawn from our own generator.
            bound = 1.0 / math.sqrt(fan_in)
            for shape in ((n_members, fan_in, fan_out), (n_members, 1, fan_out)):
                self._shapes.append(shape)
                uniform = torch.rand(shape, generator=generator) * 2.0 - 1.0
                chunks.append((uniform * bound).ravel())
        self._flat = torch.cat(chunks).requires_grad_()
        self._m = torch.zeros_like(self._flat)
        self._v = torch.zeros_like(self._flat)
        self._n_steps = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Predictions of every member: ``(n_members, n)`` for ``x`` of shape ``(n, features)``."""
        import torch

        params: list[torch.Tensor] = []
        start = 0
        for shape in self._shapes:
            size = shape[0] * shape[1] * shape[2]
            params.append(self._flat[start : start + size].view(shape))
            start += size
        h = x.unsqueeze(0).expand(self._shapes[0][0], -1, -1)
        n_linear = len(params) // 2
        for k in range(n_linear):
            h = torch.baddbmm(params[2 * k + 1], h, params[2 * k])
            if k < n_linear - 1:
                h = torch.relu(h)
        return h.squeeze(-1)

    def fit(self, x: torch.Tensor, y: torch.Tensor, *, n_epochs: int) -> None:
        """Full-batch Adam on the mean squared error, every member on all of ``(x, y)``.

        Calling it again continues from the current weights and optimizer state.
        """
        flat, m, v = self._flat, self._m, self._v
        for _ in range(n_epochs):
            flat.grad = None
            loss = ((self.forward(x) - y) ** 2).mean()
            loss.backward()  # type: ignore[no-untyped-call]
            self._n_steps += 1
            adam_step(flat, m, v, n_steps=self._n_steps, learning_rate=_LEARNING_RATE)


class Predictor(Strategy):
    """BANANAS: neural-predictor ensemble, Thompson sampling over mutated candidates.

    The numpy generator and the ensemble's torch generator both derive from the seed.
    """

    name = "predictor"
    description = "BANANAS: MLP-ensemble predictor with Thompson sampling (White et al. 2021)."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `Predictor`; each field's ``help`` says what it does."""

        n_init: int | None = n_init_option()
        ensemble_size: int = option(5, minimum=1, help="Number of MLPs in the ensemble.")
        acquisition: str = option(
            "its",
            choices=("its", "ucb"),
            help="its: independent Thompson sampling, as in the paper; ucb: ensemble mean plus"
            " ucb_beta ensemble standard deviations.",
        )
        ucb_beta: float = option(1.0, minimum=0.0, help="Exploration weight of ucb.")
        encoding: str = option(
            "auto",
            choices=("auto", "path", "generic"),
            help="path (NAS-Bench-201 cells only), generic (Space.encode), or auto: path on"
            " NAS-Bench-201 cells, generic elsewhere.",
        )
        n_candidates: int = option(100, minimum=1, help="Candidates scored per suggestion.")
        n_parents: int = option(
            5, minimum=1, help="How many of the best configs so far the mutations start from."
        )
        random_fraction: float = option(
            0.2,
            minimum=0.0,
            maximum=1.0,
            help="Share of the candidates drawn uniformly instead of by mutation.",
        )
        retrain_every: int = option(
            1,
            minimum=1,
            help="Retrain after this many new observations; in between, reuse the ensemble.",
        )
        warm_start: bool = option(
            True,
            help="Continue training the previous ensemble (weights and Adam state) instead of a"
            " fresh initialisation (fresh, as in the paper: then raise n_epochs to about 100).",
        )
        n_epochs: int = option(20, minimum=1, help="Full-batch Adam steps per (re)training.")
        hidden: int = option(32, minimum=1, help="Width of each hidden layer.")
        n_layers: int = option(2, minimum=1, help="Number of hidden layers.")

    opts: Options

    def __init__(self, space: Space, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self._n_init = initial_design_size(self, self.opts.n_init)
        encoding = self.opts.encoding
        if encoding == "path" and not is_nb201_cell(space):
            raise self.option_error(
                "encoding",
                "must be 'auto' or 'generic' unless the space is a NAS-Bench-201 cell"
                f" (categorical {', '.join(NB201_EDGES)} over {', '.join(NB201_OPS)})",
            )
        use_path = encoding == "path" or (encoding == "auto" and is_nb201_cell(space))
        self._path_encoder: PathEncoder | None = path_encoder(space) if use_path else None

        self._configs: list[Config] = []
        self._scores: list[float] = []
        self._seen: set[Config] = set()
        self._torch_seed = int(self.rng.integers(2**62))
        self._generator: torch.Generator | None = None
        self._ensemble: _Ensemble | None = None
        self._n_trained_on = 0

    # -- encoding and model ---------------------------------------------------------------------
    def _features(self, configs: npt.ArrayLike) -> npt.NDArray[np.float64]:
        if self._path_encoder is not None:
            return self._path_encoder.encode(configs)
        return self.space.encode(configs)

    def _train(self) -> _Ensemble:
        import torch

        if self._generator is None:
            torch.set_num_threads(1)
            self._generator = torch.Generator().manual_seed(self._torch_seed)
        x = torch.as_tensor(self._features(self._configs), dtype=torch.float32)
        y = torch.as_tensor(copula_targets(np.asarray(self._scores)), dtype=torch.float32)
        ensemble = self._ensemble
        if ensemble is None or not self.opts.warm_start:
            ensemble = _Ensemble(
                x.shape[1],
                n_members=self.opts.ensemble_size,
                hidden=self.opts.hidden,
                n_layers=self.opts.n_layers,
                generator=self._generator,
            )
        ensemble.fit(x, y, n_epochs=self.opts.n_epochs)
        return ensemble

    def _predict(
        self, ensemble: _Ensemble, configs: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        import torch

        with torch.no_grad():
            x = torch.as_tensor(self._features(configs), dtype=torch.float32)
            return ensemble.forward(x).double().numpy()

    # -- candidates -----------------------------------------------------------------------------
    def _unseen_random(self) -> Config:
        """A uniformly random config not evaluated yet (any config once all have been)."""
        exhausted = len(self._seen) >= self.space.n_configs
        for _ in range(100):
            config = self.space.sample(self.rng)
            if exhausted or config not in self._seen:
                return config
        # Nearly exhausted and large: enumerate the rest rather than keep guessing.
        for config in self.space.all_configs():
            if config not in self._seen:
                return config
        return self.space.sample(self.rng)

    def _candidates(self) -> npt.NDArray[np.int64]:
        order = np.argsort(-np.asarray(self._scores), kind="stable")
        parents: list[Config] = []
        for i in order:
            if self._configs[i] not in parents:
                parents.append(self._configs[i])
                if len(parents) == self.opts.n_parents:
                    break
        n_random = round(self.opts.n_candidates * self.opts.random_fraction)
        found: dict[Config, None] = {}
        exhausted = len(self._seen) >= self.space.n_configs
        for _ in range(3):  # a few rounds, in case most mutations land on evaluated configs
            for k in range(self.opts.n_candidates - n_random):
                config = parents[k % len(parents)]
                for _ in range(1 + int(self.rng.integers(2))):  # one or two changes
                    config = self.space.mutate(config, self.rng)
                if exhausted or config not in self._seen:
                    found[config] = None
            for row in self.space.sample_many(self.rng, n_random):
                config = tuple(int(v) for v in row)
                if exhausted or config not in self._seen:
                    found[config] = None
            if found:
                break
        if not found:
            found[self._unseen_random()] = None
        return np.array(list(found), dtype=np.int64)

    # -- the strategy interface -------------------------------------------------------------------
    def ask(self) -> Config:
        """A random config during the initial design, then the acquisition's best candidate."""
        if len(self._configs) < self._n_init:
            return self._unseen_random()
        if (
            self._ensemble is None
            or len(self._configs) - self._n_trained_on >= self.opts.retrain_every
        ):
            self._ensemble = self._train()
            self._n_trained_on = len(self._configs)
        candidates = self._candidates()
        predictions = self._predict(self._ensemble, candidates)  # (members, candidates)
        mean = predictions.mean(axis=0)
        std = (
            predictions.std(axis=0, ddof=1) if self.opts.ensemble_size > 1 else np.zeros_like(mean)
        )
        if self.opts.acquisition == "its":
            value = mean + std * self.rng.standard_normal(len(mean))
        else:
            value = mean + self.opts.ucb_beta * std
        return tuple(int(v) for v in candidates[int(np.argmax(value))])

    def tell(self, config: Config, observation: Observation) -> None:
        """Record the observation; the ensemble is retrained lazily at the next ``ask``."""
        self._configs.append(config)
        self._scores.append(self.score(observation.value))
        self._seen.add(config)
