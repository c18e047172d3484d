"""User tables: ``table:PATH`` spaces read from a CSV or Parquet file of recorded runs."""

from __future__ import annotations

from spaces._objective import Objective
from spaces._source import SpaceInfo, SpaceSource
from spaces._table import TableOptions, load_table


class UserTables(SpaceSource):
    """Any ``table:PATH`` name: the file at PATH, read with the comparison's table options."""

    name = "user-table"
    prefix = "table:"

    def names(self) -> tuple[str, ...]:
        """None: user tables are named by their path."""
        return ()

    def describe(self, name: str) -> SpaceInfo | None:
        """Unknown until the file is read."""
        return None

    def load(self, name: str, *, table_options: TableOptions | None) -> Objective:
        """Read the table at the path after the prefix."""
        return load_table(name[len(self.prefix or "") :], table_options)
