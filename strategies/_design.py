"""The random initial design size, one rule for every strategy that starts with one.

``n_init=None`` (the default everywhere) means 10 random configs, capped to the budget and to
the space's size, so that tiny user tables and short budgets work; an explicit ``n_init``
that does not fit is a user error.
"""

from __future__ import annotations

from spaces import Space

DEFAULT_N_INIT = 10


def initial_design_size(
    n_init: int | None, *, space: Space, budget: int | None, default: int = DEFAULT_N_INIT
) -> int:
    """The initial design size a strategy uses; ``None`` means ``default`` capped to fit.

    Raises:
        ValueError: An explicit ``n_init`` is below 1 or larger than the budget or the space.
    """
    if n_init is None:
        return max(1, min(default, space.n_configs, budget if budget is not None else default))
    if isinstance(n_init, bool) or not isinstance(n_init, int) or n_init < 1:
        raise ValueError(f"n_init={n_init!r} must be a whole number >= 1 (or None for automatic)")
    if budget is not None and n_init > budget:
        raise ValueError(f"n_init={n_init} is larger than the budget of {budget} evaluations")
    if n_init > space.n_configs:
        raise ValueError(f"n_init={n_init} is larger than the space ({space.n_configs} configs)")
    return n_init
