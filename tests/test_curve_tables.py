"""Trained tables with learning curves: every epoch a fidelity, the full table unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from spaces import CurveTable, ObjectiveError, load_objective
from spaces.training import curves_path, shipped_table

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("family", ["mlp2", "mlp3"])
def test_shipped_digits_tables_offer_every_epoch(family: str) -> None:
    table = load_objective(f"{family}/digits")
    assert isinstance(table, CurveTable)
    assert table.info.fidelities == tuple(range(1, 41))
    assert table.info.fidelity == 40
    assert table.info.fidelity_continues
    with np.load(shipped_table(family, "digits")) as raw:
        # At the full fidelity it is the shipped table, bit for bit.
        assert np.array_equal(table.values, raw["val_acc"])
        assert np.array_equal(table.costs, raw["cost_seconds"])
    with np.load(curves_path(shipped_table(family, "digits"))) as curves:
        five = table.select(fidelity=5)
        assert np.array_equal(five.values, curves["val_acc_curve"][:, :, 4])
        assert np.array_equal(five.costs, curves["cost_curve"][:, :, 4])
        assert np.all(np.diff(curves["cost_curve"], axis=2) >= 0)
    assert five.info.fidelity == 5
    assert five.checksum == table.checksum
    assert five.select(fidelity=40).values.tolist() == table.values.tolist()
    with pytest.raises(ObjectiveError, match="does not offer fidelity 41"):
        table.select(fidelity=41)


def test_ship_curves_refuses_another_recipe(tmp_path: Path) -> None:
    shipped = shipped_table("mlp3", "digits")
    with np.load(shipped) as raw, np.load(curves_path(shipped)) as curves:
        arrays = {k: raw[k] for k in raw.files}
        arrays.update({k: curves[k] for k in curves.files})
    arrays["val_acc_curve"] = arrays["val_acc_curve"] + 0.5  # not what the shipped table holds
    exported = tmp_path / "exported.npz"
    np.savez(exported, **arrays)
    target = tmp_path / "mlp3-digits.npz"
    target.write_bytes(shipped.read_bytes())
    script = ROOT / "scripts" / "ship_curves.py"
    done = subprocess.run(
        [sys.executable, str(script), str(exported), str(target)], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "val_acc after the last epoch differs" in done.stderr
    assert not curves_path(target).exists()
