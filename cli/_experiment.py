"""``python -m harness experiment asnn-paper``: the ASNN paper's protocol, with a control."""

from __future__ import annotations

import argparse
import functools
import shlex
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli._train import add_training_arguments, apply_training_arguments
from experiments.asnn_paper import (
    METHODS,
    N_TRAINING_SEEDS,
    Setting,
    Trials,
    as_json,
    run_setting,
    summarise,
)
from experiments.asnn_paper import write_report as write_asnn_report
from harness import __version__

EXPERIMENTS = ("asnn-paper",)
GRIDS = ("mlp2", "mlp3")
MAX_K = 200
DEFAULT_OUT = Path("results") / "asnn-paper"


def add_experiment_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``experiment``."""
    exp = sub.add_parser(
        "experiment",
        help="run a named protocol (asnn-paper: ASNN's own experiment, with a control)",
        description="asnn-paper: ASNN and ASNN+ are told every trial of a trained grid, then "
        "suggest architectures (off-grid sizes allowed), each trained with 10 seeds through "
        "the training cache; a control perturbs the grid's best at random; every suggestion "
        "is tested against the grid's best on test accuracy (Welch t, Mann-Whitney U, Holm).",
        epilog="example: python -m harness experiment asnn-paper --grid mlp2 --dataset digits "
        "--k 20 --out results/asnn-paper",
    )
    exp.add_argument("name", choices=EXPERIMENTS, help="the protocol")
    exp.add_argument(
        "--grid",
        action="append",
        choices=GRIDS,
        help="grid(s) to fit on (repeatable; default: mlp2 and mlp3)",
    )
    exp.add_argument(
        "--dataset",
        action="append",
        metavar="NAME",
        help="data set(s) (repeatable; default: digits; fashion-mnist trains its grids first "
        "unless a table or cache holds them)",
    )
    exp.add_argument(
        "--method",
        action="append",
        choices=METHODS,
        help="suggesters (repeatable; default: all three)",
    )
    exp.add_argument(
        "--k", type=int, default=20, metavar="K", help=f"suggestions per method (1..{MAX_K})"
    )
    exp.add_argument("--seed", type=int, default=0, metavar="S", help="seed (default 0)")
    exp.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"where the report goes (default {DEFAULT_OUT})",
    )
    exp.add_argument("--quiet", action="store_true", help="no progress bar")
    add_training_arguments(exp)


def _grid_trials(grid: str, dataset: str, device: str) -> list[Trials]:
    from spaces.training import hidden_sizes, load_trained

    objective = load_trained(grid, dataset, device=device)
    out = []
    for index in range(objective.space.n_configs):
        runs = [objective.evaluate(index, slot) for slot in range(N_TRAINING_SEEDS)]
        out.append(
            Trials(
                hidden=hidden_sizes(objective.space, index),
                val=tuple(float(r.metrics["val_acc"]) for r in runs),
                test=tuple(float(r.metrics["test_acc"]) for r in runs),
                seconds=tuple(float(r.cost_seconds) for r in runs),
                on_grid=True,
            )
        )
    return out


class _Trainer:
    """Trials of any architecture: from the training cache, training (stacked) what is missing."""

    def __init__(self, dataset: str, device: str) -> None:
        from spaces.training import (
            TrainingCache,
            TrainingContext,
            cache_path,
            load_dataset,
            recipe_for,
        )

        context = TrainingContext.from_environment()  # as `apply_training_arguments` filled it
        self.recipe = recipe_for(dataset, device=device, data_dir=context.data_dir)
        self.cache = TrainingCache(cache_path(self.recipe, context.cache_dir), self.recipe)
        self._load = functools.partial(load_dataset, dataset, context.data_dir)
        self._data: Any = None
        self.trained = 0

    def __call__(self, hidden: tuple[int, ...]) -> Trials:
        from spaces.training import train_config

        seeds = range(N_TRAINING_SEEDS)
        runs = {s: self.cache.get(hidden, s) for s in seeds}
        missing = [s for s, r in runs.items() if r is None]
        if missing:
            if self._data is None:
                self._data = self._load()
            for run in train_config(self.recipe, self._data, hidden, missing):
                runs[run.seed] = self.cache.put(hidden, run)
                self.trained += 1
        done = [runs[s] for s in seeds]
        return Trials(
            hidden=hidden,
            val=tuple(r.val_acc[-1] for r in done if r is not None),
            test=tuple(r.test_acc[-1] for r in done if r is not None),
            seconds=tuple(sum(r.epoch_seconds) for r in done if r is not None),
            on_grid=False,
        )


def cmd_experiment(args: argparse.Namespace, console: Console, err: Console) -> int:
    """Run ``experiment``; returns the exit code."""
    from spaces.training import DATASETS

    if not 1 <= args.k <= MAX_K:
        raise ValueError(f"--k {args.k}: must be 1..{MAX_K}")
    if args.seed < 0:
        raise ValueError(f"--seed {args.seed}: must be >= 0")
    datasets = list(dict.fromkeys(args.dataset or ["digits"]))
    for name in datasets:
        if name not in DATASETS:
            raise ValueError(f"--dataset {name!r}: unknown; known: {', '.join(DATASETS)}")
    grids = list(dict.fromkeys(args.grid or GRIDS))
    methods = list(dict.fromkeys(args.method or METHODS))
    device = apply_training_arguments(args)
    settings: list[Setting] = []
    recipes = []
    total = len(datasets) * len(grids) * len(methods) * args.k
    progress = Progress(
        TextColumn("[bold]asnn-paper[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("suggestions"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=err,
        disable=args.quiet,
    )
    with progress:
        task = progress.add_task("suggestions", total=total, last="")
        for dataset in datasets:
            trainer = _Trainer(dataset, device)
            recipes.append(trainer.recipe.describe())
            for grid in grids:
                progress.update(task, last=f"{grid}/{dataset}: loading the grid")
                grid_trials = _grid_trials(grid, dataset, device)

                def advance(method: str, where: str = f"{grid}/{dataset}") -> None:
                    progress.update(task, advance=1, last=f"{where}: {method}")

                settings.append(
                    run_setting(
                        dataset,
                        grid,
                        grid_trials,
                        trainer,
                        k=args.k,
                        seed=args.seed,
                        methods=methods,
                        on_suggestion=advance,
                    )
                )
            trainer.cache.close()
    meta = {
        "command": "python -m harness " + shlex.join(args.argv),
        "recipes": recipes,
        "seed": args.seed,
        "k": args.k,
        "harness_version": __version__,
    }
    paths = write_asnn_report(as_json(settings, meta), args.out)
    for s in settings:
        console.print(f"{s.grid}/{s.dataset}: " + _headline(s), highlight=False)
    console.print(f"report: {paths[1]} (and {paths[0].name}, figures)", highlight=False)
    return 0


def _headline(s: Setting) -> str:

    parts = [
        f"grid best {'-'.join(map(str, s.grid_best.hidden))} test {s.grid_best.test_mean:.2f} %"
    ]
    methods = sorted({x.method for x in s.suggestions}, key=METHODS.index)
    for m in methods:
        r = summarise(s, m, max(x.order for x in s.suggestions if x.method == m))
        parts.append(
            f"{m}: kept {r['best']} {r['best_test_mean']:.2f} % ({r['best_diff']:+.2f}), "
            f"{r['n_significant_welch']}/{r['n']} significantly better"
        )
    return "; ".join(parts)
