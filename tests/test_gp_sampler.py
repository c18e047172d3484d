"""The ``gp`` strategy's sampler: the same suggestions as Optuna's ``GPSampler``, faster."""

from __future__ import annotations

from typing import Any

import optuna
import pytest
import torch

from strategies._gp_sampler import gp_sampler


def _suggestions(sampler: optuna.samplers.BaseSampler, n: int = 14) -> list[tuple[Any, ...]]:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=sampler)
    out = []
    for _ in range(n):
        trial = study.ask()
        x = (
            trial.suggest_categorical("op", [0, 1, 2, 3, 4]),
            trial.suggest_int("depth", 0, 6),
            trial.suggest_int("width", 8, 512, log=True),
        )
        study.tell(trial, (x[0] - 2) ** 2 + abs(x[1] - 4) + 0.01 * x[2])
        out.append(x)
    return out


@pytest.mark.parametrize("seed", [11, 12])
def test_suggestions_are_those_of_optunas_gp_sampler(seed: int) -> None:
    plain = _suggestions(optuna.samplers.GPSampler(seed=seed, n_startup_trials=5))
    ours = _suggestions(gp_sampler(seed=seed, n_startup_trials=5))
    assert ours == plain
    assert len(set(ours[5:])) > 1  # the GP did choose (not one repeated point)


def test_another_default_device_keeps_the_samplers_own_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    original = optuna.samplers.GPSampler.sample_relative

    def spy(self: Any, *args: Any) -> Any:
        calls.append("context")
        return original(self, *args)

    monkeypatch.setattr(optuna.samplers.GPSampler, "sample_relative", spy)
    monkeypatch.setattr(torch, "get_default_device", lambda: torch.device("meta"))
    _suggestions(gp_sampler(seed=3, n_startup_trials=4), n=6)
    assert calls  # every relative sample went through Optuna's own method
