"""Time `nal`'s plain-PyTorch graph attention against the same network in torch_geometric.

Issue 19 asked to measure whether `torch_geometric` (PyG) or a small GAT written in plain
PyTorch suits `nal`. This script times one training step of each on what `nal` trains: a
batch of 128 NAS-Bench-201 cells drawn as 8-node graphs, 2 attention layers of 4 heads,
32 units. `nal`'s step is timed through the public strategy (``learn_prior`` at two numbers
of steps; the difference over the extra steps is the time per step, free of set-up costs);
the PyG network (``GATConv`` layers on a ``Batch`` of the same graphs, Adam from
``torch.optim``) is timed directly, both on one torch thread (as the strategies' models run).
It also times importing torch_geometric.

    pip install torch_geometric     # not a dependency of the harness: only this script
    python scripts/gat_backend_timing.py

Prints one JSON object.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time

import numpy as np

from spaces import PriorData, load_objective
from strategies import build_strategy

BATCH = 128
HIDDEN = 32
HEADS = 4
STEPS = (50, 250)


def _nal_seconds_per_step() -> float:
    target = load_objective("nb201/cifar100")
    values = np.asarray(target.oracle, dtype=np.float64)
    prior = PriorData(
        space="nb201/cifar100",
        metric="acc",
        maximize=True,
        values=values,
        n_configs=len(values),
        n_runs=len(values),
        cost_seconds=1.0,
    )
    seconds = []
    for steps in STEPS:
        best = float("inf")
        for _ in range(3):
            strategy = build_strategy(
                "nal",
                {"prior_steps": steps, "batch": BATCH, "hidden": HIDDEN, "heads": HEADS},
                target.space,
                seed=0,
                maximize=True,
                budget=None,
            )
            start = time.perf_counter()
            strategy.learn_prior([prior])
            best = min(best, time.perf_counter() - start)
        seconds.append(best)
    return (seconds[1] - seconds[0]) / (STEPS[1] - STEPS[0])


def _pyg_seconds_per_step() -> float:
    import torch
    from torch_geometric.data import Batch, Data
    from torch_geometric.nn import GATConv

    # The 8-node operation graph of a NAS-Bench-201 cell (input, 6 operations, output),
    # links both ways plus self loops as GATConv adds them.
    links = [(0, 1), (0, 2), (0, 4), (1, 3), (1, 5), (2, 6), (3, 6), (4, 7), (5, 7), (6, 7)]
    edge_index = torch.tensor(links + [(v, u) for u, v in links]).T
    gen = torch.Generator().manual_seed(0)
    graphs = [
        Data(x=torch.randint(8, (8,), generator=gen), edge_index=edge_index) for _ in range(BATCH)
    ]
    batch = Batch.from_data_list(graphs)
    target = torch.randint(5, (BATCH * 6,), generator=gen)

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tokens = torch.nn.Embedding(8, HIDDEN)
            self.positions = torch.nn.Embedding(8, HIDDEN)
            self.layers = torch.nn.ModuleList(
                GATConv(HIDDEN, HIDDEN // HEADS, heads=HEADS) for _ in range(2)
            )
            self.readout = torch.nn.Linear(HIDDEN, 30)

        def forward(self, data: Batch) -> torch.Tensor:
            position = torch.arange(8).repeat(BATCH)
            h = self.tokens(data.x) + self.positions(position)
            for layer in self.layers:
                h = h + torch.nn.functional.elu(layer(h, data.edge_index))
            slots = h.view(BATCH, 8, HIDDEN)[:, 1:-1].reshape(-1, HIDDEN)
            return self.readout(slots)[:, :5]

    net = Net()
    optimiser = torch.optim.Adam(net.parameters(), lr=0.01)

    def step() -> None:
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(batch), target)
        loss.backward()
        optimiser.step()

    for _ in range(20):
        step()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(STEPS[1] - STEPS[0]):
            step()
        best = min(best, (time.perf_counter() - start) / (STEPS[1] - STEPS[0]))
    return best


def _import_seconds(module: str) -> float:
    """Seconds to import ``module`` in a fresh interpreter that has already imported torch."""
    code = (
        "import time, torch; start = time.perf_counter(); "
        f"import {module}; print(time.perf_counter() - start)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def main() -> int:
    """Print the timings as JSON; exit 1 where torch_geometric is not installed."""
    try:
        importlib.import_module("torch_geometric")
    except ImportError:
        print("torch_geometric is not installed: pip install torch_geometric", file=sys.stderr)
        return 1
    import torch

    # nal's models run on one thread (as every strategy's model does), so PyG does here too.
    torch.set_num_threads(1)
    result = {
        "threads": torch.get_num_threads(),
        "batch": BATCH,
        "nal_ms_per_step": round(_nal_seconds_per_step() * 1e3, 3),
        "pyg_ms_per_step": round(_pyg_seconds_per_step() * 1e3, 3),
        "pyg_import_seconds_after_torch": round(_import_seconds("torch_geometric.nn"), 3),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
