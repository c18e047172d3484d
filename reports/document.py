"""The report as one document of blocks, and the sections that contribute them.

A report is computed and written in two steps. First every registered `Section` computes its
part of a space's statistics from the space's loaded runs (`Cell`); the parts together are
the space's entry in ``stats.json``. Then every section turns that entry back into
*blocks* - headings, lines of text, notes, lists, tables and figures - and the report is
the sequence of those blocks (`Document`). The Markdown, HTML, LaTeX and terminal writers
render blocks, never sections, so a new section shows in every format without an edit to
any writer.

Adding a section is one module with a `Section` subclass, plus its registration: an entry
in ``reports._sections.SECTIONS`` for the report's own sections, or `register_section`
(``reports.register_section``) for one added from outside, such as a plug-in or a test::

    class Uniques(Section):
        name = "uniques"

        def stats(self, cell, settings):
            return {"uniques": {lab: ... for lab in cell.labels}}

        def blocks(self, space, context):
            rows = [[lab, str(n)] for lab, n in space["uniques"].items()]
            table = TextTable(title="unique configs", columns=["strategy", "n"], rows=rows)
            return [Table(table=table, label="uniques")]

Everything a block shows must come from the space's entry (``space``), never from the runs,
so that every number of every output file is one of ``stats.json``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from reports._data import Cell

DAGGER = "†"
"""The mark of a table cell (`TextTable.marked`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TextTable:
    """A table independent of any output format.

    Attributes:
        title: Caption.
        columns: Column headers.
        rows: Cell text, one list per row.
        bold: ``(row, column)`` cells to set in bold.
        marked: ``(row, column)`` cells that get the dagger mark.
        legend: Text under the table (what marks mean).
        text_columns: Columns of names or words, set flush left (numbers go flush right).
    """

    title: str
    columns: list[str]
    rows: list[list[str]]
    bold: set[tuple[int, int]] = field(default_factory=set)
    marked: set[tuple[int, int]] = field(default_factory=set)
    legend: str = ""
    text_columns: frozenset[int] = frozenset({0})

    def justify(self, column: int) -> str:
        """``left`` for a text column, ``right`` for a column of numbers."""
        return "left" if column in self.text_columns else "right"


# ------------------------------------------------------------------------------ blocks


@dataclass(frozen=True, slots=True, kw_only=True)
class Heading:
    """A heading (plain text); level 1 is the report's title, 2 a part of it.

    The terminal leaves headings out: its tables' titles name the space already.
    """

    text: str
    level: int = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Lines:
    """Lines of text, each one line of Markdown (code spans, emphasis), shown together."""

    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Notes:
    """Notes a reader should not miss (caveats, what was left out and why).

    Attributes:
        texts: The notes, one line of Markdown each.
        scope: What they are about, as the terminal prefixes them (a space's name, or
            ``across spaces``); None for the whole report.
    """

    texts: tuple[str, ...]
    scope: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Items:
    """A list of items, e.g. the summary's findings or a space's failed runs.

    Attributes:
        items: One line each.
        title: Text before the list (none where a heading introduces it).
        tag: The word the terminal prints before each item (``summary``, ``failed``).
        tag_style: Its rich style in the terminal.
        scope: Printed by the terminal after the tag (a space's name), or None.
        markdown: Whether the items are Markdown; plain text (an error message) is shown
            exactly as written.
    """

    items: tuple[str, ...]
    title: str = ""
    tag: str = ""
    tag_style: str = ""
    scope: str | None = None
    markdown: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """A table, with the label LaTeX refers to it by (``tab:<label>``)."""

    table: TextTable
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Figure:
    """A drawn figure (PNG files relative to the report), with its alternative text.

    The terminal shows no figures; LaTeX names their files in a comment.
    """

    files: tuple[str, ...]
    alt: str


Block = Heading | Lines | Notes | Items | Table | Figure
"""Everything a writer can render."""

Scope = Literal["report", "across", "space"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    """A run of blocks about one thing: the whole report, all spaces together, or one space.

    Attributes:
        scope: ``report`` (title, summary, settings), ``across`` (statistics over spaces) or
            ``space``.
        blocks: The blocks in reading order.
    """

    scope: Scope
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """A whole report: its parts in reading order (report, across spaces, each space)."""

    parts: tuple[Part, ...]

    def blocks(self) -> list[Block]:
        """Every block of every part, in reading order."""
        return [block for part in self.parts for block in part.blocks]


# ------------------------------------------------------------------------------ sections


@dataclass(frozen=True, slots=True, kw_only=True)
class StatsSettings:
    """The report's settings a section computes with.

    Attributes:
        alpha: Significance level of every test.
        seed: The report seed: derive every random draw from it (`reports._inference`'s
            ``rng_for``), never from a global generator.
        zero_method: Zero-difference handling of the Wilcoxon tests.
        family: ``vs-best`` or ``all-pairs``.
        control: The strategy named as the control of the tests, or None.
    """

    alpha: float
    seed: int
    zero_method: str
    family: str
    control: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderContext:
    """What a section's blocks may use besides the space's statistics.

    Attributes:
        alpha: Significance level of the report's tests.
        figures: The drawn figures' files by figure key (empty without figures).
    """

    alpha: float
    figures: Mapping[str, Sequence[str]]

    def figure(self, key: str, alt: str | None = None) -> list[Figure]:
        """The figure drawn under ``key`` (its first file, the PNG), or none if not drawn."""
        files = self.figures.get(key)
        return [Figure(files=(files[0],), alt=alt or key)] if files else []


class Section:
    """One part of each space's report: its statistics and the blocks that show them.

    A report calls `stats` once per space that has runs to compare (`empty_stats` for one
    that has none) and merges the returned keys into the space's ``stats.json`` entry
    (nested dictionaries are merged, so a section may add to another's; two sections
    writing the same key is an error). After all sections have computed, `blocks` is called
    with the whole entry for each space with final results, in registration order. A
    section that has nothing to show for a space returns no blocks, and one that has
    nothing to compute returns no keys: its statistics come from another section.

    Attributes:
        name: Short kebab-case name, unique among the registered sections.
    """

    name: str = ""

    def stats(self, cell: Cell, settings: StatsSettings) -> dict[str, Any]:
        """This section's keys of the space's statistics, computed from its runs.

        Args:
            cell: The space's loaded runs (`reports.Cell`): paired final results,
                anytime curves, the runs' notes and diagnostics.
            settings: The report's settings.
        """
        del cell, settings
        return {}

    def empty_stats(self, cell: Cell) -> dict[str, Any]:
        """The keys this section records for a space with nothing to compare."""
        del cell
        return {}

    def blocks(self, space: dict[str, Any], context: RenderContext) -> list[Block]:
        """The blocks that show this section for one space, from its statistics only."""
        del space, context
        return []


__all__ = [
    "DAGGER",
    "Block",
    "Document",
    "Figure",
    "Heading",
    "Items",
    "Lines",
    "Notes",
    "Part",
    "RenderContext",
    "Section",
    "StatsSettings",
    "Table",
    "TextTable",
]
