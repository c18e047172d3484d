"""The random initial design size, one rule for every strategy that starts with one.

``n_init=None`` (the default everywhere) means 10 random configs, capped to the budget and to
the space's size, so that tiny user tables and short budgets work; an explicit ``n_init``
that does not fit is a user error.
"""

from __future__ import annotations

from strategies._base import Strategy
from strategies._options import option

DEFAULT_N_INIT = 10


def n_init_option(
    help: str = (
        "Size of the random initial design; None means 10, capped to the budget and the space."
    ),
) -> int | None:
    """Declare the ``n_init`` option: a whole number >= 1, or ``None`` (the default)."""
    return option(None, minimum=1, help=help)


def initial_design_size(
    strategy: Strategy, n_init: int | None, *, default: int = DEFAULT_N_INIT
) -> int:
    """The initial design size ``strategy`` uses; ``None`` means ``default`` capped to fit.

    Args:
        strategy: The strategy, for its space and budget; ``n_init`` is its option.
        n_init: The ``n_init`` option's value (already a whole number >= 1 or ``None``).
        default: The size that ``None`` stands for before capping.

    Raises:
        StrategyOptionError: An explicit ``n_init`` is larger than the budget or the space.
    """
    space, budget = strategy.space, strategy.budget
    if n_init is None:
        return max(1, min(default, space.n_configs, budget if budget is not None else default))
    if budget is not None and n_init > budget:
        raise strategy.option_error("n_init", f"must be at most the budget ({budget} evaluations)")
    if n_init > space.n_configs:
        raise strategy.option_error(
            "n_init", f"must be at most the size of the space ({space.n_configs} configs)"
        )
    return n_init
