"""The compatibility matrix: every strategy x kind of space x budget kind x simulated workers.

Every cell either runs (finishes, spends no more than its budget in the budget's own unit,
really does what its features say, and its report builds) or is refused up front with one
line naming a rule. The same refusals through the command line are one line, exit code 2,
and write nothing. ``docs/compatibility.md`` is generated from the same decisions.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli import main
from harness import ResultsStore, RunSpec
from harness.capabilities import RULES, Setting, decide
from harness.compatibility import KINDS, budget_of, cells, kind, markdown, run_cell, spent
from harness.testing import time_limit
from reports import build_report
from strategies import available_strategies, get_strategy, resolved_options, unavailable_reason

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "compatibility.md"


@pytest.fixture(scope="module")
def matrix() -> list:  # type: ignore[type-arg]
    return cells()


def test_the_matrix_covers_every_strategy_kind_budget_and_worker_count(matrix: list) -> None:  # type: ignore[type-arg]
    names = available_strategies()
    assert {c.strategy for c in matrix} == set(names)
    assert len(matrix) == len(names) * len(KINDS) * 3 * 2
    # Some of every kind runs; the single-objective search strategies run on every space
    # that states what the budget is counted in.
    for k in KINDS:
        assert any(c.runs for c in matrix if c.kind == k.name), k.name
    for c in matrix:
        if c.strategy == "random" and c.budget.kind != "epochs":
            assert c.runs, c


@pytest.mark.slow
@pytest.mark.parametrize("kind_name", [k.name for k in KINDS])
def test_every_cell_runs_within_its_budget_or_is_refused(
    kind_name: str,
    matrix: list,  # type: ignore[type-arg]
    tmp_path: Path,
) -> None:
    objective = kind(kind_name).build()
    stores: dict[tuple[str, int], ResultsStore] = {}
    for cell in [c for c in matrix if c.kind == kind_name]:
        if not cell.runs:
            assert cell.rule in RULES
            assert "\n" not in cell.refused
            assert repr(cell.strategy) in cell.refused or cell.rule in (
                "epochs-need-fidelity",
                "budget-buys-none",
                "zero-costs",
                "too-many-evaluations",
            )
            continue
        label = f"{cell.strategy} on {kind_name}, {cell.budget.label()}, {cell.workers} workers"
        if unavailable_reason(get_strategy(cell.strategy)):
            continue  # an adapter whose optional library is not installed: nothing to run
        with time_limit(120):
            trace = run_cell(cell, objective, seed=3)
        assert trace.status == "finished", f"{label}: {trace.error}\n{trace.traceback}"
        assert trace.n_evaluations > 0, label
        assert spent(trace, objective, cell.budget) <= cell.budget.amount + 1e-9, label
        # It ran as its features say, not as something else.
        plan = decide(
            cell.strategy,
            Setting(objective=objective, budget=cell.budget, sim_workers=cell.workers),
        )
        features = set(plan.feature_names)
        assert ("supernet" in trace.notes) == ("supernet" in features), label
        assert ("prior" in trace.notes) == ("prior" in features), label
        assert ("pareto" in trace.notes) == ("pareto" in features), label
        if plan.event_loop:
            assert trace.notes["workers"]["workers"] == cell.workers, label
        if plan.chooses_fidelity:
            assert len(trace.notes["budget"]["charges"]) == trace.n_evaluations, label
            assert set(trace.metrics["fidelity"].tolist()) <= set(objective.info.fidelities)
        # Stored as a comparison stores it, one store per budget kind and worker count.
        key = (cell.budget.kind, cell.workers)
        if key not in stores:
            stores[key] = ResultsStore(tmp_path / f"{cell.budget.kind}-{cell.workers}")
            stores[key].record_space(objective)
        spec = RunSpec(
            strategy=cell.strategy,
            options=resolved_options(cell.strategy, {}),
            space=objective.name,
            seed=3,
            budget=cell.budget,
            checksum=objective.checksum,
            metric=objective.search_metric,
            fidelity=objective.info.fidelity,
            sim_workers=cell.workers,
        )
        configs = [
            objective.space.describe(objective.space.config(int(i))) for i in trace.config_index
        ]
        stores[key].write_run(spec, trace, configs=configs, wall_seconds=0.0)
    assert stores, f"nothing runs on {kind_name}"
    for (budget_kind, workers), store in stores.items():
        store.close()
        report = build_report(tmp_path / f"{budget_kind}-{workers}", figures=False)
        assert (report.directory / "report.md").stat().st_size > 0
        assert (report.directory / "stats.json").stat().st_size > 0


REFUSED_COMMANDS = {
    "mf-needs-fidelities": ["--space", "fcnet/protein", "--strategy", "hyperband"],
    "ws-needs-supernet": [
        "--space",
        "nb201/cifar10",
        "--strategy",
        "darts",
        "--budget-seconds",
        "100000",
    ],
    "ws-needs-seconds": ["--space", "cell/digits", "--strategy", "darts", "--budget", "10"],
    "ws-one-worker": [
        "--space",
        "cell/digits",
        "--strategy",
        "darts",
        "--budget-seconds",
        "60",
        "--sim-workers",
        "2",
    ],
    "one-objective": [
        "--space",
        "mlp3/digits",
        "--objectives",
        "val_acc,latency_ms",
        "--strategy",
        "tpe",
    ],
    "mf-one-objective": [
        "--space",
        "mlp3/digits",
        "--objectives",
        "val_acc,latency_ms",
        "--scalarize",
        "--strategy",
        "hyperband",
    ],
    "ws-one-objective": [
        "--space",
        "mlp3/digits",
        "--objectives",
        "val_acc,latency_ms",
        "--scalarize",
        "--strategy",
        "darts",
    ],
    "epochs-need-fidelity": [
        "--space",
        "hpobench-mlp/kc1",
        "--strategy",
        "random",
        "--budget-epochs",
        "100",
    ],
    "budget-buys-none": [
        "--space",
        "nb201/cifar10",
        "--strategy",
        "random",
        "--budget-seconds",
        "1",
    ],
    "too-many-evaluations": [
        "--space",
        "mlp2/digits",
        "--strategy",
        "random",
        "--budget-seconds",
        "1000000000",
    ],
}


@pytest.mark.parametrize("rule", sorted(REFUSED_COMMANDS))
def test_refusals_on_the_command_line_are_one_line_exit_2_and_write_nothing(
    rule: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["compare", *REFUSED_COMMANDS[rule], "--seeds", "2", "--workers", "0", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: "), err
    assert len(err.splitlines()) == 1, err
    assert not out.exists()


def test_a_zero_cost_table_refuses_a_seconds_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "runs.csv"
    table.write_text("a,objective,cost_seconds\nx,1.0,0\ny,2.0,0\n")
    out = tmp_path / "out"
    argv = ["compare", "--space", f"table:{table}", "--strategy", "random"]
    argv += ["--budget-seconds", "10", "--workers", "0", "--quiet", "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "records zero training costs" in err
    assert not out.exists()


def test_every_refusal_rule_is_described_and_reached(matrix: list) -> None:  # type: ignore[type-arg]
    reached = {c.rule for c in matrix if c.rule} | set(REFUSED_COMMANDS) | {"zero-costs"}
    assert reached == set(RULES)


def test_a_budget_of_every_kind_is_defined_for_every_kind_of_space() -> None:
    for k in KINDS:
        for budget_kind in ("evaluations", "epochs", "seconds"):
            assert budget_of(k.name, budget_kind).amount > 0  # type: ignore[arg-type]


def test_docs_compatibility_matches_the_registries(matrix: list) -> None:  # type: ignore[type-arg]
    assert DOC.read_text() == markdown(matrix), (
        "docs/compatibility.md is out of date: run python scripts/compatibility_table.py"
    )


def test_the_table_script_writes_the_doc(tmp_path: Path) -> None:
    target = tmp_path / "compatibility.md"
    script = ROOT / "scripts" / "compatibility_table.py"
    subprocess.run([sys.executable, str(script), "--out", str(target)], check=True)
    assert target.read_text() == DOC.read_text()
