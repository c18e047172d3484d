r"""A report table as booktabs LaTeX that fits a one-column article at a readable size.

A paper's one-column article (10 pt, ``\linewidth`` 345 pt) is the target: every table is
set in ``\footnotesize`` (8 pt there) and split by columns into as many floats as it needs
to fit the line at that size, each part repeating the columns a row is read by (the
strategy, or a pair's two strategies), the way the terminal splits a table too wide for the
console. Headers wrap at spaces; long text cells (a test's note) wrap in a paragraph box.
Widths are estimated from the characters (a generous average glyph width of Computer
Modern), so a part is never wider than the line in the target article. In a document with
larger type or narrower columns (a two-column template), a table still wider than
``\linewidth`` is scaled down to it (graphicx's ``\resizebox``, only where needed).
"""

from __future__ import annotations

import re

from reports.document import DAGGER, TextTable

LINEWIDTH_PT = 345.0
"""``\\linewidth`` of a one-column 10 pt article: what every table part must fit."""
FONT_PT = 8.0
"""``\\footnotesize`` of a 10 pt article (7 pt would be ``\\scriptsize``)."""
CHAR_PT = 0.54 * FONT_PT
"""Estimated width of a character: Computer Modern's digits (the widest common glyphs of a
table; measured 0.48 em on names and 0.53 em on digits at 8 pt)."""
BOLD = 1.17
"""Bold text is this much wider (measured 1.16)."""
COLSEP_PT = 3.0
"""``\\tabcolsep``: the space on each side of a column."""
HEADER_CHARS = 10
"""Header lines wrap at spaces and hyphens to at most this many characters (a longer word
stays whole)."""
NAME_CHARS = 16
"""Names (strategy labels) longer than this wrap after their hyphens (never inside a word)."""
TEXT_CHARS = 40
"""Text cells longer than this (notes, method names) wrap in a box this many characters wide."""

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "±": r"$\pm$",
    "≈": r"$\approx$",
    "<": r"$<$",
    ">": r"$>$",
    DAGGER: r"$^\dagger$",
}

# Scaled down only where a part is still wider than the text (graphicx's \resizebox sees
# the natural width as \width): in the target article no part is, so none is scaled.
_FIT_BEGIN = "\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%\n"


def _plain(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def latex_escape(text: str) -> str:
    """Escape LaTeX specials (and typeset ±, <, >) in text; `code` spans set in typewriter.

    A legend's code span (```report --all-pairs```) is a command to type as written: in
    typewriter type its quotes are dropped and ``--`` stays two hyphens.
    """
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unmatched backquote: no code spans, shown as written
        return _plain(text)
    return "".join(
        _plain(part) if i % 2 == 0 else f"\\texttt{{{_plain(part)}}}"
        for i, part in enumerate(parts)
    )


def _pieces(text: str) -> list[str]:
    """``text`` cut where a line may break: at spaces (dropped) and after hyphens (kept)."""
    return [p for p in re.split(r"(?<=-)|\s+", text) if p]


def _wrap(text: str, limit: int) -> list[str]:
    """``text`` in lines of at most ``limit`` characters, broken at spaces and hyphens."""
    lines: list[str] = []
    for piece in _pieces(text):
        glue = "" if lines and lines[-1].endswith("-") else " "
        if lines and len(lines[-1]) + len(glue) + len(piece) <= limit:
            lines[-1] += glue + piece
        else:
            lines.append(piece)
    return lines or [""]


def _key_columns(t: TextTable) -> int:
    """The leading columns a row is read by: the first, and a second of names (a pair's b)."""
    names = {0, 1} <= t.text_columns and all(" " not in row[1] for row in t.rows)
    return 2 if names and len(t.columns) > 2 else 1


def _wraps(t: TextTable, column: int, keep: int) -> bool:
    """Whether a column's long cells wrap (text columns other than the names)."""
    return column >= keep and column in t.text_columns


def _column_width(t: TextTable, column: int, keep: int) -> float:
    header = max(len(line) for line in _wrap(t.columns[column], HEADER_CHARS))
    widest = _natural_chars(t, column)
    if _wraps(t, column, keep):
        widest = min(widest, TEXT_CHARS)
    elif column in t.text_columns:
        unbreakable = max((len(p) for row in t.rows for p in _pieces(row[column])), default=0)
        widest = min(widest, max(NAME_CHARS, unbreakable * BOLD))
    return max(header, widest) * CHAR_PT + 2 * COLSEP_PT


def column_parts(t: TextTable) -> list[list[int]]:
    """Columns of each part of a table, every part fitting `LINEWIDTH_PT`.

    Each part starts with the key columns (the strategy, or a pair's two); a column too wide
    for any part gets one of its own, and a column with no text in any row is left out.
    """
    keep = _key_columns(t)
    widths = [_column_width(t, c, keep) for c in range(len(t.columns))]
    head = list(range(keep))
    parts: list[list[int]] = []
    current = list(head)
    # A column empty in every row (no test had a note) would be a part of its own: left out.
    shown = [c for c in range(keep, len(t.columns)) if any(row[c] for row in t.rows)]
    for column in shown:
        if len(current) > keep and sum(widths[c] for c in (*current, column)) > LINEWIDTH_PT:
            parts.append(current)
            current = list(head)
        current.append(column)
    parts.append(current)
    return parts


def _header(text: str, align: str, limit: int = HEADER_CHARS) -> str:
    lines = [latex_escape(line) for line in _wrap(text, limit)]
    if len(lines) == 1:
        return lines[0]
    # A header of several lines, bottom-aligned with the others, in the column's alignment.
    return (
        f"\\begin{{tabular}}[b]{{@{{}}{align}@{{}}}}"
        + "\\\\".join(f"{{{line}}}" for line in lines)
        + "\\end{tabular}"
    )


def _wrap_widths(t: TextTable, columns: list[int], keep: int) -> dict[int, float]:
    """Box width (pt) of each wrapping column of a part: what the other columns leave."""
    wrapping = [c for c in columns if _wraps(t, c, keep)]
    if not wrapping:
        return {}
    fixed = sum(_column_width(t, c, keep) for c in columns if c not in wrapping)
    room = (LINEWIDTH_PT - fixed) / len(wrapping) - 2 * COLSEP_PT
    widths = {}
    for c in wrapping:
        natural = _column_width(t, c, keep) - 2 * COLSEP_PT
        widths[c] = max(min(natural, room), HEADER_CHARS * CHAR_PT)
    return widths


def _name_box(t: TextTable, column: int, keep: int) -> float | None:
    """Box width (pt) of a name column whose longest names wrap, or None."""
    if column not in t.text_columns or _wraps(t, column, keep):
        return None
    return _column_width(t, column, keep) - 2 * COLSEP_PT


def _natural_chars(t: TextTable, column: int) -> float:
    """The widest cell of a column in characters (bold counted wider, a mark as one)."""
    return max(
        (
            len(row[column]) * (BOLD if (r, column) in t.bold else 1.0)
            + (1 if (r, column) in t.marked else 0)
            for r, row in enumerate(t.rows)
        ),
        default=0.0,
    )


def _cell(t: TextTable, r: int, c: int, box: float | None) -> str:
    text = t.rows[r][c]
    tex = latex_escape(text) + (r"$^\dagger$" if (r, c) in t.marked else "")
    if tex.startswith("["):
        tex = "{}" + tex  # not the optional argument of the row's end before it
    if (r, c) in t.bold:
        tex = f"\\bfseries {tex}"
    if box is not None and len(text) * CHAR_PT > box:
        tex = f"\\parbox[t]{{{box:.0f}pt}}{{\\raggedright {tex}}}"
    return tex


def latex_table(t: TextTable, label: str) -> str:
    r"""The table as one ``table`` float per part, ready for ``\input``.

    Args:
        t: The table.
        label: The first part's ``\label`` (``tab:...``); later parts add ``-2``, ``-3``...
    """
    keep = _key_columns(t)
    parts = column_parts(t)
    floats = []
    for i, columns in enumerate(parts):
        aligns = ["l" if c in t.text_columns else "r" for c in columns]
        boxes = _wrap_widths(t, columns, keep)
        # Names wrap only as far as the part needs: the room its columns leave widens them.
        spare = LINEWIDTH_PT - sum(_column_width(t, c, keep) for c in columns)
        for c in columns:
            if (name := _name_box(t, c, keep)) is not None:
                grow = max(0.0, min(spare, _natural_chars(t, c) * CHAR_PT - name))
                boxes[c] = name + grow
                spare -= grow
        if i == 0:
            caption = latex_escape(t.title) + (f". {latex_escape(t.legend)}" if t.legend else "")
            part_label = label
        else:
            caption = f"{latex_escape(t.title)} (continued from Table~\\ref{{{label}}})"
            part_label = f"{label}-{i + 1}"
        # A boxed column's header may be as wide as its box.
        limits = [
            max(HEADER_CHARS, int(boxes[c] / CHAR_PT)) if c in boxes else HEADER_CHARS
            for c in columns
        ]
        head = " & ".join(
            _header(t.columns[c], a, n) for c, a, n in zip(columns, aligns, limits, strict=True)
        )
        body = "".join(
            " & ".join(_cell(t, r, c, boxes.get(c)) for c in columns) + " \\\\\n"
            for r in range(len(t.rows))
        )
        floats.append(
            "\\begin{table}[htbp]\n\\centering\n"
            f"\\caption{{{caption}}}\n\\label{{{part_label}}}\n"
            f"\\footnotesize\n\\setlength{{\\tabcolsep}}{{{COLSEP_PT:g}pt}}\n"
            + _FIT_BEGIN
            + f"\\begin{{tabular}}{{{''.join(aligns)}}}\n\\toprule\n{head} \\\\\n\\midrule\n"
            + body
            + "\\bottomrule\n\\end{tabular}%\n}\n\\end{table}\n"
        )
    return "".join(floats)
