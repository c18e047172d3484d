"""Train the digits grids with the project's own trainer and ship them as tables.

Writes ``spaces/training/tables/mlp2-digits.npz`` and ``mlp3-digits.npz`` (plain float
arrays, no pickles) with a ``.json`` each naming the recipe, its checksum and the hardware.
Training goes through the training cache (``$HARNESS_CACHE_DIR``), so an interrupted build
resumes where it stopped. Run from the repository root::

    python scripts/build_trained_tables.py --workers 2
"""

from __future__ import annotations

import argparse
import os
import time

from harness import export_if_complete, plan_training, run_training
from spaces.training import shipped_table


def main() -> None:
    """Train what is missing, then export each complete grid into the package."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--families", nargs="+", default=["mlp2", "mlp3"])
    args = parser.parse_args()
    for family in args.families:
        space = f"{family}/digits"
        plan = plan_training(space, device="cpu")
        print(f"{space}: {plan.missing} of {plan.total} models to train ({plan.recipe_line})")
        start = time.perf_counter()

        def progress(n: int, space: str = space, done: list[int] = [0]) -> None:  # noqa: B006
            done[0] += n  # one fresh counter per space: the default is made per definition
            print(f"  {space}: {done[0]} models", flush=True)

        failed = run_training(plan, workers=args.workers, on_models=progress)
        if failed:
            raise SystemExit(f"{space}: {len(failed)} configs failed: {failed[0][1]}")
        print(f"  trained in {time.perf_counter() - start:.1f} s")
        path = export_if_complete(space, device="cpu", to=shipped_table(family, "digits"))
        print(f"  wrote {path}")


if __name__ == "__main__":
    main()
