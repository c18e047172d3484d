r"""Write a report's `Document` as Markdown, self-contained HTML, LaTeX and terminal tables.

Each writer renders blocks (`reports.document`), never sections, so every section shows in
every format; every number shown is one of ``stats.json``, from which the document is
built. Tables are `TextTable` values (cells of text plus which are bold or marked) written
in each format (LaTeX: `reports._latex`, booktabs floats that fit a one-column article).
What a format cannot show it leaves out, by kind of block: the terminal shows no headings
or figures; LaTeX sets tables as floats and everything else as comments.
"""

from __future__ import annotations

import base64
import html as html_lib
import re
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from reports._document import build_document
from reports._latex import latex_escape, latex_table
from reports._summary import fitted_tables
from reports.document import (
    DAGGER,
    Block,
    Document,
    Figure,
    Heading,
    Items,
    Lines,
    Notes,
    Part,
    Table,
    TextTable,
)

__all__ = ["DAGGER", "TextTable", "html", "latex", "latex_escape", "markdown", "terminal"]


def _conclusion_last(document: Document) -> list[Part]:
    """The parts with the across-spaces part last.

    The terminal ends on the conclusion over all spaces, the lines a user still sees after
    the output has scrolled; ``tables.tex`` keeps each space's tables first, in the order
    a paper's per-space results come before the summary over them.
    """
    return [p for p in document.parts if p.scope != "across"] + [
        p for p in document.parts if p.scope == "across"
    ]


# ---------------------------------------------------------------------------- Markdown


# Characters that would turn a table cell's text into Markdown: escaped, so that a label
# such as "evo*2" or an error message shows as written. An underscore inside a word
# ("p_local") never starts emphasis, so it is left alone and the raw file stays readable.
_MD_SPECIAL = re.compile(r"[\\`*\[\]|]|<(?=[A-Za-z/!?])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_escape(text: str) -> str:
    """``text`` as Markdown that renders as exactly this text (in a table cell, too)."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _md_cell(t: TextTable, r: int, c: int) -> str:
    text = md_escape(t.rows[r][c])
    if (r, c) in t.marked:
        text += f" {DAGGER}"
    return f"**{text}**" if (r, c) in t.bold else text


def md_table(t: TextTable) -> str:
    """A GitHub-flavoured Markdown table with caption and legend."""
    lines = [
        f"**{t.title}**",
        "",
        "| " + " | ".join(md_escape(c) for c in t.columns) + " |",
        "|" + "|".join("---" for _ in t.columns) + "|",
    ]
    for r in range(len(t.rows)):
        lines.append("| " + " | ".join(_md_cell(t, r, c) for c in range(len(t.columns))) + " |")
    if t.legend:
        lines += ["", f"*{t.legend}*"]
    return "\n".join(lines) + "\n"


def _md_block(block: Block) -> str:
    match block:
        case Heading():
            return f"{'#' * block.level} {block.text}"
        case Lines():
            return "\n".join(block.lines)
        case Notes():
            return "\n".join(f"> {n}" for n in block.texts)
        case Items():
            items = [f"- {i if block.markdown else md_escape(i)}" for i in block.items]
            listed = "\n".join(items)
            return f"{block.title}\n\n{listed}" if block.title else listed
        case Table():
            return md_table(block.table).rstrip("\n")
        case Figure():
            return "\n".join(f"![{block.alt}]({f})" for f in block.files)


def markdown(stats: dict[str, Any], figures: Mapping[str, Sequence[str]]) -> str:
    """``report.md``: the whole report, figures linked as PNG files."""
    document = build_document(stats, figures)
    return "\n\n".join(_md_block(b) for b in document.blocks()) + "\n"


# ---------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
.table{overflow-x:auto;margin:.6em 0}
table{border-collapse:collapse;font-size:.9em}
th,td{padding:.25em .5em;text-align:right;border-bottom:1px solid #ddd;vertical-align:top}
th{border-bottom:2px solid #444;vertical-align:bottom}
th.text,td.text{text-align:left} td.name{white-space:nowrap}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
.legend{font-size:.85em;color:#555;margin-top:0} .note{background:#fff6dd;padding:.4em .8em;
border-left:4px solid #e0b000;margin:.4em 0}
.figure{overflow-x:auto;margin:.8em 0} .figure img{max-width:100%;height:auto}
code{font-size:.9em;background:#f3f3f3;padding:0 .2em;border-radius:3px}
@media (max-width:900px){body{margin:1em auto} table{font-size:.8em} th,td{padding:.2em .35em}}
"""

# CommonMark with raw HTML turned off: a note that holds "<...>" is shown, never run.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def md_inline(text: str) -> str:
    """One line of the report's Markdown (code spans, emphasis) as escaped HTML."""
    return str(_MARKDOWN.renderInline(text))


# "0.1 ± 0.02" and "[0.1, 0.2]" read as one value each: a narrow window may break a cell
# between values ("0.05 [0.01, 0.1]" before its "["), never inside one.
_ONE_VALUE = re.compile(r" ± |(?<=,) (?=[^\[\]]*\])")


def _html_cell(text: str) -> str:
    return _ONE_VALUE.sub(lambda m: m.group(0).replace(" ", "\u00a0"), html_lib.escape(text))


def html_table(t: TextTable) -> str:
    """An HTML table with caption and legend."""
    esc = html_lib.escape
    head = "".join(
        f'<th class="text">{esc(h)}</th>' if c in t.text_columns else f"<th>{esc(h)}</th>"
        for c, h in enumerate(t.columns)
    )
    body = []
    for r, row in enumerate(t.rows):
        cells = []
        for c, text in enumerate(row):
            v = _html_cell(text) + (f" {DAGGER}" if (r, c) in t.marked else "")
            v = f"<b>{v}</b>" if (r, c) in t.bold else v
            # Names (first column, and a and b of a pair) never break at their hyphens.
            cls = ("text name" if c in (0, 1) else "text") if c in t.text_columns else ""
            cells.append(f'<td class="{cls}">{v}</td>' if cls else f"<td>{v}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    legend = f'<p class="legend">{md_inline(t.legend)}</p>' if t.legend else ""
    # The wrapper scrolls a table wider than the page sideways instead of widening the page.
    return (
        f'<div class="table"><table><caption>{esc(t.title)}</caption><thead><tr>{head}</tr>'
        "</thead><tbody>" + "".join(body) + f"</tbody></table></div>{legend}\n"
    )


# Narrowest a figure is shown (px): in a narrower window it scrolls sideways in its box
# instead, because scaled down further its labels would be too small to read.
_MIN_FIGURE_PX = 720


def _img(root: Path, rel: str, alt: str) -> str:
    png = (root / rel).read_bytes()
    width, height = struct.unpack(">II", png[16:24])  # the PNG header's IHDR chunk
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<div class="figure"><img alt="{html_lib.escape(alt)}" width="{width}" '
        f'height="{height}" style="min-width:{min(width, _MIN_FIGURE_PX)}px" '
        f'src="data:image/png;base64,{data}"></div>\n'
    )


def _html_block(block: Block, root: Path) -> str:
    esc = html_lib.escape
    match block:
        case Heading():
            return f"<h{block.level}>{esc(block.text)}</h{block.level}>"
        case Lines():
            return "\n".join(f"<p>{md_inline(line)}</p>" for line in block.lines)
        case Notes():
            return "\n".join(f'<p class="note">{md_inline(n)}</p>' for n in block.texts)
        case Items():
            text = md_inline if block.markdown else esc
            items = "".join(f"<li>{text(i)}</li>" for i in block.items)
            return (f"<p>{md_inline(block.title)}</p>" if block.title else "") + f"<ul>{items}</ul>"
        case Table():
            return html_table(block.table)
        case Figure():
            return "".join(_img(root, f, block.alt) for f in block.files)


def html(stats: dict[str, Any], figures: Mapping[str, Sequence[str]], root: Path) -> str:
    """``report.html``: the whole report in one file, figures embedded as PNG data URIs."""
    document = build_document(stats, figures)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>Comparison report</title>",
        f"<style>{_CSS}</style></head><body>",
        *[_html_block(b, root) for b in document.blocks()],
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------------- LaTeX


def _comment(text: str) -> list[str]:
    return [f"% {line}" for line in text.splitlines()] or ["%"]


def _latex_block(block: Block) -> list[str]:
    from reports._figures import slug

    match block:
        case Heading():
            return _comment(f"{block.text}")
        case Lines():
            return [c for line in block.lines for c in _comment(line)]
        case Notes():
            return [c for n in block.texts for c in _comment(f"note: {n}")]
        case Items():
            return [c for i in block.items for c in _comment(f"- {i}")]
        case Table():
            return [latex_table(block.table, f"tab:{slug(block.label)}")]
        case Figure():
            return [c for f in block.files for c in _comment(f"figure ({block.alt}): {f}")]


def latex(stats: dict[str, Any]) -> str:
    """``tables.tex``: every table of the report as a float; the rest of it as comments."""
    document = build_document(stats, {})
    out = [
        "% Generated by `python -m harness report`; needs \\usepackage{booktabs} and",
        "% \\usepackage{graphicx}. Tables are set in \\footnotesize and split by columns to fit",
        "% a one-column 10 pt article (345 pt); only where still wider than \\linewidth (larger",
        "% type, two columns) is a table scaled down to it. Each part of the report (a space,",
        "% the spaces together) ends in \\clearpage, which sets its tables before the next:",
        "% LaTeX holds at most 18 floats waiting for a place.",
        "% Every number is in stats.json.",
        "",
    ]
    n_tables = 0
    for part in _conclusion_last(document):
        tables = sum(isinstance(b, Table) for b in part.blocks)
        for block in part.blocks:
            out += _latex_block(block)
        if tables:
            out.append("\\clearpage")
        n_tables += tables
    if not n_tables:
        out += _latex_block(Lines(lines=("nothing to compare: no tables",)))
    return "\n".join(out)


# ---------------------------------------------------------------------------- terminal


def _terminal_block(block: Block, console: Console) -> None:
    match block:
        case Heading() | Figure():
            return  # the files have them; table titles name the space
        case Lines():
            for line in block.lines:
                console.print(Text(line), highlight=False)
        case Notes():
            where = "note" if block.scope is None else f"note ({block.scope})"
            for n in block.texts:
                console.print(Text(f"{where}:", style="yellow") + Text(f" {n}"), highlight=False)
        case Items():
            scope = "" if block.scope is None else f"{block.scope} "
            for i in block.items:
                console.print(
                    Text(f"{block.tag}: ", style=block.tag_style) + Text(scope + i),
                    highlight=False,
                )
        case Table():
            _print_table(block.table, console)


def terminal(stats: dict[str, Any], console: Console) -> None:
    """Print the report's summary, tables and notes as rich tables."""
    document = build_document(stats, {})
    for part in _conclusion_last(document):
        for block in part.blocks:
            _terminal_block(block, console)


def _print_table(t: TextTable, console: Console) -> None:
    # Too wide for the console: several narrower tables that each repeat the names.
    for table in _rich(t, console.width):
        console.print(table)
    if t.legend:
        console.print(Text(t.legend, style="dim"))


def _rich(t: TextTable, width: int) -> list[RichTable]:
    rows: list[list[str | Text]] = []
    for r, row in enumerate(t.rows):
        cells: list[str | Text] = []
        for c, text in enumerate(row):
            v = text + (f" {DAGGER}" if (r, c) in t.marked else "")
            cells.append(Text(v, style="bold" if (r, c) in t.bold else ""))
        rows.append(cells)
    columns = [(col, t.justify(i)) for i, col in enumerate(t.columns)]
    return fitted_tables(t.title, columns, rows, width)
