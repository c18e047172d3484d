"""Search spaces and the tabular benchmarks of real recorded training runs behind them.

Public surface: `Space`, `Dimension` and `Config` (points of a space), `TabularBenchmark` and
`Provenance` (recorded runs), `load_space` / `available_spaces` / `space_info` (the registry of
built-in spaces and ``table:PATH`` user tables) and `TableOptions` for reading user tables.
"""

from __future__ import annotations

from spaces._benchmark import Direction, Provenance, TabularBenchmark
from spaces._registry import (
    TABLE_PREFIX,
    SpaceInfo,
    UnknownSpaceError,
    available_spaces,
    check_space_name,
    load_space,
    space_info,
)
from spaces._space import Choice, Config, Dimension, Space
from spaces._table import TableError, TableOptions, load_table

__all__ = [
    "TABLE_PREFIX",
    "Choice",
    "Config",
    "Dimension",
    "Direction",
    "Provenance",
    "Space",
    "SpaceInfo",
    "TableError",
    "TableOptions",
    "TabularBenchmark",
    "UnknownSpaceError",
    "available_spaces",
    "check_space_name",
    "load_space",
    "load_table",
    "space_info",
]
