"""The trainer and its data: deterministic, seed-independent batching, checked inputs."""

from __future__ import annotations

import dataclasses
import gzip
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from spaces.training import (
    DATASETS,
    MLP2_SIZES,
    MLP3_SIZES,
    WIDE_RANGE,
    Dataset,
    DatasetError,
    DeviceError,
    Recipe,
    TrainingContext,
    TrainingRun,
    load_dataset,
    recipe_for,
    resolve_device,
    train_config,
)

FASHION = Path("/usr/share/datasets/fashion-mnist")
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_dataset("digits")


def tiny(data: Dataset, **changes: object) -> Recipe:
    fields: dict[str, object] = {
        "dataset": data.name,
        "epochs": 2,
        "batch_size": 64,
        "learning_rate": 1e-3,
        "weight_decay": 1e-4,
        "data_checksum": data.checksum,
    }
    fields.update(changes)
    return Recipe(**fields)  # type: ignore[arg-type]


def numbers(run: TrainingRun) -> tuple[object, ...]:
    """Everything a run records except wall-clock timings."""
    return (run.seed, run.train_loss, run.val_acc, run.test_acc, run.n_params)


# ---- data ------------------------------------------------------------------------------------


def test_digits_has_fixed_standardised_splits(digits: Dataset) -> None:
    assert (len(digits.x_train), len(digits.x_val), len(digits.x_test)) == (1078, 359, 360)
    assert digits.x_train.dtype == torch.float32
    assert digits.y_train.dtype == torch.int64
    assert digits.n_features == 64
    assert digits.n_classes == 10
    assert torch.allclose(digits.x_train.mean(dim=0), torch.zeros(64), atol=1e-5)
    assert set(digits.y_test.tolist()) == set(range(10))  # stratified: every class everywhere
    assert len(digits.checksum) == 64
    assert "\n" not in digits.source
    assert load_dataset("digits") is digits  # cached in-process


def test_unknown_dataset_lists_the_known_ones() -> None:
    with pytest.raises(DatasetError, match="unknown data set 'mnist'; known: digits, fashion"):
        load_dataset("mnist")
    assert DATASETS == ("digits", "fashion-mnist")


def write_idx(path: Path, array: np.ndarray, *, magic: int | None = None) -> Path:
    header = (magic if magic is not None else 0x0800 | array.ndim).to_bytes(4, "big")
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    if path.suffix == ".gz":
        raw = gzip.compress(raw)
    path.write_bytes(raw)
    return path


def fake_fashion(folder: Path, *, n_train: int = 10_012, n_test: int = 7) -> Path:
    """Valid IDX files with 3x2 images: the last 10,000 train images are validation."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (n_train, 3, 2)))
    write_idx(folder / "train-labels-idx1-ubyte", rng.integers(0, 10, n_train))
    write_idx(folder / "t10k-images-idx3-ubyte", rng.integers(0, 256, (n_test, 3, 2)))
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, n_test))
    return folder


def test_idx_files_plain_or_gzipped_are_read_and_split(tmp_path: Path) -> None:
    data = load_dataset("fashion-mnist", data_dir=fake_fashion(tmp_path))
    assert data.x_train.shape == (12, 6)
    assert data.x_val.shape == (10_000, 6)
    assert data.x_test.shape == (7, 6)
    assert data.y_test.shape == (7,)
    assert data.n_classes == 10
    assert str(tmp_path) in data.source


def test_data_dir_comes_from_the_environment_or_a_subfolder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_fashion(tmp_path / "fashion-mnist")
    monkeypatch.setenv("HARNESS_DATA_DIR", str(tmp_path))
    context = TrainingContext.from_environment()
    assert context.data_dir == tmp_path
    assert load_dataset("fashion-mnist", context.data_dir).x_val.shape == (10_000, 6)


def test_the_training_context_is_read_from_the_environment_in_one_place() -> None:
    env = {"HARNESS_DEVICE": "auto", "HARNESS_DATA_DIR": "/d", "HARNESS_CACHE_READ_ONLY": "1"}
    assert TrainingContext.from_environment(env) == TrainingContext(
        device="auto", data_dir=Path("/d"), read_only=True
    )
    assert TrainingContext.from_environment({}) == TrainingContext()
    assert TrainingContext(cache_dir=Path("/c")).trained_dir() == Path("/c/trained")


def test_a_data_dir_in_the_environment_is_not_read_below_the_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only `TrainingContext.from_environment` reads the variable: a data set loaded without a
    # folder looks where Debian installs it, whatever the environment says.
    if Path("/usr/share/datasets/fashion-mnist").exists():
        pytest.skip("Debian's fashion-mnist is installed here")
    fake_fashion(tmp_path)
    monkeypatch.setenv("HARNESS_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetError, match="/usr/share/datasets/fashion-mnist"):
        load_dataset("fashion-mnist")


def one_line_error(tmp_path: Path, naming: str) -> str:
    with pytest.raises(DatasetError) as caught:
        load_dataset("fashion-mnist", data_dir=tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert naming in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "--data-dir" in message
    return message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    fake_fashion(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte").unlink()
    assert "not found" in one_line_error(tmp_path, "t10k-images-idx3-ubyte")


def test_a_wrong_magic_number_is_named(tmp_path: Path) -> None:
    fake_fashion(tmp_path)
    # An image file where the labels belong: right bytes, wrong kind of file.
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros((4, 3, 2)))
    message = one_line_error(tmp_path, "train-labels-idx1-ubyte")
    assert "magic number 0x00000803, expected 0x00000801" in message


def test_a_truncated_file_is_named(tmp_path: Path) -> None:
    fake_fashion(tmp_path)
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-5])
    assert "truncated" in one_line_error(tmp_path, str(path))


def test_a_truncated_gzip_is_named(tmp_path: Path) -> None:
    fake_fashion(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100])
    one_line_error(tmp_path, str(path))


def test_too_few_training_images_for_the_validation_split(tmp_path: Path) -> None:
    fake_fashion(tmp_path, n_train=100)
    assert "more than 10000 are needed" in one_line_error(tmp_path, "train-images")


@pytest.mark.skipif(not FASHION.is_dir(), reason="apt-get install dataset-fashion-mnist")
def test_the_installed_fashion_mnist_is_split_50k_10k_10k() -> None:
    data = load_dataset("fashion-mnist")
    assert (len(data.x_train), len(data.x_val), len(data.x_test)) == (50_000, 10_000, 10_000)
    assert data.n_features == 784
    assert data.y_train.max() == 9


# ---- recipes and devices ---------------------------------------------------------------------


def test_the_recipe_checksum_changes_with_every_field(digits: Dataset) -> None:
    recipe = tiny(digits)
    other = {
        "dataset": "fashion-mnist",
        "epochs": 3,
        "batch_size": 32,
        "learning_rate": 2e-3,
        "weight_decay": 0.0,
        "n_seeds": 5,
        "device_type": "cuda",
        "torch_version": "0.0.1",
        "data_checksum": "0" * 64,
    }
    assert set(other) == {f.name for f in dataclasses.fields(Recipe)}
    seen = {recipe.checksum()}
    for name, value in other.items():
        seen.add(dataclasses.replace(recipe, **{name: value}).checksum())  # type: ignore[arg-type]
    assert len(seen) == 1 + len(other)
    assert recipe.checksum() == tiny(digits).checksum()
    assert {"trainer_version", "cpu_threads"} <= set(recipe.as_dict())
    assert recipe.torch_version == torch.__version__


def test_default_recipes(digits: Dataset) -> None:
    recipe = recipe_for("digits")
    assert recipe.data_checksum == digits.checksum
    assert recipe.device_type == "cpu"
    assert recipe.n_seeds == 10
    assert "\n" not in recipe.describe()
    assert "digits" in recipe.describe()
    with pytest.raises(DatasetError, match="known: digits, fashion-mnist"):
        recipe_for("cifar10")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"batch_size": 2.5}, "batch_size must be a positive integer"),
        ({"learning_rate": -1.0}, "learning_rate must be positive"),
        ({"weight_decay": float("nan")}, "weight_decay must be >= 0"),
        ({"device_type": "tpu"}, "device_type 'tpu'"),
        ({"dataset": "mnist"}, "unknown data set"),
    ],
)
def test_a_bad_recipe_is_refused(digits: Dataset, change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        tiny(digits, **change)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_one_line() -> None:
    with pytest.raises(DeviceError) as caught:
        resolve_device("cuda")
    assert "\n" not in str(caught.value)
    assert "no CUDA device" in str(caught.value)
    assert resolve_device("auto") == "cpu"


def test_devices() -> None:
    assert resolve_device("cpu") == "cpu"
    with pytest.raises(DeviceError, match="unknown device 'gpu'"):
        resolve_device("gpu")


# ---- the trainer -----------------------------------------------------------------------------


def test_training_is_deterministic(digits: Dataset) -> None:
    first = train_config(tiny(digits), digits, (16, 8), [0, 1])
    again = train_config(tiny(digits), digits, (16, 8), [0, 1])
    assert [numbers(r) for r in first] == [numbers(r) for r in again]
    run = first[0]
    assert len(run.train_loss) == len(run.val_acc) == len(run.test_acc) == 2
    assert len(run.epoch_seconds) == 2
    assert all(s > 0 for s in run.epoch_seconds)
    assert run.n_params == 64 * 16 + 16 + 16 * 8 + 8 + 8 * 10 + 10
    assert run.latency_ms > 0
    assert run.device_name.startswith("cpu")
    assert all(0 <= a <= 100 for a in run.val_acc + run.test_acc)


@pytest.mark.parametrize("hidden", [(7, 13), (33, 64, 10), (128, 1)])
def test_a_seed_gives_the_same_numbers_whatever_it_is_trained_with(
    digits: Dataset, hidden: tuple[int, ...]
) -> None:
    # The cache stores one row per (config, seed): it must not matter which call trained it.
    # Odd widths put models at unaligned offsets of a stack (MKL rounds differently there).
    recipe = tiny(digits)
    alone = train_config(recipe, digits, hidden, [3])[0]
    with_others = train_config(recipe, digits, hidden, range(10))[3]
    second = train_config(recipe, digits, hidden, [5, 3])[1]
    assert numbers(alone) == numbers(with_others) == numbers(second)


def test_different_seeds_differ(digits: Dataset) -> None:
    runs = train_config(tiny(digits), digits, (16, 16), range(4))
    assert len({r.train_loss for r in runs}) == 4
    assert [r.seed for r in runs] == [0, 1, 2, 3]


def test_training_leaves_global_state_alone(digits: Dataset) -> None:
    torch_rng = torch.get_rng_state()
    numpy_rng = np.random.get_state()  # noqa: NPY002 - the legacy global state is the point
    python_rng = random.getstate()
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    precision = torch.get_float32_matmul_precision()
    train_config(tiny(digits), digits, (8, 8), [0, 1])
    train_config(tiny(digits), digits, (8, 8), [2], batched=False)
    assert torch.equal(torch.get_rng_state(), torch_rng)
    assert all(np.array_equal(a, b) for a, b in zip(np.random.get_state(), numpy_rng, strict=True))  # noqa: NPY002
    assert random.getstate() == python_rng
    assert torch.get_num_threads() == threads
    assert torch.are_deterministic_algorithms_enabled() == deterministic
    assert torch.get_float32_matmul_precision() == precision


def test_batched_agrees_with_one_model_at_a_time(digits: Dataset) -> None:
    recipe = tiny(digits, epochs=3)
    stacked = train_config(recipe, digits, (32, 16), range(3))
    single = train_config(recipe, digits, (32, 16), range(3), batched=False)
    for a, b in zip(stacked, single, strict=True):
        assert a.n_params == b.n_params
        assert np.allclose(a.train_loss, b.train_loss, rtol=0, atol=1e-4)
        # Float rounding can flip an argmax near a tie: a point of 360 is 0.28 %.
        assert np.allclose(a.val_acc + a.test_acc, b.val_acc + b.test_acc, rtol=0, atol=0.6)


def test_models_learn(digits: Dataset) -> None:
    run = train_config(tiny(digits, epochs=5), digits, (64, 64), [0])[0]
    assert run.train_loss[-1] < run.train_loss[0]
    assert run.val_acc[-1] > 85


@pytest.mark.parametrize(
    ("hidden", "seeds", "message"),
    [
        ((), [0], "whole numbers in 1..4096"),
        ((0, 8), [0], "whole numbers in 1..4096"),
        ((8, 4097), [0], "whole numbers in 1..4096"),
        ((8, 8), [-1], "non-negative"),
        ((8, 8), [1, 1], "distinct"),
    ],
)
def test_bad_configs_and_seeds_are_refused(
    digits: Dataset, hidden: tuple[int, ...], seeds: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        train_config(tiny(digits), digits, hidden, seeds)


def test_the_data_must_be_the_recipes(digits: Dataset) -> None:
    with pytest.raises(ValueError, match="not the recipe's"):
        train_config(tiny(digits, data_checksum="0" * 64), digits, (8, 8), [0])
    assert train_config(tiny(digits), digits, (8, 8), []) == []


def test_the_grids() -> None:
    assert len(MLP2_SIZES) ** 2 == 25
    assert len(MLP3_SIZES) ** 3 == 64
    assert WIDE_RANGE == (8, 1024)


@CUDA
def test_cuda_training_is_deterministic_and_seed_independent(digits: Dataset) -> None:
    recipe = tiny(digits, device_type="cuda")
    alone = train_config(recipe, digits, (7, 13), [3])[0]
    with_others = train_config(recipe, digits, (7, 13), range(10))[3]
    again = train_config(recipe, digits, (7, 13), range(10))[3]
    assert numbers(alone) == numbers(with_others) == numbers(again)
    assert not alone.device_name.startswith("cpu")


def test_trainable_sources_train_and_cache_where_the_context_says(tmp_path: Path) -> None:
    from spaces.sources.trained import TrainedSpaces
    from spaces.sources.trained_cells import CellSpaces

    context = TrainingContext(cache_dir=tmp_path, read_only=True)
    mlp = TrainedSpaces().load_training("mlpwide/digits", table_options=None, training=context)
    cell = CellSpaces().load_training("cell/digits", table_options=None, training=context)
    for objective in (mlp, cell):
        cache = objective.cache  # type: ignore[attr-defined]
        assert cache.path.parent == tmp_path / "trained"
        assert cache.read_only
        cache.close()
    assert not (tmp_path / "trained").exists()  # read-only: nothing written


def test_a_source_loaded_plainly_takes_the_environment_s_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spaces.sources.trained import TrainedSpaces

    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("HARNESS_CACHE_READ_ONLY", "1")
    objective = TrainedSpaces().load("mlpwide/digits", table_options=None)
    cache = objective.cache  # type: ignore[attr-defined]
    assert cache.path.parent == tmp_path / "trained"
    assert cache.read_only
    cache.close()
