"""Search spaces and the objectives that answer evaluations of their configs.

Public surface:

- the space model: `Space`, `Dimension`, `Config`, `Choice`;
- objectives: `Objective` (the interface), `ObjectiveInfo`, `Metric`, `Evaluation`,
  `Reader`, `Provenance`, `ObjectiveError`, and `RecordedTable` (recorded training runs);
- the registry: `load_objective`, `available_spaces`, `space_info`, `check_space_name`,
  `sources`, `SpaceSource` and `SpaceInfo` (one plugin module per family of spaces);
- user tables: `load_table`, `TableOptions`, `TableError`;
- NAS-Bench-201's cell: `NB201_OPS`, `NB201_EDGES`, `NB201_PATHS`, `is_nb201_cell`,
  `nb201_cell_space`.
"""

from __future__ import annotations

from spaces._nb201 import NB201_EDGES, NB201_OPS, NB201_PATHS, is_nb201_cell, nb201_cell_space
from spaces._objective import (
    DEFAULT_FIDELITY,
    Direction,
    Evaluation,
    Metric,
    Objective,
    ObjectiveError,
    ObjectiveInfo,
    Provenance,
    Reader,
)
from spaces._recorded import RecordedTable
from spaces._registry import (
    ENTRY_POINT_GROUP,
    TABLE_PREFIX,
    UnknownSpaceError,
    available_spaces,
    check_space_name,
    load_objective,
    sources,
    space_info,
)
from spaces._source import SpaceInfo, SpaceSource
from spaces._space import Choice, Config, Dimension, Space
from spaces._table import TableError, TableOptions, load_table

__all__ = [
    "DEFAULT_FIDELITY",
    "ENTRY_POINT_GROUP",
    "NB201_EDGES",
    "NB201_OPS",
    "NB201_PATHS",
    "TABLE_PREFIX",
    "Choice",
    "Config",
    "Dimension",
    "Direction",
    "Evaluation",
    "Metric",
    "Objective",
    "ObjectiveError",
    "ObjectiveInfo",
    "Provenance",
    "Reader",
    "RecordedTable",
    "Space",
    "SpaceInfo",
    "SpaceSource",
    "TableError",
    "TableOptions",
    "UnknownSpaceError",
    "available_spaces",
    "check_space_name",
    "is_nb201_cell",
    "load_objective",
    "load_table",
    "nb201_cell_space",
    "sources",
    "space_info",
]
