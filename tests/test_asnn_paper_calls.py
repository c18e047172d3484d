"""The ASNN protocol drives a strategy through its contract: every ``tell`` answers the ``ask``
before it, and what it never asked for comes through ``tell_unasked``."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

import experiments.asnn_paper._protocol as protocol
from experiments.asnn_paper import Trials, run_setting
from spaces import Config, Dimension, Space
from strategies import Observation, Strategy, build_strategy

SIZES = (16, 32, 64)
N_SEEDS = 10


def _trials(hidden: tuple[int, ...], on_grid: bool) -> Trials:
    value = 90.0 - sum(abs(h - 48) for h in hidden) / 10
    val = tuple(value + 0.01 * s for s in range(N_SEEDS))
    return Trials(hidden, val, val, (1.0,) * N_SEEDS, on_grid)


GRID = [_trials(h, True) for h in itertools.product(SIZES, repeat=2)]


class _Recorder(Strategy):
    """Wraps a real strategy and records the calls the protocol makes."""

    name = "recorder"
    description = "records calls"

    def __init__(self, inner: Strategy, calls: list[tuple[str, Any]]) -> None:
        self.inner = inner
        self.calls = calls

    def ask(self) -> Config:
        config = self.inner.ask()
        self.calls.append(("ask", config))
        return config

    def tell(self, config: Config, observation: Observation) -> None:
        self.calls.append(("tell", config))
        self.inner.tell(config, observation)

    def tell_unasked(self, config: Config, observation: Observation) -> None:
        self.calls.append(("tell_unasked", config))
        self.inner.tell_unasked(config, observation)


@pytest.mark.parametrize("method", ["asnn", "asnn-plus"])
def test_every_tell_follows_its_ask_and_the_grid_is_told_unasked(
    method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, Any]] = []

    def recording(name: str, options: dict[str, Any], space: Space, **kw: Any) -> Strategy:
        return _Recorder(build_strategy(name, options, space, **kw), calls)

    monkeypatch.setattr(protocol, "build_strategy", recording)
    k = 3
    run_setting("toy", "mlp2", GRID, lambda h: _trials(h, False), k=k, seed=0, methods=[method])
    n_grid = len(GRID) * N_SEEDS
    assert [kind for kind, _ in calls[:n_grid]] == ["tell_unasked"] * n_grid
    rounds = calls[n_grid:]
    assert len(rounds) == k * (1 + N_SEEDS)
    for r in range(k):
        asked, *told = rounds[r * (1 + N_SEEDS) : (r + 1) * (1 + N_SEEDS)]
        assert asked[0] == "ask"
        # The ask's own tell first, then the config's other training seeds, unasked.
        assert [kind for kind, _ in told] == ["tell"] + ["tell_unasked"] * (N_SEEDS - 1)
        assert {config for _, config in told} == {asked[1]}


def test_a_result_told_unasked_is_learnt_as_a_tell_by_default() -> None:
    space = Space((Dimension(name="a", kind="ordinal", choices=(1, 2, 3)),))
    told: list[tuple[Config, float]] = []

    class Plain(Strategy):
        name = "plain"
        description = "remembers what it is told"

        def ask(self) -> Config:
            return (0,)

        def tell(self, config: Config, observation: Observation) -> None:
            told.append((config, observation.value))

    strategy = Plain(space, seed=0)
    strategy.tell_unasked((2,), Observation(value=0.5, cost_seconds=1.0))
    assert told == [((2,), 0.5)]
