"""The transfer protocol: what a transfer strategy may read, and that nothing else reads it.

Two spy strategies, installed as a real plugin package: ``spy-prior`` declares
``uses_prior`` and reports, through its diagnostics, exactly what it was handed;
``spy-plain`` does not, and fails its run if the harness ever hands it a source.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from _plugin import installed_plugin

from cli import main
from harness import ResultsStore
from spaces import load_objective

PLUGIN = """
import hashlib
import numpy as np
from strategies import Strategy


class SpyPrior(Strategy):
    name = "spy-prior"
    description = "reports the priors it was handed (transfer-protocol tests)"
    uses_prior = True

    def learn_prior(self, priors):
        self.seen = [
            {
                "space": p.space,
                "metric": p.metric,
                "n_configs": p.n_configs,
                "digest": hashlib.sha256(np.nan_to_num(p.values, nan=-1.0).tobytes()).hexdigest(),
            }
            for p in priors
        ]

    def ask(self):
        return self.space.sample(self.rng)

    def tell(self, config, observation):
        pass

    def diagnostics(self):
        importance = {"op": {"conv": 1.0 + self.seed % 3, "skip": 0.5, "none": -1.0}}
        blocks = [{"a": "op=conv", "b": "op=skip", "score": 0.25}]
        return {"seen": self.seen, "importance": importance, "blocks": blocks}


class SpyPlain(Strategy):
    name = "spy-plain"
    description = "must never be handed a source (transfer-protocol tests)"

    def learn_prior(self, priors):
        raise AssertionError("a strategy without uses_prior was handed a prior")

    def ask(self):
        return self.space.sample(self.rng)

    def tell(self, config, observation):
        pass
"""


@pytest.fixture(scope="module")
def spies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    names = {"spy-prior": "SpyPrior", "spy-plain": "SpyPlain"}
    with installed_plugin(tmp_path_factory.mktemp("spyplugin"), "spies", PLUGIN, names):
        yield


def _compare(out: Path, *extra: str, space: str = "nb201/cifar10") -> int:
    args = ["compare", "--space", space, "--strategy", "spy-prior", "--strategy", "spy-plain"]
    args += ["--seeds", "2", "--budget", "5", "--quiet", "--out", str(out), *extra]
    return main(args)


def _digest(space: str, metric: str) -> str:
    table = load_objective(space)
    values = table.oracle_values(np.arange(table.space.n_configs), metric)
    return hashlib.sha256(np.nan_to_num(values, nan=-1.0).tobytes()).hexdigest()


@pytest.mark.usefixtures("spies")
@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_transfer_strategy_reads_the_other_data_sets_never_the_target(
    tmp_path: Path, workers: str
) -> None:
    assert _compare(tmp_path / "cmp", "--workers", workers) == 0
    with ResultsStore(tmp_path / "cmp", create=False) as store:
        runs = store.runs()
        notes = store.run_notes()
    spy = runs[runs.strategy == "spy-prior"]
    assert len(spy) == 2
    sources = ["nb201/cifar100", "nb201/imagenet16-120"]
    for key in spy.run_key:
        note = notes[key]
        assert note["prior"]["sources"] == sources
        assert note["prior"]["n_configs"] == 2 * 15625
        assert note["prior"]["cost_seconds"] > 0
        assert note["prior"]["learn_seconds"] >= 0
        seen = note["diagnostics"]["seen"]
        assert [s["space"] for s in seen] == sources  # never nb201/cifar10
        for entry in seen:
            assert entry["digest"] == _digest(entry["space"], entry["metric"])
    plain = runs[runs.strategy == "spy-plain"]
    assert set(plain.status) == {"finished"}  # learn_prior was never called
    assert not any(key in notes for key in plain.run_key)


@pytest.mark.usefixtures("spies")
def test_named_sources_replace_the_default_and_change_only_transfer_run_keys(
    tmp_path: Path,
) -> None:
    assert _compare(tmp_path / "default") == 0
    assert _compare(tmp_path / "named", "--source", "nb201/cifar100") == 0
    keys = {}
    for name in ("default", "named"):
        with ResultsStore(tmp_path / name, create=False) as store:
            runs = store.runs()
            keys[name] = {(r.strategy, r.seed): r.run_key for r in runs.itertuples()}
            notes = store.run_notes()
        if name == "named":
            for r in runs[runs.strategy == "spy-prior"].itertuples():
                assert notes[r.run_key]["prior"]["sources"] == ["nb201/cifar100"]
    for (strategy, seed), key in keys["default"].items():
        same = keys["named"][(strategy, seed)] == key
        assert same == (strategy == "spy-plain"), (strategy, seed)


@pytest.mark.usefixtures("spies")
@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("nb201/cifar10", "is the target space itself"),
        ("fcnet/protein", "has another search space than 'nb201/cifar10'"),
        ("nb201/cifar-100", "unknown space"),
    ],
)
def test_a_source_that_cannot_serve_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, message: str
) -> None:
    out = tmp_path / "cmp"
    assert _compare(out, "--source", source) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err
    assert not out.exists()


@pytest.mark.usefixtures("spies")
def test_a_space_with_no_other_data_set_gives_an_empty_prior(tmp_path: Path) -> None:
    assert _compare(tmp_path / "cmp", space="macro/cifar10") == 0
    with ResultsStore(tmp_path / "cmp", create=False) as store:
        notes = store.run_notes()
    priors = [n["prior"] for n in notes.values() if "prior" in n]
    assert len(priors) == 2
    assert all(p["sources"] == [] and p["cost_seconds"] == 0 for p in priors)


def test_default_sources_are_leave_one_data_set_out() -> None:
    from harness._priors import default_sources

    assert default_sources(load_objective("nb201/imagenet16-120")) == (
        "nb201/cifar10",
        "nb201/cifar100",
    )
    fcnet = default_sources(load_objective("fcnet/protein"))
    assert fcnet == ("fcnet/naval", "fcnet/parkinsons", "fcnet/slice")


@pytest.mark.usefixtures("spies")
def test_the_report_shows_prior_cost_early_quality_and_importance(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    args = ["--strategy", "random", "--budget", "12"]
    assert _compare(out, *args) == 0
    text = (out / "report.md").read_text()
    assert "nb201/cifar10: prior knowledge read (prior cost, apart from the budget)" in text
    assert "nb201/cifar100, nb201/imagenet16-120" in text
    assert "none (search only)" in text  # random and spy-plain read nothing
    assert "nb201/cifar10: zero- and few-shot quality (regret of the incumbent)" in text
    assert "| after 1 | after 5 | after 10 |" in text
    assert "importance learned by spy-prior (mean over 2 runs)" in text
    assert "op=conv + op=skip (0.25, 2 runs)" in text
    assert (out / "figures" / "importance_nb201_cifar10_spy-prior.png").is_file()
    import json

    stats = json.loads((out / "stats.json").read_text())
    transfer = stats["spaces"][0]["transfer"]
    assert set(transfer["prior_cost"]) == {"spy-prior"}
    assert transfer["early"]["evaluations"] == [1, 5, 10]
    # The incumbent after 1 evaluation is the first config: the mean of its regret over
    # seeds is what the table shows, for every strategy.
    assert set(transfer["early"]["by_strategy"]) == {"random", "spy-plain", "spy-prior"}
    assert "transfer-1" in (out / "tables.tex").read_text()


def test_a_report_without_transfer_strategies_has_no_transfer_section(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    args = ["compare", "--space", "nb201/cifar10", "--strategy", "random", "--seeds", "2"]
    assert main([*args, "--budget", "5", "--quiet", "--out", str(out)]) == 0
    assert "transfer" not in (out / "stats.json").read_text()
    assert "prior knowledge" not in (out / "report.md").read_text()


def test_a_transfer_comparison_rerun_gives_byte_identical_statistics(tmp_path: Path) -> None:
    args = ["compare", "--space", "nb201/cifar100", "--strategy", "autobuild", "--strategy"]
    args += ["transfer-topk", "--strategy", "random", "--seeds", "2", "--budget", "10", "--quiet"]
    for name, workers in (("one", "0"), ("two", "2")):
        assert main([*args, "--workers", workers, "--out", str(tmp_path / name)]) == 0
    one = (tmp_path / "one" / "stats.json").read_bytes()
    assert one == (tmp_path / "two" / "stats.json").read_bytes()
    assert b'"prior_cost"' in one
