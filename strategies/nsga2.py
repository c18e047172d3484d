"""NSGA-II through Optuna's ask-and-tell interface: the multi-objective genetic baseline.

Follows Deb, Pratap, Agarwal & Meyarivan, IEEE TEVC 2002, "A Fast and Elitist Multiobjective
Genetic Algorithm: NSGA-II", as implemented by Optuna's `NSGAIISampler`: the first generation
is uniform random; each later generation's parents are the best ``population_size`` trials of
the previous generation and its parents, by non-dominated sorting and then crowding distance;
a child is the uniform crossover of two parents picked by binary tournament (with probability
``crossover_prob``; else a copy of one), each parameter then resampled uniformly with
probability ``mutation_prob``. A generation is ``population_size`` *completed* trials (Optuna
counts nothing else), so a NaN observation (a diverged run), told as a failed trial, takes no
part in selection and its place in the generation is filled by the next trial. On a
single-objective search the study has one direction and the sampler is an elitist genetic
algorithm.

Defaults are Optuna's (5.0), which are Deb et al.'s operators on a discrete space (crossover
probability 0.9, swapping probability 0.5 per parameter: uniform crossover, since Deb et al.'s
simulated binary crossover is for real-valued variables; mutation probability 1 / (number of
dimensions), Deb et al.'s 1/n), except the population: 20 instead of Optuna's 50. At the
harness's 100-150 evaluations 50 leaves two generations after the random one: at 150
evaluations it did not beat random search on nb201/cifar10 or nasbench-graph/cora, where 20
did, and on macro/cifar10 its median final hypervolume regret was 0.061 against 20's 0.036
and random's 0.088 (50 seeds; docs/strategies.md, "Multi-objective strategies"). 20 is also
`sms-emoa`'s population, so that the two evolutionary strategies differ only in selection
and variation. ``population_size=50`` restores Optuna's default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from strategies._base import MULTI_OBJECTIVE
from strategies._options import StrategyOptions, option
from strategies._optuna_study import OptunaStrategy

if TYPE_CHECKING:
    import optuna


class NSGA2(OptunaStrategy):
    """Optuna's NSGA-II sampler driven by the harness's ask/tell loop."""

    name = "nsga2"
    tags = frozenset({MULTI_OBJECTIVE})
    description = "NSGA-II via Optuna's NSGAIISampler (Deb et al. 2002)."

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Options(StrategyOptions):
        """Options of `NSGA2`; each field's ``help`` says what it does."""

        population_size: int = option(
            20,
            minimum=2,
            help="Completed trials per generation; the first generation is uniform random.",
        )
        mutation_prob: float | None = option(
            None,
            minimum=0.0,
            maximum=1.0,
            help="Probability of resampling each dimension of a child; None: 1 / dimensions.",
        )
        crossover_prob: float = option(
            0.9, minimum=0.0, maximum=1.0, help="Probability that a child mixes two parents."
        )
        swapping_prob: float = option(
            0.5,
            minimum=0.0,
            maximum=1.0,
            help="Probability of taking each dimension from the second parent in a crossover.",
        )

    opts: Options

    def make_sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        """Optuna's `NSGAIISampler` with this strategy's options."""
        import optuna

        return optuna.samplers.NSGAIISampler(
            seed=seed,
            population_size=self.opts.population_size,
            mutation_prob=self.opts.mutation_prob,
            crossover_prob=self.opts.crossover_prob,
            swapping_prob=self.opts.swapping_prob,
        )
