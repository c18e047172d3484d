"""The data sets models are trained on, with fixed recorded splits and preprocessing.

Two data sets, both read from local files and never downloaded:

- ``digits``: scikit-learn's bundled 8x8 digits (1,797 images), split 60/20/20 into train,
  validation and test by a stratified permutation with a fixed seed;
- ``fashion-mnist``: the four standard IDX files (plain or gzipped), found in ``data_dir``,
  else where Debian's ``dataset-fashion-mnist`` package installs
  them; the last 10,000 of the 60,000 training images are the validation split and the
  10,000 ``t10k`` images the test split.

Pixels are scaled to [0, 1] and standardised with the train split's per-feature mean and
standard deviation. A data set's checksum covers its raw bytes and the split definition, so a
recipe (and through it a training cache) is tied to exactly the data it was trained on.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch

DATASETS: tuple[str, ...] = ("digits", "fashion-mnist")
"""The data sets `load_dataset` knows."""

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
"""Where ``apt-get install dataset-fashion-mnist`` puts the IDX files."""

DIGITS_SPLIT_SEED = 20_240_611
"""Seed of the digits split permutation; part of the recorded split definition."""

DIGITS_FRACTIONS = (0.6, 0.2, 0.2)
"""Train, validation and test fractions of every digits class."""

FASHION_VAL_SIZE = 10_000
"""The last this-many fashion-mnist training images are the validation split."""

STD_FLOOR = 0.1
"""Smallest per-feature standard deviation used to standardise (on the [0, 1] scale).

Border pixels are (nearly) constant in the train split; dividing by their tiny deviation
would turn a rare stroke there in a test image into a value of hundreds. A feature whose
deviation is under a tenth of the pixel range is scaled as if it were a tenth.
"""

_HOW_TO_GET = (
    "install it with `apt-get install dataset-fashion-mnist` or pass --data-dir DIR "
    "(or set $HARNESS_DATA_DIR) holding the four IDX files"
)
_FASHION_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_IDX_UBYTE = 0x08  # IDX type code of unsigned bytes, the only one the data sets use

Array = npt.NDArray[np.uint8]


class DatasetError(ValueError):
    """A data set that cannot be loaded; the message is one line saying what and how to fix."""


@dataclass(frozen=True, slots=True)
class Splits:
    """Train, validation and test splits as tensors: features ``x_*``, class labels ``y_*``."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    def on(self, device: torch.device) -> Splits:
        """These splits, as they are, on ``device``."""
        return Splits(
            **{f.name: getattr(self, f.name).to(device) for f in dataclasses.fields(Splits)}
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Dataset(Splits):
    """One data set, split and preprocessed, as CPU tensors.

    Attributes:
        name: One of `DATASETS`.
        x_train: Standardised features of the train split, float32, (n, features).
        y_train: Class labels of the train split, int64, (n,).
        x_val: Validation features, standardised with the train split's statistics.
        y_val: Validation labels.
        x_test: Test features, standardised with the train split's statistics.
        y_test: Test labels.
        n_classes: Number of classes; labels are ``0..n_classes - 1``.
        checksum: SHA-256 over the raw data bytes and the split definition.
        source: One line saying where the data came from.
    """

    name: str
    n_classes: int
    checksum: str
    source: str

    @property
    def n_features(self) -> int:
        """Number of input features (pixels)."""
        return int(self.x_train.shape[1])


def load_dataset(name: str, data_dir: str | Path | None = None) -> Dataset:
    """Load data set ``name``, split and standardised.

    Loads are cached in-process: a second call for the same files returns the same object.

    Args:
        name: One of `DATASETS`.
        data_dir: Folder with the fashion-mnist IDX files (or a ``fashion-mnist`` folder
            inside it; `TrainingContext.data_dir`); default Debian's install path. Ignored
            for ``digits``, which scikit-learn bundles.

    Returns:
        The data set.

    Raises:
        DatasetError: Unknown name, or missing or malformed files (one line naming the file
            and saying how to get the data).
    """
    if name == "digits":
        return _load_digits()
    if name == "fashion-mnist":
        paths = _fashion_paths(data_dir)
        # The key holds each file's size and modification time, so replaced files are reread.
        key = tuple((str(p), *_stamp(p)) for p in paths)
        return _load_fashion(key)
    raise DatasetError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")


@functools.lru_cache(maxsize=1)
def _load_digits() -> Dataset:
    # Imported here: scikit-learn takes a second to import and only digits needs it.
    from sklearn.datasets import load_digits

    x_raw, y_raw = load_digits(return_X_y=True)
    pixels = np.asarray(x_raw, dtype=np.uint8)  # values 0..16, exactly representable
    labels = np.asarray(y_raw, dtype=np.uint8)
    split = _stratified_split(labels, DIGITS_FRACTIONS, DIGITS_SPLIT_SEED)
    definition = {
        "data": "digits",
        "split": "stratified permutation per class",
        "seed": DIGITS_SPLIT_SEED,
        "fractions": DIGITS_FRACTIONS,
        "scale": 16,
        "std_floor": STD_FLOOR,
    }
    checksum = _checksum([pixels, labels], definition)
    x = pixels.astype(np.float32) / np.float32(16.0)
    return _build(
        "digits",
        x[split[0]],
        labels[split[0]],
        x[split[1]],
        labels[split[1]],
        x[split[2]],
        labels[split[2]],
        n_classes=10,
        checksum=checksum,
        source="scikit-learn's bundled load_digits (1,797 8x8 images)",
    )


def _stratified_split(
    labels: Array, fractions: tuple[float, float, float], seed: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Row indices of train, validation and test: each class split by ``fractions``."""
    rng = np.random.default_rng(seed)  # a local generator: the global one is never touched
    parts: list[list[npt.NDArray[np.int64]]] = [[], [], []]
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        n_train = round(len(rows) * fractions[0])
        n_val = round(len(rows) * fractions[1])
        parts[0].append(rows[:n_train])
        parts[1].append(rows[n_train : n_train + n_val])
        parts[2].append(rows[n_train + n_val :])
    # Sorted, so a split is a set of rows; the training order is the trainer's own business.
    train, val, test = (np.sort(np.concatenate(p)).astype(np.int64) for p in parts)
    return train, val, test


def _fashion_paths(data_dir: str | Path | None) -> list[Path]:
    """The four IDX files (train images, train labels, test images, test labels)."""
    folder = DEBIAN_FASHION_MNIST if data_dir is None else Path(data_dir)
    # A data folder shared by several data sets holds fashion-mnist in its own subfolder.
    if not _find(folder, _FASHION_FILES["train_images"]) and (folder / "fashion-mnist").is_dir():
        folder = folder / "fashion-mnist"
    paths = []
    for stem in _FASHION_FILES.values():
        found = _find(folder, stem)
        if found is None:
            raise DatasetError(
                f"fashion-mnist: {folder / stem} (or {stem}.gz) not found; {_HOW_TO_GET}"
            )
        paths.append(found)
    return paths


def _find(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _stamp(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns


@functools.lru_cache(maxsize=2)
def _load_fashion(key: tuple[tuple[str, int, int], ...]) -> Dataset:
    train_images, train_labels, test_images, test_labels = (
        _read_idx(Path(p), ndim) for (p, _, _), ndim in zip(key, (3, 1, 3, 1), strict=True)
    )
    _check_pair(key[0][0], train_images, key[1][0], train_labels)
    _check_pair(key[2][0], test_images, key[3][0], test_labels)
    if train_images.shape[1:] != test_images.shape[1:]:
        raise DatasetError(
            f"fashion-mnist: {key[2][0]} holds {test_images.shape[1:]} images but "
            f"{key[0][0]} holds {train_images.shape[1:]}; {_HOW_TO_GET}"
        )
    if len(train_images) <= FASHION_VAL_SIZE:
        raise DatasetError(
            f"fashion-mnist: {key[0][0]} holds {len(train_images)} images, more than "
            f"{FASHION_VAL_SIZE} are needed (the last {FASHION_VAL_SIZE} are the validation "
            f"split); {_HOW_TO_GET}"
        )
    for path, labels in ((key[1][0], train_labels), (key[3][0], test_labels)):
        if labels.size and int(labels.max()) >= 10:
            raise DatasetError(
                f"fashion-mnist: {path} holds label {int(labels.max())}, expected 0..9; "
                f"{_HOW_TO_GET}"
            )
    definition = {
        "data": "fashion-mnist",
        "split": f"last {FASHION_VAL_SIZE} training images are validation; t10k is test",
        "scale": 255,
        "std_floor": STD_FLOOR,
    }
    checksum = _checksum([train_images, train_labels, test_images, test_labels], definition)
    n_fit = len(train_images) - FASHION_VAL_SIZE
    x = train_images.reshape(len(train_images), -1).astype(np.float32) / np.float32(255.0)
    x_test = test_images.reshape(len(test_images), -1).astype(np.float32) / np.float32(255.0)
    return _build(
        "fashion-mnist",
        x[:n_fit],
        train_labels[:n_fit],
        x[n_fit:],
        train_labels[n_fit:],
        x_test,
        test_labels,
        n_classes=10,
        checksum=checksum,
        source=f"IDX files in {Path(key[0][0]).parent}",
    )


def _read_idx(path: Path, ndim: int) -> Array:
    """An IDX file of unsigned bytes with ``ndim`` dimensions, checked, as an array."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(f"fashion-mnist: cannot read {path} ({exc}); {_HOW_TO_GET}") from None
    expected_magic = (_IDX_UBYTE << 8) | ndim
    header = 4 + 4 * ndim
    if len(raw) < 4 or int.from_bytes(raw[:4], "big") != expected_magic:
        found = f"0x{int.from_bytes(raw[:4], 'big'):08x}" if len(raw) >= 4 else "none"
        raise DatasetError(
            f"fashion-mnist: {path} has magic number {found}, expected 0x{expected_magic:08x} "
            f"(an IDX file of {ndim}-dimensional unsigned bytes); {_HOW_TO_GET}"
        )
    if len(raw) < header:
        raise DatasetError(f"fashion-mnist: {path} is truncated in its header; {_HOW_TO_GET}")
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "longer than its header says"
        raise DatasetError(
            f"fashion-mnist: {path} is {what}: {len(raw) - header} data bytes for dimensions "
            f"{'x'.join(map(str, dims))}; {_HOW_TO_GET}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _check_pair(images_path: str, images: Array, labels_path: str, labels: Array) -> None:
    if len(images) != len(labels):
        raise DatasetError(
            f"fashion-mnist: {images_path} holds {len(images)} images but {labels_path} "
            f"{len(labels)} labels; {_HOW_TO_GET}"
        )


def _checksum(arrays: list[Array], definition: dict[str, object]) -> str:
    digest = hashlib.sha256()
    for array in arrays:
        # Shapes too: the same bytes cut into other images are other data.
        digest.update(json.dumps(list(array.shape)).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(json.dumps(definition, sort_keys=True).encode())
    return digest.hexdigest()


def _build(
    name: str,
    x_train: npt.NDArray[np.float32],
    y_train: Array,
    x_val: npt.NDArray[np.float32],
    y_val: Array,
    x_test: npt.NDArray[np.float32],
    y_test: Array,
    *,
    n_classes: int,
    checksum: str,
    source: str,
) -> Dataset:
    """Standardise every split with the train split's statistics; tensors for the trainer."""
    # Statistics in float64, so they do not depend on the summation order of float32 sums.
    mean = x_train.mean(axis=0, dtype=np.float64)
    std = np.maximum(x_train.std(axis=0, dtype=np.float64), STD_FLOOR)

    def features(x: npt.NDArray[np.float32]) -> torch.Tensor:
        return torch.from_numpy(((x - mean) / std).astype(np.float32))

    def targets(y: Array) -> torch.Tensor:
        return torch.from_numpy(y.astype(np.int64))

    return Dataset(
        name=name,
        x_train=features(x_train),
        y_train=targets(y_train),
        x_val=features(x_val),
        y_val=targets(y_val),
        x_test=features(x_test),
        y_test=targets(y_test),
        n_classes=n_classes,
        checksum=checksum,
        source=source,
    )
