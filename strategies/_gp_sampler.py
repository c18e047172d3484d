"""Optuna's ``GPSampler`` without its per-sample device context where that context is moot.

``GPSampler.sample_relative`` wraps every sample in ``with torch.device("cpu")`` so that a
process-wide ``torch.set_default_device("cuda")`` cannot move the GP to another device. Such
a context is a torch function mode: every torch call inside it (hundreds of thousands per
run) passes through a Python dispatcher, which made about a third of a ``gp`` run's CPU time.
When the default device already is the CPU the context changes nothing, so this sampler
runs the same computation without it: identical suggestions (the strategy tests check
them against the plain sampler), less time. With any other default device, or an Optuna
whose sampler is built differently, the sampler's own ``sample_relative`` runs unchanged.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna


@functools.cache
def _sampler_class() -> type[optuna.samplers.GPSampler]:
    import optuna
    import torch

    plain = optuna.samplers.GPSampler
    try:
        from optuna.samplers._gp import sampler as gp_module
    except ImportError:  # another Optuna layout: keep its own method
        return plain
    private = ("_sample_relative_impl", "_get_params", "_RELATIVE_PARAMS_KEY")
    if not all(hasattr(plain, n) or hasattr(gp_module, n) for n in private):
        return plain  # another Optuna layout: keep its own method

    get_params = gp_module._get_params
    key = gp_module._RELATIVE_PARAMS_KEY
    chunk = int(getattr(gp_module, "_SYSTEM_ATTR_MAX_LENGTH", 2045))
    complete, running = optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.RUNNING

    class CpuGPSampler(plain):  # type: ignore[misc, valid-type]
        """``GPSampler`` whose samples skip the device context when torch is on the CPU."""

        def sample_relative(
            self,
            study: optuna.Study,
            trial: optuna.trial.FrozenTrial,
            search_space: dict[str, Any],
        ) -> dict[str, Any]:
            if torch.get_default_device().type != "cpu":
                return super().sample_relative(study, trial, search_space)  # type: ignore[no-any-return]
            # The body of GPSampler.sample_relative (Optuna 4.x-5.x) without the context.
            if search_space == {}:
                return {}
            trials = study._get_trials(deepcopy=False, states=(complete, running), use_cache=False)
            completed = [t for t in trials if t.state == complete]
            pending = [
                t
                for t in trials
                if t.state == running and search_space.keys() <= get_params(t).keys()
            ]
            if len(completed) < self._n_startup_trials:
                return {}
            params: dict[str, Any] = self._sample_relative_impl(
                study, completed, pending, search_space
            )
            if params:
                # Shared with other processes through the storage, as the sampler does.
                text = json.dumps(params)
                for i in range(0, len(text), chunk):
                    study._storage.set_trial_system_attr(
                        trial._trial_id, f"{key}:{i // chunk}", text[i : i + chunk]
                    )
            return params

    return CpuGPSampler


def gp_sampler(*, seed: int, n_startup_trials: int) -> optuna.samplers.GPSampler:
    """A seeded ``GPSampler`` (see the module docstring for how it differs: only in speed)."""
    sampler: optuna.samplers.GPSampler = _sampler_class()(
        seed=seed, n_startup_trials=n_startup_trials
    )
    return sampler
