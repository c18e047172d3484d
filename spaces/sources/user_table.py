"""User tables: ``table:PATH`` spaces read from a CSV or Parquet file of recorded runs."""

from __future__ import annotations

from spaces._objective import Objective
from spaces._source import SpaceInfo, SpaceSource
from spaces._table import TableError, TableOptions, load_table


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
        """Read the table at the path after the prefix.

        Raises:
            TableError: The path is not text (undecodable bytes from the file system: the
                results store keeps space names as UTF-8), or the table cannot be used.
        """
        path = name[len(self.prefix or "") :]
        try:
            path.encode("utf-8")
        except UnicodeEncodeError as exc:
            shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            byte = ord(exc.object[exc.start]) - 0xDC00  # surrogateescape keeps the raw byte
            raise TableError(
                f"{shown}: the file name is not valid UTF-8 (byte 0x{byte:02x} at position "
                f"{exc.start}); rename the file: results keep space names as text"
            ) from None
        return load_table(path, table_options)
