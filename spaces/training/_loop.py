"""What every trainer shares: deterministic settings, seeded streams, clocks, one epoch loop.

The MLP trainer (`spaces.training._trainer`) and the cell trainer
(`spaces.training._cell_trainer`) train under the same rules: deterministic kernels, IEEE
float32 matmuls and one CPU thread (`deterministic`); a training seed's initial weights and
each epoch's order of the train split drawn from that seed's own CPU generators
(`generator`, `orders`; the global RNG is never used); training seconds measured after the
device's queued work (`clock`). `train_epochs` is the one epoch loop of a single model
(``torch.optim`` on an ``nn.Module``): the cell trainer's, and the MLP trainer's reference
path; the MLP trainer's stacked path keeps its own loop over K models at once.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from spaces.training._data import Splits
from spaces.training._recipe import CPU_THREADS, BaseRecipe

LATENCY_ROWS = 256
"""Rows of the fixed batch whose inference latency is recorded."""

LATENCY_REPEATS = 7
"""Timed repeats of the latency batch; the median is recorded."""

ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8  # torch.optim.Adam's defaults, so the MLP trainer's two paths match


@dataclass(frozen=True, slots=True)
class TrainingRun:
    """One trained model: a config with one training seed.

    Attributes:
        seed: The training seed.
        train_loss: Mean cross-entropy over each epoch's steps, per epoch.
        val_acc: Validation accuracy after each epoch, in percent.
        test_acc: Test accuracy after each epoch, in percent.
        epoch_seconds: Wall seconds of each epoch's training steps attributed to this model
            (a batched pass's wall time divided by the models in it); evaluation excluded.
        n_params: Trainable parameters.
        device_name: What it was trained on (``"cpu (AMD EPYC)"``, a CUDA device's name).
        latency_ms: Median wall milliseconds of one forward pass over `LATENCY_ROWS` rows.
    """

    seed: int
    train_loss: tuple[float, ...]
    val_acc: tuple[float, ...]
    test_acc: tuple[float, ...]
    epoch_seconds: tuple[float, ...]
    n_params: int
    device_name: str
    latency_ms: float


@contextlib.contextmanager
def deterministic(device_type: str) -> Iterator[None]:
    """Deterministic kernels, IEEE float32 matmuls and (on CPU) one thread; restored after."""
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    was_warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    was_precision = torch.get_float32_matmul_precision()
    was_threads = torch.get_num_threads()
    torch.use_deterministic_algorithms(True)
    # TF32 matmuls on a GPU would make the numbers depend on the GPU's generation.
    torch.set_float32_matmul_precision("highest")
    if device_type == "cpu" and was_threads != CPU_THREADS:
        torch.set_num_threads(CPU_THREADS)
    try:
        yield
    finally:
        if torch.get_num_threads() != was_threads:
            torch.set_num_threads(was_threads)
        torch.set_float32_matmul_precision(was_precision)
        torch.use_deterministic_algorithms(was_deterministic, warn_only=was_warn_only)


def generator(seed: int, stream: int) -> torch.Generator:
    """A CPU generator for one purpose (``stream``) of one training seed.

    Seeded through `numpy.random.SeedSequence`, so nearby seeds and streams give unrelated
    sequences. Always on the CPU: a model starts from the same weights and sees the same data
    order on every device.
    """
    words = np.random.SeedSequence([seed, stream]).generate_state(2, dtype=np.uint32)
    return torch.Generator(device="cpu").manual_seed(int(words[0]) << 31 | int(words[1]) >> 1)


def orders(seed: int, n_rows: int, epochs: int, stream: int) -> Iterator[torch.Tensor]:
    """The train split's row order in each epoch (CPU), from ``seed``'s ``stream``."""
    rows = generator(seed, stream)
    for _ in range(epochs):
        yield torch.randperm(n_rows, generator=rows)


def device_name(device: torch.device) -> str:
    """What ``device`` is, for provenance (``"cpu (AMD EPYC)"``, a CUDA device's name)."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return f"cpu ({line.split(':', 1)[1].strip()})"
    except OSError:
        pass
    return "cpu"


def clock(device: torch.device) -> float:
    """Wall time after the device has finished the work queued so far."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter()


def latency_ms(forward: Callable[[torch.Tensor], torch.Tensor], splits: Splits) -> float:
    """Median wall milliseconds of ``forward`` over a fixed batch (after one warm-up)."""
    batch = splits.x_test[:LATENCY_ROWS]
    device = batch.device
    times = []
    with torch.inference_mode():
        forward(batch)
        for _ in range(LATENCY_REPEATS):
            start = clock(device)
            forward(batch)
            times.append(clock(device) - start)
    return statistics.median(times) * 1e3


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, rows_per_step: int) -> float:
    """Accuracy of ``model`` (in its current mode) on (x, y), in percent."""
    correct = 0
    with torch.no_grad():
        for first in range(0, len(x), rows_per_step):
            logits = model(x[first : first + rows_per_step])
            correct += int((logits.argmax(dim=1) == y[first : first + rows_per_step]).sum())
    return 100.0 * correct / len(x)


def adam(
    params: Iterable[torch.Tensor], recipe: BaseRecipe, *, foreach: bool | None = None
) -> torch.optim.Adam:
    """``torch.optim.Adam`` with the recipe's step size and weight decay."""
    return torch.optim.Adam(
        params,
        lr=recipe.learning_rate,
        betas=ADAM_BETAS,
        eps=ADAM_EPS,
        weight_decay=recipe.weight_decay,
        foreach=foreach,
    )


def train_epochs(
    model: nn.Module,
    optimiser: torch.optim.Optimizer,
    splits: Splits,
    *,
    recipe: BaseRecipe,
    seed: int,
    order_stream: int,
    eval_rows: int,
) -> TrainingRun:
    """Train ``model`` for the recipe's epochs, measuring it after each; one training seed.

    Every epoch visits the train split in the order of ``seed``'s ``order_stream``, in
    batches of ``recipe.batch_size`` (the last takes the rest); then the model, in eval mode,
    is measured on the validation and test splits, ``eval_rows`` rows per step.

    Args:
        model: The model, on the training device, with its initial weights.
        optimiser: The optimiser of ``model``'s parameters.
        splits: The data, on the training device.
        recipe: Epochs and batch size.
        seed: The training seed.
        order_stream: The generator stream of the data order (each trainer has its own).
        eval_rows: Rows per evaluation step (bounds memory).

    Returns:
        The run: curves per epoch, parameter count, device and latency.
    """
    device = splits.x_train.device
    n_rows = len(splits.x_train)
    losses, val_acc, test_acc, seconds = [], [], [], []
    for order in orders(seed, n_rows, recipe.epochs, order_stream):
        model.train()
        order = order.to(device)
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        start = clock(device)
        for first in range(0, n_rows, recipe.batch_size):
            rows = order[first : first + recipe.batch_size]
            loss = F.cross_entropy(model(splits.x_train[rows]), splits.y_train[rows])
            optimiser.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            loss_sum += loss.detach().double() * len(rows)
        seconds.append(clock(device) - start)
        losses.append(float(loss_sum) / n_rows)
        model.eval()
        val_acc.append(accuracy(model, splits.x_val, splits.y_val, rows_per_step=eval_rows))
        test_acc.append(accuracy(model, splits.x_test, splits.y_test, rows_per_step=eval_rows))
    model.eval()
    return TrainingRun(
        seed=seed,
        train_loss=tuple(losses),
        val_acc=tuple(val_acc),
        test_acc=tuple(test_acc),
        epoch_seconds=tuple(seconds),
        n_params=sum(p.numel() for p in model.parameters() if p.requires_grad),
        device_name=device_name(device),
        latency_ms=latency_ms(model, splits),
    )
