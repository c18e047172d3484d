"""Report sections are plug-ins over one document: one module, one registration, every format.

A toy section registered through the public `reports.register_section` computes its part of
``stats.json`` from the loaded runs and contributes a note, lines and a table; the test
checks that they show in report.md, report.html, tables.tex and the terminal without a
writer knowing the section, and that registration refuses what would break a report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rich.console import Console

from reports import (
    Cell,
    ReportError,
    build_report,
    register_section,
    render_report,
    unregister_section,
)
from reports._sections import SECTIONS
from reports.document import (
    Block,
    Lines,
    Notes,
    RenderContext,
    Section,
    StatsSettings,
    Table,
    TextTable,
)
from reports.synthetic import write_synthetic_store
from spaces import diagnostics


class WorstSeed(Section):
    """A toy section: each strategy's worst final regret over the seeds."""

    name = "worst-seed"

    def stats(self, cell: Cell, settings: StatsSettings) -> dict[str, Any]:
        worst = {lab: float(cell.final[i].max()) for i, lab in enumerate(cell.labels)}
        return {"worst_seed": {"by_strategy": worst, "seed": settings.seed}}

    def empty_stats(self, cell: Cell) -> dict[str, Any]:
        return {"worst_seed": None}

    def blocks(self, space: dict[str, Any], context: RenderContext) -> list[Block]:
        by = space["worst_seed"]["by_strategy"]
        table = TextTable(
            title=f"{space['name']}: toy worst seed",
            columns=["strategy", "toy worst regret"],
            rows=[[lab, f"{by[lab]:.3g}"] for lab in space["order"]],
            legend="toy legend: the largest final regret over the seeds",
        )
        return [
            Notes(texts=("toy note: a plug-in section",), scope=space["name"]),
            Lines(lines=("toy line with `code`",)),
            Table(table=table, label=f"{space['name']}-worst-seed"),
        ]


@pytest.fixture
def toy_section() -> Iterator[WorstSeed]:
    section = WorstSeed()
    register_section(section)
    try:
        yield section
    finally:
        unregister_section(section.name)


def test_a_registered_section_shows_in_every_format(tmp_path: Path, toy_section: WorstSeed) -> None:
    root = write_synthetic_store(tmp_path, n_spaces=2, n_seeds=4)
    report = build_report(root, figures=False)
    stats = json.loads((root / "stats.json").read_text())
    for space in stats["spaces"]:
        worst = space["worst_seed"]["by_strategy"]
        assert set(worst) == {"s0", "s1", "s2"}
        assert all(worst[lab] >= space["final_regret"][lab]["mean"] for lab in worst)
    md = (root / "report.md").read_text()
    html = (root / "report.html").read_text()
    tex = (root / "tables.tex").read_text()
    console = Console(width=160, record=True, color_system=None)
    render_report(report, console)
    term = console.export_text()
    for name in ("toy/0", "toy/1"):
        title = f"{name}: toy worst seed"
        assert f"**{title}**" in md
        assert f"<caption>{title}</caption>" in html
        assert f"\\caption{{{title}. toy legend" in tex
        assert f"\\label{{tab:{name.replace('/', '_')}-worst-seed}}" in tex
        assert title in term
    assert md.count("> toy note: a plug-in section") == 2
    assert html.count('<p class="note">toy note: a plug-in section</p>') == 2
    assert html.count("<p>toy line with <code>code</code></p>") == 2
    assert tex.count("% toy line with `code`") == 2
    assert term.count("note (toy/0): toy note: a plug-in section") == 1
    assert term.count("toy line with `code`") == 2
    # The section comes after the report's own sections, in registration order.
    assert md.index("toy worst seed") > md.index("toy/0: pairwise tests")


def test_without_the_section_the_report_has_none_of_it(tmp_path: Path) -> None:
    root = write_synthetic_store(tmp_path, n_spaces=1, n_seeds=4)
    build_report(root, figures=False)
    assert "worst_seed" not in (root / "stats.json").read_text()
    assert "toy worst" not in (root / "report.md").read_text()


def test_a_space_with_nothing_to_compare_records_the_empty_part(
    tmp_path: Path, toy_section: WorstSeed
) -> None:
    # Every run of toy/0 fails: nothing to compare there, so no blocks and the empty part.
    failed = [(s, 0, seed) for s in range(3) for seed in range(3)]
    root = write_synthetic_store(tmp_path, n_spaces=2, n_seeds=3, failed=failed)
    stats = build_report(root, figures=False).stats
    empty, compared = stats["spaces"]
    assert empty["worst_seed"] is None
    assert compared["worst_seed"]["by_strategy"]
    md = (root / "report.md").read_text()
    assert "toy/0: toy worst" not in md
    assert "toy/1: toy worst" in md


def test_registration_refuses_a_taken_or_missing_name(toy_section: WorstSeed) -> None:
    with pytest.raises(ValueError, match="'worst-seed' is registered already") as taken:
        register_section(WorstSeed())
    assert "\n" not in str(taken.value)
    with pytest.raises(ValueError, match="needs a name"):
        register_section(Section())
    with pytest.raises(ValueError, match="no section named 'nope' is registered"):
        unregister_section("nope")
    assert [s.name for s in SECTIONS].count("worst-seed") == 1


class Clash(Section):
    """Writes a key the final-results section writes."""

    name = "clash"

    def stats(self, cell: Cell, settings: StatsSettings) -> dict[str, Any]:
        return {"best": "mine"}


def test_a_section_that_overwrites_another_key_is_refused(tmp_path: Path) -> None:
    root = write_synthetic_store(tmp_path, n_spaces=1, n_seeds=3)
    register_section(Clash())
    try:
        with pytest.raises(ValueError, match="section 'clash' writes 'best'"):
            build_report(root, figures=False)
    finally:
        unregister_section("clash")
    # Nothing half-written: the report is built whole or not at all.
    assert not (root / "stats.json").exists()


class AucExtra(Section):
    """Adds a key inside the area-and-target section's ``auc`` part."""

    name = "auc-extra"

    def stats(self, cell: Cell, settings: StatsSettings) -> dict[str, Any]:
        return {"auc": {"toy_extra": len(cell.labels)}}


def test_a_section_may_add_to_another_sections_part(tmp_path: Path) -> None:
    root = write_synthetic_store(tmp_path, n_spaces=1, n_seeds=3)
    register_section(AucExtra())
    try:
        auc = build_report(root, figures=False).stats["spaces"][0]["auc"]
    finally:
        unregister_section("auc-extra")
    assert auc["toy_extra"] == 3
    assert auc["axis"] == "evaluations"
    assert set(auc) >= {"s0", "s1", "s2"}


def test_the_generated_architectures_table_comes_from_its_section() -> None:
    from reports._generated import SECTION

    names = [s.name for s in SECTIONS]
    # Its numbers are stored inside the transfer part, so it computes after that section.
    assert names.index("transfer") < names.index("generated-architectures")
    gen = {"n_runs": 2, "mean_samples": 1200.0, "valid": 1.0, "unique": 0.5, "novel": 0.25}
    space = {"name": "toy/0", "transfer": {"generation": {"nal": gen}}}
    blocks = SECTION.blocks(space, RenderContext(alpha=0.05, figures={}))
    assert len(blocks) == 1
    assert isinstance(blocks[0], Table)
    assert blocks[0].table.rows == [["nal", "1,200", "1", "0.5", "0.25"]]
    assert blocks[0].label == "toy/0-generated"
    assert SECTION.blocks({"name": "toy/0"}, RenderContext(alpha=0.05, figures={})) == []


def test_generated_architectures_read_the_declared_schema() -> None:
    from reports._generated import generation_stats

    report: diagnostics.GenerationReport = {
        "n_samples": 100,
        "valid": 1.0,
        "unique": 0.5,
        "novel": 0.25,
    }
    note = {diagnostics.DIAGNOSTICS: {diagnostics.GENERATION: report}}
    older = {diagnostics.DIAGNOSTICS: {diagnostics.GENERATION: {"n_samples": 300}}}

    runs = SimpleNamespace(
        labels=("nal", "random"), run_notes={"nal": (note, older), "random": ({},)}
    )
    stats = generation_stats(runs)  # type: ignore[arg-type]
    assert stats is not None
    assert list(stats) == ["nal"]
    assert stats["nal"]["n_runs"] == 2
    assert stats["nal"]["mean_samples"] == 200.0
    assert stats["nal"]["valid"] is None  # a run that did not report it: NaN, shown as -


def test_unknown_family_is_still_one_line(tmp_path: Path) -> None:
    root = write_synthetic_store(tmp_path, n_spaces=1, n_seeds=3)
    with pytest.raises(ReportError, match="family 'nope' is not one of vs-best, all-pairs"):
        build_report(root, family="nope", figures=False)
