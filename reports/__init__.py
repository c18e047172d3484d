"""Reports built from the results store.

Public surface: `final_regret_summary` and `render_summary` (the short tables that
``python -m harness compare`` prints), `build_report` (the full statistical report written
into a comparison directory: Markdown, HTML, LaTeX, figures and ``stats.json``), `Report`,
`compute_stats`, `render_report` (its terminal summary), `summary_lines` (the plain-language
summary that opens a report, from its ``stats``) and `ReportError`; for scripts that
read a written ``stats.json``: `find_pair` (one pair's test or head-to-head row) and
`final_entries` (a space's per-strategy final results, under ``final_regret`` or, where the
optimum is unknown, ``final_value``). Module `reports.synthetic` writes made-up stores for
tests and benchmarks. Reports read the results store only through its public API
(`harness.results`). Matplotlib is imported only when figures are drawn.

Sections: a report is one document of blocks that every writer renders (module
`reports.document`: `Section`, the blocks, `TextTable`); `register_section` adds a section
to every report built afterwards and `unregister_section` removes it; `Cell` is the loaded
runs of one space that a section computes from.
"""

from __future__ import annotations

from rich.console import Console

from reports._build import Report, build_report, compute_stats
from reports._data import Cell, ReportError
from reports._findings import summary_lines
from reports._sections import register_section, unregister_section
from reports._summary import final_regret_summary, render_summary
from reports._tree import final_entries, find_pair


def render_report(report: Report, console: Console) -> None:
    """Print a built report's tables and notes, and what was written, in the terminal."""
    from reports._render import terminal

    terminal(report.stats, console)
    n_figures = sum(f.startswith("figures/") for f in report.files)
    main_files = ", ".join(f for f in report.files if not f.startswith("figures/"))
    console.print(
        f"report written to {report.directory}: {main_files} and {n_figures} figure files",
        highlight=False,
    )


__all__ = [
    "Cell",
    "Report",
    "ReportError",
    "build_report",
    "compute_stats",
    "final_entries",
    "final_regret_summary",
    "find_pair",
    "register_section",
    "render_report",
    "render_summary",
    "summary_lines",
    "unregister_section",
]
