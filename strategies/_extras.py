"""Strategies backed by an optional library: one place that says what they need and refuses.

The core install carries no optimisation library beyond Optuna: Nevergrad, pymoo, DEHB, SMAC
and Optuna's CMA-ES backend are optional extras
(``pip install "nas-harness[nevergrad]"``). A strategy built on one subclasses
`LibraryStrategy` and says which extra and which import names it needs. Nothing here imports
the library: `LibraryStrategy.unavailable` asks the import system whether the modules could be
found (``importlib.util.find_spec``, no import), so listing and planning stay fast, and the
import happens in `LibraryStrategy.warm_up`, outside the measured overhead. A missing extra is
one line naming the install command (`StrategyUnavailableError`, a ``ValueError``, so the
command line exits with code 2), at construction (planning) and again in ``warm_up``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import numpy as np

from spaces import Space
from strategies._base import Strategy


class StrategyUnavailableError(ValueError):
    """A strategy whose optional library is not installed; the message says how to install it."""


def _findable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False  # a parent package is missing, or half-installed


class LibraryStrategy(Strategy):
    """A strategy that drives another library's optimiser through the harness's ask/tell loop.

    Subclasses set `extra` (the ``nas-harness`` extra that installs the library), `modules`
    (what must be importable) and `distribution` (the package whose version runs are tagged
    with), import the library in their own code only after `warm_up` (function-level
    imports), and implement ``ask`` and ``tell`` as any strategy does.
    """

    extra: ClassVar[str]
    """The optional dependency group of ``nas-harness`` that installs the library."""
    modules: ClassVar[tuple[str, ...]] = ()
    """Import names that must be found for the strategy to run."""
    distribution: ClassVar[str]
    """The library's distribution name (its version goes into `diagnostics`)."""

    def __init__(self, space: Space, **kwargs: Any) -> None:
        reason = type(self).unavailable()
        if reason is not None:
            raise StrategyUnavailableError(reason)
        super().__init__(space, **kwargs)

    @classmethod
    def unavailable(cls) -> str | None:
        """Why the strategy cannot run here (its extra is missing), or None when it can."""
        missing = [m for m in cls.modules if not _findable(m)]
        if not missing:
            return None
        return (
            f"strategy {cls.display_name()!r} needs {', '.join(missing)}, which is not "
            f'installed: pip install "nas-harness[{cls.extra}]"'
        )

    @classmethod
    def warm_up(cls) -> None:
        """Import the library (the import is the harness's time, not the strategy's).

        Raises:
            StrategyUnavailableError: The library is missing or does not import.
        """
        reason = cls.unavailable()
        if reason is not None:
            raise StrategyUnavailableError(reason)
        for module in cls.modules:
            try:
                importlib.import_module(module)
            except ImportError as exc:
                first = (str(exc).splitlines() or [type(exc).__name__])[0]
                raise StrategyUnavailableError(
                    f"strategy {cls.display_name()!r}: {module} does not import ({first}); "
                    f'reinstall it: pip install "nas-harness[{cls.extra}]"'
                ) from None

    @classmethod
    def library_version(cls) -> str | None:
        """The installed version of the library, or None when it is not installed."""
        try:
            return importlib.metadata.version(cls.distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    def diagnostics(self) -> dict[str, Any]:
        """The library and its version, stored with every run."""
        return {"library": self.distribution, "library_version": self.library_version()}


class WorstSoFar:
    """Losses to tell a library: a diverged run (NaN) becomes the worst finite loss seen so far.

    Libraries differ in what they do with NaN (some fail, some rank it best); the harness's
    own model-based strategies tell the worst value so far, and so do the adapters. Before
    any finite loss there is nothing to tell (`loss` returns None).
    """

    def __init__(self) -> None:
        self.worst: float | None = None

    def loss(self, loss: float) -> float | None:
        """``loss`` itself when finite (remembering the worst), else the worst so far."""
        if math.isfinite(loss):
            self.worst = loss if self.worst is None else max(self.worst, loss)
            return loss
        return self.worst


class PrivateGlobalRandom:
    """Runs library code that draws from the global ``numpy.random`` or ``random`` state.

    Some libraries draw from the global generators in places their seed does not reach. The
    harness may not touch those (design invariant 3), so such calls run inside `active`: the
    global states are swapped for this instance's own (seeded from ``seed``) and swapped
    back afterwards, keeping what the library drew. The run is then reproducible from its
    seed and the caller's global state is left exactly as it was.

    Args:
        seed: Seed of the private states.
    """

    def __init__(self, seed: int) -> None:
        self._numpy = np.random.RandomState(seed).get_state()
        self._python = random.Random(seed).getstate()

    @contextmanager
    def active(self) -> Iterator[None]:
        """The block's global draws come from (and advance) the private states."""
        outer_numpy = np.random.get_state()  # noqa: NPY002 - saved to be restored
        outer_python = random.getstate()
        np.random.set_state(self._numpy)  # noqa: NPY002
        random.setstate(self._python)
        try:
            yield
        finally:
            self._numpy = np.random.get_state()  # noqa: NPY002
            self._python = random.getstate()
            np.random.set_state(outer_numpy)  # noqa: NPY002
            random.setstate(outer_python)


def unavailable_reason(cls: type[Strategy]) -> str | None:
    """Why strategy class ``cls`` cannot run here (an optional extra is missing), or None."""
    check = getattr(cls, "unavailable", None)
    return check() if callable(check) else None


__all__ = [
    "LibraryStrategy",
    "PrivateGlobalRandom",
    "StrategyUnavailableError",
    "WorstSoFar",
    "unavailable_reason",
]
