"""What the transfer strategies share: reading priors, and the component model of `autobuild`.

`check_priors` refuses source data that does not fit the space; `normalised_ranks` and
`consensus_order` turn sources into within-source ranks (the common currency of sources whose
metrics differ in scale or direction). `ComponentModel` is the model behind `autobuild`: one
learnable score per component (a dimension's value) plus a low-rank score per pair of
components, fitted by a pairwise ranking loss. It is a second-order factorisation machine over
one-hot components:

    score(c) = sum_i u[c_i] + sum_{i<j} <E[c_i], E[c_j]>

with ``u`` one scalar and ``E`` one ``embedding_size`` vector per component. Importances are
read off it in the functional-ANOVA sense (`ComponentModel.main_effects`,
`ComponentModel.top_blocks`), so that a value's importance includes what its embedding adds
on average, not only its unary weight.

torch is imported lazily: importing this module stays cheap for workers that never use it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata

from spaces import PriorData, Space
from strategies._adam import adam_step

if TYPE_CHECKING:
    import torch

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_LEARNING_RATE = 0.05
"""Adam step size: the scores are O(1) (logits of pairwise preferences)."""
_L2 = 1e-4
"""Weight decay on every parameter: a ranking loss alone lets scores grow without bound."""
_INIT_SCALE = 0.1
"""Spread of the initial embeddings; zero would leave the pair terms without a gradient."""
_ALL_PAIRS_UP_TO = 2048
"""A group with at most this many pairs is trained on all of them at every step."""


def check_priors(space: Space, priors: Sequence[PriorData]) -> None:
    """Refuse source data that does not have one value per config of ``space``.

    Raises:
        ValueError: A source's ``values`` is not a 1-D array of ``space.n_configs`` values.
    """
    for prior in priors:
        shape = np.shape(prior.values)
        if shape != (space.n_configs,):
            raise ValueError(
                f"prior {prior.space!r} has values of shape {shape}; the space has "
                f"{space.n_configs} configs, one value each"
            )


def normalised_ranks(scores: FloatArray) -> FloatArray:
    """Larger-is-better ``scores`` as ranks in [0, 1]: 1 the best, 0 the worst, ties averaged.

    ``-inf`` (a diverged run) ranks last; a single score gets rank 1.
    """
    n = len(scores)
    if n < 2:
        return np.ones(n)
    ranks = np.asarray(rankdata(scores, method="average"), dtype=np.float64)
    return (ranks - 1.0) / (n - 1.0)


def source_ranks(prior: PriorData) -> tuple[IntArray, FloatArray]:
    """A source's recorded config indices and their `normalised_ranks` (fresh arrays)."""
    scores = np.array(prior.scores(), dtype=np.float64)  # a copy: the source stays untouched
    recorded = np.flatnonzero(np.isfinite(scores)).astype(np.int64)
    return recorded, normalised_ranks(scores[recorded])


def consensus_order(n_configs: int, priors: Sequence[PriorData]) -> IntArray:
    """Config indices recorded in some source, best first by mean normalised rank.

    A config missing from a source is left out of that source's mean, not counted as bad;
    equal means go to the lower index.
    """
    total = np.zeros(n_configs)
    count = np.zeros(n_configs)
    for prior in priors:
        recorded, ranks = source_ranks(prior)
        total[recorded] += ranks
        count[recorded] += 1.0
    seen = np.flatnonzero(count > 0)
    mean = total[seen] / count[seen]
    return seen[np.argsort(-mean, kind="stable")].astype(np.int64)


@dataclass(frozen=True, slots=True)
class RankGroup:
    """Configs whose order the model must learn; pairs are only formed within a group.

    Attributes:
        components: ``(m, n_dimensions)`` component indices (`ComponentModel.components`).
        ranks: ``(m,)`` normalised ranks, larger is better.
        weight: The group's weight in the loss.
        n_pairs: Pairs drawn per step when the group has more than `_ALL_PAIRS_UP_TO` pairs.
    """

    components: torch.Tensor
    ranks: torch.Tensor
    weight: float
    n_pairs: int


@dataclass(frozen=True, slots=True)
class _Pairs:
    """One step's pairs of a group: rows to score, pair positions in them, signs, weights."""

    rows: torch.Tensor
    a: torch.Tensor
    b: torch.Tensor
    sign: torch.Tensor
    weight: torch.Tensor


@contextmanager
def deterministic_torch() -> Iterator[None]:
    """Deterministic torch kernels for the block, the caller's setting restored after it."""
    import torch

    enabled = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(enabled, warn_only=warn_only)


class ComponentModel:
    """Unary and low-rank pairwise component scores, trained by a weighted pairwise ranking loss.

    The loss of a group is the weighted mean, over pairs (a, b) of its configs with different
    ranks, of ``|r_a - r_b| * softplus(-sign(r_a - r_b) * (s_a - s_b))``: a logistic (BPR)
    loss that trusts a pair the more, the further apart its ranks are (near-ties are mostly
    noise). Groups are combined by their weights; every parameter has a small L2 penalty.
    Optimisation is full-step Adam written out on one flat float64 tensor (``torch.optim``'s
    import alone costs seconds), kept between calls of `fit` (warm start). Every random draw
    (initial embeddings, sampled pairs) comes from a private `torch.Generator`.

    Args:
        space: The space whose components are scored.
        embedding_size: Length of each component's embedding (the rank of the pair term).
        seed: Seed of the model's private torch generator.
    """

    def __init__(self, space: Space, *, embedding_size: int, seed: int) -> None:
        import torch

        self.space = space
        sizes = np.asarray(space.sizes, dtype=np.int64)
        self._offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self._n_components = int(sizes.sum())
        self._rank = embedding_size
        self._generator = torch.Generator().manual_seed(seed)
        embeddings = torch.randn(
            (self._n_components, embedding_size), generator=self._generator, dtype=torch.float64
        )
        unary = torch.zeros(self._n_components, dtype=torch.float64)
        self._flat = torch.cat([unary, (embeddings * _INIT_SCALE).ravel()]).requires_grad_()
        self._m = torch.zeros_like(self._flat)
        self._v = torch.zeros_like(self._flat)
        self._n_steps = 0

    def components(self, configs: npt.ArrayLike) -> IntArray:
        """Component indices of configs: ``(n, n_dimensions)``, one column per dimension."""
        arr = np.asarray(configs, dtype=np.int64).reshape(-1, len(self._offsets))
        return arr + self._offsets

    def group(
        self, components: IntArray, ranks: FloatArray, *, weight: float, n_pairs: int
    ) -> RankGroup:
        """A `RankGroup` of configs given by their `components` and normalised ranks."""
        import torch

        return RankGroup(
            components=torch.as_tensor(components, dtype=torch.int64),
            ranks=torch.as_tensor(ranks, dtype=torch.float64),
            weight=weight,
            n_pairs=n_pairs,
        )

    # -- parameters --------------------------------------------------------------------------
    def _parameters(self) -> tuple[FloatArray, FloatArray]:
        """Unary scores ``(n_components,)`` and embeddings ``(n_components, rank)`` as numpy."""
        flat = self._flat.detach().numpy()
        n = self._n_components
        return flat[:n].copy(), flat[n:].reshape(n, self._rank).copy()

    # -- scores ------------------------------------------------------------------------------
    def scores(self, components: IntArray) -> FloatArray:
        """Model scores of configs given by their `components` (larger is better)."""
        unary, emb = self._parameters()
        # sum_{i<j} <e_i, e_j> = (|sum e|^2 - sum |e|^2) / 2: linear in the dimensions.
        own = unary - 0.5 * np.einsum("ij,ij->i", emb, emb)
        summed = emb[components].sum(axis=1)
        out: FloatArray = own[components].sum(axis=1) + 0.5 * np.einsum("ij,ij->i", summed, summed)
        return out

    def _score_rows(self, components: torch.Tensor) -> torch.Tensor:
        import torch

        n = self._n_components
        emb = self._flat[n:].view(n, self._rank)
        own = self._flat[:n] - 0.5 * (emb * emb).sum(dim=1)
        # One gather of [own score | embedding] per component; index_select (backward: an
        # index_add) took half the time of advanced indexing (an accumulating index_put).
        table = torch.cat([own.unsqueeze(1), emb], dim=1)
        rows = table.index_select(0, components.reshape(-1))
        summed = rows.view(*components.shape, self._rank + 1).sum(dim=1)
        pairs = summed[:, 1:]
        return summed[:, 0] + 0.5 * (pairs * pairs).sum(dim=1)

    # -- training ----------------------------------------------------------------------------
    def _pairs(self, group: RankGroup) -> _Pairs | None:
        """This step's pairs of ``group`` (all of them, or a fresh random draw); no gradient."""
        import torch

        m = int(group.ranks.shape[0])
        if m < 2:
            return None
        if m * (m - 1) // 2 <= _ALL_PAIRS_UP_TO:
            first, second = torch.triu_indices(m, m, offset=1)
            rows, a, b = group.components, first, second
        else:
            first = torch.randint(m, (group.n_pairs,), generator=self._generator)
            second = torch.randint(m, (group.n_pairs,), generator=self._generator)
            if m <= 2 * group.n_pairs:
                rows, a, b = group.components, first, second
            else:  # score only the configs drawn
                rows = group.components.index_select(0, torch.cat([first, second]))
                a = torch.arange(group.n_pairs)
                b = a + group.n_pairs
        gap = group.ranks.index_select(0, first) - group.ranks.index_select(0, second)
        trust = gap.abs()
        total = float(trust.sum())
        if total <= 0.0:
            return None  # every pair tied: nothing to order
        return _Pairs(rows, a, b, torch.sign(gap), trust * (group.weight / total))

    def fit(self, groups: Sequence[RankGroup], *, steps: int) -> None:
        """``steps`` Adam steps on the weighted ranking loss of ``groups`` (warm start)."""
        import torch

        flat, m, v = self._flat, self._m, self._v
        with deterministic_torch():
            for _ in range(steps):
                drawn = [p for group in groups if (p := self._pairs(group)) is not None]
                if not drawn:
                    return
                # Every group's configs scored in one batch: per-call overhead dominates.
                starts = np.cumsum([0] + [int(p.rows.shape[0]) for p in drawn[:-1]])
                rows = torch.cat([p.rows for p in drawn])
                a = torch.cat([p.a + int(start) for p, start in zip(drawn, starts, strict=True)])
                b = torch.cat([p.b + int(start) for p, start in zip(drawn, starts, strict=True)])
                sign = torch.cat([p.sign for p in drawn])
                weight = torch.cat([p.weight for p in drawn])
                flat.grad = None
                scores = self._score_rows(rows)
                margin = sign * (scores.index_select(0, a) - scores.index_select(0, b))
                loss = (weight * torch.nn.functional.softplus(-margin)).sum()
                loss = loss + _L2 * (flat * flat).sum()
                loss.backward()  # type: ignore[no-untyped-call]
                self._n_steps += 1
                adam_step(flat, m, v, n_steps=self._n_steps, learning_rate=_LEARNING_RATE)

    # -- what it learned ---------------------------------------------------------------------
    def _centred(self) -> tuple[list[FloatArray], list[FloatArray]]:
        """Per dimension: main effects, and embeddings minus the dimension's mean embedding.

        For a model that is a sum of unary and pair terms, the main effect of value ``a`` of
        dimension ``i`` (its mean score over uniformly drawn other values, minus the overall
        mean) is ``u_a - mean(u_i) + <E_a - mean(E_i), sum_{j != i} mean(E_j)>``.
        """
        unary, emb = self._parameters()
        bounds = [
            (int(o), int(o) + n) for o, n in zip(self._offsets, self.space.sizes, strict=True)
        ]
        means = [emb[lo:hi].mean(axis=0) for lo, hi in bounds]
        total = np.sum(means, axis=0)
        mains: list[FloatArray] = []
        centred: list[FloatArray] = []
        for (lo, hi), mean in zip(bounds, means, strict=True):
            deviation = emb[lo:hi] - mean
            mains.append(unary[lo:hi] - unary[lo:hi].mean() + deviation @ (total - mean))
            centred.append(deviation)
        return mains, centred

    def main_effects(self) -> list[FloatArray]:
        """Each dimension's main effects, one per value (zero mean within the dimension)."""
        return self._centred()[0]

    def top_blocks(
        self, n: int, *, per_dimension: int = 256
    ) -> list[tuple[int, int, int, int, float]]:
        """The ``n`` pairs of components (in two dimensions) with the largest joint effect.

        The joint effect of value ``a`` of dimension ``i`` with value ``b`` of dimension ``j``
        is their mean score with the other dimensions drawn uniformly, minus the overall mean:
        ``main(a) + main(b) + <E_a - mean(E_i), E_b - mean(E_j)>``. Only each dimension's
        ``per_dimension`` values of largest main effect are paired, which bounds the work on
        dimensions with thousands of values.

        Returns:
            ``(dimension i, value a, dimension j, value b, joint effect)``, best first, i < j.
        """
        mains, centred = self._centred()
        shortlist = [np.argsort(-main, kind="stable")[:per_dimension] for main in mains]
        found: list[tuple[float, int, int, int, int]] = []
        for i in range(len(mains)):
            for j in range(i + 1, len(mains)):
                a, b = shortlist[i], shortlist[j]
                joint = (
                    mains[i][a][:, None] + mains[j][b][None, :] + centred[i][a] @ centred[j][b].T
                ).ravel()
                top = np.argsort(-joint, kind="stable")[:n]
                for flat_index in top:
                    ka, kb = divmod(int(flat_index), len(b))
                    found.append((float(joint[flat_index]), i, int(a[ka]), j, int(b[kb])))
        found.sort(key=lambda f: (-f[0], f[1:]))
        return [(i, a, j, b, score) for score, i, a, j, b in found[:n]]


def keep_size(size: int, keep: int | None) -> int:
    """Values kept of a dimension of ``size`` values: ``keep``, or half rounded up (>= 2)."""
    if keep is None:
        keep = max(2, math.ceil(size / 2))
    return min(keep, size)


__all__ = [
    "ComponentModel",
    "RankGroup",
    "check_priors",
    "consensus_order",
    "deterministic_torch",
    "keep_size",
    "normalised_ranks",
    "source_ranks",
]
