"""Search spaces and the objectives that answer evaluations of their configs.

Public surface:

- the space model: `Space`, `Dimension`, `Config`, `Choice`;
- objectives: `Objective` (the interface), `ObjectiveInfo`, `Metric`, `Evaluation`,
  `Reader`, `Provenance`, `ObjectiveError`, and `RecordedTable` (recorded training runs);
- the registry: `load_objective`, `available_spaces`, `space_info`, `check_space_name`,
  `space_training` and `space_fill` (how a space gets its results: `Training`),
  `sources`, `SpaceSource` and `SpaceInfo` (one plugin module per family of spaces);
- user tables: `load_table`, `TableOptions`, `TableError`;
- NAS-Bench-201's cell: `NB201_OPS`, `NB201_EDGES`, `NB201_PATHS`, `is_nb201_cell`,
  `nb201_cell_space`, its cell strings (`cell_string`, `parse_cell_string`) and its two
  fidelities (`NB201_FIDELITIES`, the 12-epoch table `NB201_TWELVE_EPOCH_STEM` of
  `NB201_TWELVE_EPOCH_DATASETS`);
- tables at several fidelities: `FidelityTable` (independent schedules) and `CurveTable`
  (learning curves: every epoch a fidelity that continues the one before);
- several objectives at once: `MultiObjective` (searched as ``hv(a,b)``: `pareto_metric`,
  `objectives_of`, `search_objective`, `REFERENCE_LOSS`) and moocore's fronts and
  hypervolumes on losses (`nondominated`, `hypervolume`, `hypervolume_contributions`,
  `pareto_ranks`);
- what an objective offers beyond evaluations, as protocols: `RecordedCosts`,
  `SupernetSearch`, `TrainsOnMiss`, `SeveralObjectives` (with `recorded_costs` and
  `searched_objectives`);
- prior knowledge for transfer strategies: `PriorData` (another data set's results on the
  same space);
- tables converted from licensed upstream files and shipped in the package: `SHIPPED_DIR`,
  `read_shipped`, `write_shipped` (deterministic bytes), `ShippedTableError`.
"""

from __future__ import annotations

# The subpackage of space sources shares its name with the function `sources`. Importing the
# subpackage first, here, lets the function below take the name for good: a later import of
# `spaces.sources.<module>` would otherwise replace `spaces.sources` with the subpackage.
from spaces import sources as _sources_package  # noqa: F401
from spaces._curves import CurveTable
from spaces._features import (
    RecordedCosts,
    SeveralObjectives,
    SupernetSearch,
    TrainsOnMiss,
    recorded_costs,
    searched_objectives,
)
from spaces._fidelity import FidelityTable
from spaces._multi import (
    REFERENCE_LOSS,
    MultiObjective,
    objectives_of,
    pareto_metric,
    search_objective,
)
from spaces._nb201 import (
    NB201_EDGES,
    NB201_FIDELITIES,
    NB201_OPS,
    NB201_PATHS,
    NB201_TWELVE_EPOCH_DATASETS,
    NB201_TWELVE_EPOCH_STEM,
    cell_string,
    is_nb201_cell,
    nb201_cell_space,
    parse_cell_string,
)
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
from spaces._pareto import hypervolume, hypervolume_contributions, nondominated, pareto_ranks
from spaces._prior import PriorData
from spaces._recorded import RecordedTable
from spaces._registry import (
    ENTRY_POINT_GROUP,
    TABLE_PREFIX,
    UnknownSpaceError,
    available_spaces,
    broken_plugins,
    check_space_name,
    load_objective,
    sources,
    space_fill,
    space_info,
    space_training,
)
from spaces._shipped import SHIPPED_DIR, ShippedTableError, read_shipped, write_shipped
from spaces._source import SpaceInfo, SpaceSource, Training
from spaces._space import Choice, Config, Dimension, Space
from spaces._table import TableError, TableOptions, load_table

__all__ = [
    "DEFAULT_FIDELITY",
    "ENTRY_POINT_GROUP",
    "NB201_EDGES",
    "NB201_FIDELITIES",
    "NB201_OPS",
    "NB201_PATHS",
    "NB201_TWELVE_EPOCH_DATASETS",
    "NB201_TWELVE_EPOCH_STEM",
    "REFERENCE_LOSS",
    "SHIPPED_DIR",
    "TABLE_PREFIX",
    "Choice",
    "Config",
    "CurveTable",
    "Dimension",
    "Direction",
    "Evaluation",
    "FidelityTable",
    "Metric",
    "MultiObjective",
    "Objective",
    "ObjectiveError",
    "ObjectiveInfo",
    "PriorData",
    "Provenance",
    "Reader",
    "RecordedCosts",
    "RecordedTable",
    "SeveralObjectives",
    "ShippedTableError",
    "Space",
    "SpaceInfo",
    "SpaceSource",
    "SupernetSearch",
    "TableError",
    "TableOptions",
    "Training",
    "TrainsOnMiss",
    "UnknownSpaceError",
    "available_spaces",
    "broken_plugins",
    "cell_string",
    "check_space_name",
    "hypervolume",
    "hypervolume_contributions",
    "is_nb201_cell",
    "load_objective",
    "load_table",
    "nb201_cell_space",
    "nondominated",
    "objectives_of",
    "pareto_metric",
    "pareto_ranks",
    "parse_cell_string",
    "read_shipped",
    "recorded_costs",
    "search_objective",
    "searched_objectives",
    "sources",
    "space_fill",
    "space_info",
    "space_training",
    "write_shipped",
]
