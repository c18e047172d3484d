"""Write docs/compatibility.md: which strategy runs on which kind of space and budget.

Generated from the strategy registry and the capability rules (`harness.compatibility`);
``tests/test_compatibility.py`` checks that the committed file matches and runs every cell.

    python scripts/compatibility_table.py            # rewrite docs/compatibility.md
    python scripts/compatibility_table.py --out F    # write elsewhere
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.compatibility import markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "compatibility.md"


def main() -> None:
    """Write the matrix as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--out", type=Path, default=DOC, help=f"where to write (default {DOC})")
    args = parser.parse_args()
    args.out.write_text(markdown())
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
