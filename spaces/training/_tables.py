"""A full grid of the training cache as a table file: exported, shipped, read back.

A table is a ``.npz`` of plain float arrays (never pickles: read with
``allow_pickle=False``), one ``(n_configs, n_seeds)`` array per metric plus the recorded
training seconds, and a ``.json`` beside it with the recipe, its checksum and the hardware.
Read back, it is a `RecordedTable` whose checksum is the recipe's, so runs stored against
the cache and against the table share their keys.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from spaces._curves import CurveTable
from spaces._objective import ObjectiveInfo, Provenance
from spaces._recorded import RecordedTable
from spaces.training._spaces import METRICS, family_space

TABLE_FORMAT = 1
CURVE_ARRAYS = ("val_acc_curve", "test_acc_curve", "train_loss_curve", "cost_curve")
"""Optional arrays of a table file, ``(n_configs, n_seeds, epochs)``: learning curves, and the
seconds of the first e epochs. A table that has them is a `spaces.CurveTable` (every epoch a
fidelity); they sit in the table file itself, or, for the shipped digits grids (whose files
predate them), in a sibling ``<stem>-curves.npz``."""
SHIPPED = Path(__file__).resolve().parent / "tables"
"""Tables shipped in the package (the digits grids)."""


class TableFileError(ValueError):
    """A table file that cannot be read; the message is one line naming it."""


def table_stem(family: str, dataset: str) -> str:
    """File stem of a grid's table: ``mlp3-digits``."""
    return f"{family}-{dataset}"


def write_table(
    path: Path,
    *,
    family: str,
    arrays: dict[str, np.ndarray[Any, Any]],
    meta: dict[str, Any],
) -> Path:
    """Write ``arrays`` (every metric and ``cost_seconds``) to ``path`` (``.npz``) atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = family_space(family).n_configs
    for name, arr in arrays.items():
        if arr.shape[0] != n:
            raise ValueError(f"{name} has {arr.shape[0]} rows; {family} has {n} configs")
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    os.close(fd)
    try:
        with open(tmp, "wb") as fh:
            plain = {k: np.asarray(v, dtype=np.float64) for k, v in arrays.items()}
            np.savez_compressed(fh, **plain)  # type: ignore[arg-type]
        meta_tmp = Path(tmp).with_suffix(".json.tmp")
        meta_tmp.write_text(json.dumps({"format": TABLE_FORMAT, **meta}, indent=1, sort_keys=True))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a table is for everyone to read
        os.replace(meta_tmp, path.with_suffix(".json"))
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def read_table(path: Path, *, name: str, family: str) -> RecordedTable:
    """The table at ``path`` as space ``name``.

    Raises:
        TableFileError: The file or its ``.json`` is missing, malformed or of another shape.
    """
    try:
        meta = json.loads(path.with_suffix(".json").read_text())
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: np.array(data[k], dtype=np.float64) for k in data.files}
    except (OSError, ValueError, KeyError) as exc:
        raise TableFileError(f"trained table {path}: cannot be read ({exc})") from None
    missing = [k for k in (*METRICS, "cost_seconds") if k not in arrays]
    if missing or meta.get("format") != TABLE_FORMAT:
        raise TableFileError(
            f"trained table {path}: format {meta.get('format')}, arrays missing: {missing}"
        )
    space = family_space(family)
    costs = arrays.pop("cost_seconds")
    runs = {k: arrays[k] for k in METRICS}
    curves = _curves(path, arrays)
    n_seeds = np.full(space.n_configs, costs.shape[1], dtype=np.int64)
    recipe = meta["recipe"]
    info = ObjectiveInfo(
        name=name,
        space=space,
        metrics=METRICS,
        search_metric="val_acc",
        test_metric="test_acc",
        fidelities=(int(recipe["epochs"]),),
        fidelity=int(recipe["epochs"]),
        fully_recorded=True,
        provenance=Provenance(
            source=f"MLPs trained by nas-harness's own trainer ({meta['recipe_line']})",
            package=f"nas-harness (trained table {path.name})",
            licence=meta.get("licence", "Apache-2.0"),
            objective_units="validation accuracy, percent",
            cost_units="seconds of recorded training time (wall time on the hardware below)",
            hardware=str(meta.get("hardware", "not recorded")),
            gpu_trained=recipe.get("device_type") == "cuda",
            notes=f"{costs.shape[1]} training seeds per config, all recorded",
        ),
        checksum=str(meta["recipe_checksum"]),
    )
    try:
        if curves is None:
            return RecordedTable(info=info, runs=runs, costs=costs, n_seeds=n_seeds)
        return CurveTable(
            info=info,
            runs=runs,
            costs=costs,
            n_seeds=n_seeds,
            curves={
                name: curves[f"{name}_curve"]
                for name in ("val_acc", "test_acc", "train_loss")
                if f"{name}_curve" in curves
            },
            cost_curve=curves["cost_curve"],
        )
    except ValueError as exc:
        raise TableFileError(f"trained table {path}: {exc}") from None


def curves_path(path: Path) -> Path:
    """The sibling file of ``path`` that holds its learning curves (shipped tables)."""
    return path.with_name(f"{path.stem}-curves.npz")


def _curves(path: Path, arrays: dict[str, np.ndarray[Any, Any]]) -> dict[str, Any] | None:
    """The table's learning curves: from its own file, its sibling, or None.

    Raises:
        TableFileError: A curves file that cannot be read or lacks the costs.
    """
    found = {k: arrays[k] for k in CURVE_ARRAYS if k in arrays}
    sibling = curves_path(path)
    if not found and sibling.exists():
        try:
            with np.load(sibling, allow_pickle=False) as data:
                found = {k: np.array(data[k], dtype=np.float64) for k in data.files}
        except (OSError, ValueError) as exc:
            raise TableFileError(f"learning curves {sibling}: cannot be read ({exc})") from None
    if not found:
        return None
    if "cost_curve" not in found:
        raise TableFileError(f"learning curves of {path}: the per-epoch costs are missing")
    return found
