"""Names of the spaces a comparison can use, from every source, loaded lazily and once.

Sources are the modules of `spaces.sources` (found by walking the package) and whatever
installed packages register under the ``harness.spaces`` entry-point group; see
`spaces.SpaceSource`. Each objective is loaded at most once per process.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import pkgutil
from functools import cache
from typing import TYPE_CHECKING

from spaces._objective import Objective
from spaces._source import SpaceInfo, SpaceSource, Training
from spaces._table import TableOptions

if TYPE_CHECKING:
    from spaces.training import TrainingContext

TABLE_PREFIX = "table:"
ENTRY_POINT_GROUP = "harness.spaces"
_loaded: dict[tuple[str, TableOptions | None], Objective] = {}


class UnknownSpaceError(ValueError):
    """A space name that no source answers."""


def _collect(module: object, found: list[type[SpaceSource]]) -> None:
    for obj in vars(module).values():
        if (
            inspect.isclass(obj)
            and issubclass(obj, SpaceSource)
            and not inspect.isabstract(obj)
            and obj.__module__ == getattr(module, "__name__", None)
        ):
            found.append(obj)


@cache
def sources() -> tuple[SpaceSource, ...]:
    """Every space source: the built-in modules first, then entry-point plugins."""
    package = importlib.import_module("spaces.sources")
    _BROKEN.clear()
    classes: list[type[SpaceSource]] = []
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            _collect(importlib.import_module(f"spaces.sources.{info.name}"), classes)
    plugins: list[tuple[str, type[SpaceSource]]] = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        # An installed plugin that cannot be imported, or no longer fits the SpaceSource
        # API, is skipped with its reason (`broken_plugins`); every other space still works.
        try:
            obj = ep.load()
            found: list[type[SpaceSource]] = []
            if inspect.isclass(obj) and issubclass(obj, SpaceSource):
                found.append(obj)
            else:
                _collect(obj, found)
        except Exception as exc:
            _BROKEN[ep.name] = _reason(exc)
            continue
        plugins.extend((ep.name, cls) for cls in found)
    out: list[SpaceSource] = []
    owner: dict[str, str] = {}
    for plugin, cls in [("", c) for c in classes] + plugins:
        try:
            source = cls()
            names = (*source.names(), *([cls.prefix] if cls.prefix else []))
        except Exception as exc:
            if not plugin:
                raise  # the package's own sources are never skipped
            _BROKEN[plugin] = _reason(exc)
            continue
        for name in names:
            if name in owner:
                raise TypeError(
                    f"space name {name!r} is registered by both {owner[name]} and {cls.name}"
                )
            owner[name] = cls.name
        out.append(source)
    return tuple(out)


_BROKEN: dict[str, str] = {}


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


def broken_plugins() -> dict[str, str]:
    """Space-source plugins (entry points) that were skipped, with the reason, by name."""
    sources()
    return dict(_BROKEN)


def available_spaces() -> list[str]:
    """Names of the spaces with fixed names, in a stable order (sources, then their order)."""
    return [name for source in sources() for name in source.names()]


def _prefixes() -> list[str]:
    return [s.prefix for s in sources() if s.prefix]


def _source_of(name: str) -> SpaceSource:
    for source in sources():
        if name in source.names():
            return source
    for source in sources():
        if source.prefix and name.startswith(source.prefix) and len(name) > len(source.prefix):
            return source
    hints = [*available_spaces(), *(f"{p}PATH" for p in _prefixes())]
    raise UnknownSpaceError(f"unknown space {name!r}; choose one of {', '.join(hints)}")


def check_space_name(name: str) -> None:
    """Raise `UnknownSpaceError` with the valid names if ``name`` is not a space."""
    _source_of(name)


def space_training(name: str) -> Training:
    """How space ``name`` gets its results (`spaces.Training`), asked of its source.

    Raises:
        UnknownSpaceError: ``name`` is not a space.
    """
    return _source_of(name).training(name)


def space_fill(name: str) -> str:
    """How much of space ``name`` is recorded (a table: all; a cache: its fill), for ``list``.

    Raises:
        UnknownSpaceError: ``name`` is not a space.
    """
    return _source_of(name).recorded(name)


def space_info(name: str) -> SpaceInfo:
    """Static facts about the space with fixed name ``name`` (nothing is loaded).

    Raises:
        UnknownSpaceError: ``name`` is not a space, or one named by a path.
    """
    info = _source_of(name).describe(name)
    if info is None:
        raise UnknownSpaceError(f"space {name!r} is known only once loaded")
    return info


def load_objective(
    name: str,
    *,
    table_options: TableOptions | None = None,
    training: TrainingContext | None = None,
) -> Objective:
    """Load (once per process) the objective of space ``name``.

    Args:
        name: A name such as ``nb201/cifar10``, or ``table:PATH`` for a user table.
        table_options: Column roles for ``table:`` spaces; ignored by other sources.
        training: Where a trainable space trains and keeps its cache (None: the
            environment's, `spaces.training.TrainingContext.from_environment`); ignored by
            sources that train nothing.

    Raises:
        UnknownSpaceError: ``name`` is not a space.
        TableError: A user table is unreadable or malformed.
    """
    source = _source_of(name)
    key = (name, table_options if source.prefix else None)
    if key not in _loaded:
        _loaded[key] = (
            source.load(name, table_options=table_options)
            if training is None
            else source.load_training(name, table_options=table_options, training=training)
        )
    return _loaded[key]


__all__ = [
    "ENTRY_POINT_GROUP",
    "TABLE_PREFIX",
    "UnknownSpaceError",
    "available_spaces",
    "broken_plugins",
    "check_space_name",
    "load_objective",
    "sources",
    "space_fill",
    "space_info",
    "space_training",
]
