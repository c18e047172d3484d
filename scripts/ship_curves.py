r"""Add learning curves to a shipped trained table (the digits grids), from an exported grid.

The digits tables in ``spaces/training/tables`` predate learning curves. ``harness train``
exports a complete grid with them (`spaces.training.export_grid`); this script checks that the
export's last epoch is the shipped table's result for every metric (training is
deterministic: the same recipe gives the same numbers) and writes the curves beside the
shipped table as ``<stem>-curves.npz``, which `spaces.training.read_table` reads into a
`spaces.CurveTable` (every epoch a fidelity). Training seconds are wall time, so they differ
from run to run: the per-epoch costs are the export's epoch seconds rescaled so that the
last epoch costs exactly the shipped table's seconds; the full-fidelity table stays as it
was, bit for bit. Usage::

    python -m harness train --space mlp3/digits --cache-dir /tmp/tc
    python scripts/ship_curves.py /tmp/tc/trained/mlp3-digits-<checksum>.npz \\
        spaces/training/tables/mlp3-digits.npz
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

CURVES = ("val_acc", "test_acc", "train_loss")


def main(argv: list[str] | None = None) -> int:
    """Check the export against the shipped table and write the curves; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exported", type=Path, help="a table exported with learning curves")
    parser.add_argument("shipped", type=Path, help="the shipped table to add them to")
    args = parser.parse_args(argv)
    with np.load(args.exported, allow_pickle=False) as data:
        exported = {k: np.asarray(data[k], dtype=np.float64) for k in data.files}
    with np.load(args.shipped, allow_pickle=False) as data:
        shipped = {k: np.asarray(data[k], dtype=np.float64) for k in data.files}
    if "cost_curve" not in exported:
        print(f"error: {args.exported} has no learning curves (export it again)", file=sys.stderr)
        return 2
    for name in CURVES:
        last = exported[f"{name}_curve"][:, :, -1]
        if not np.array_equal(last, shipped[name], equal_nan=True):
            worst = float(np.nanmax(np.abs(last - shipped[name])))
            print(
                f"error: {name} after the last epoch differs from the shipped table (by up to "
                f"{worst:g}): not the same recipe or trainer",
                file=sys.stderr,
            )
            return 1
    seconds = exported["cost_curve"]
    scale = shipped["cost_seconds"] / seconds[:, :, -1]
    cost_curve = seconds * scale[:, :, None]
    cost_curve[:, :, -1] = shipped["cost_seconds"]  # exactly, not up to rounding
    out = args.shipped.with_name(f"{args.shipped.stem}-curves.npz")
    curves = {f"{name}_curve": exported[f"{name}_curve"] for name in CURVES}
    np.savez_compressed(out, cost_curve=cost_curve, **curves)  # type: ignore[arg-type]
    print(f"{out}: curves of {seconds.shape[2]} epochs, {seconds.shape[0]} configs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
