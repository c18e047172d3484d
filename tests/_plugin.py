"""Install a strategy plugin for a test module: a module plus a dist-info with entry points."""

from __future__ import annotations

import contextlib
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

from strategies import _registry as registry_module


@contextlib.contextmanager
def installed_plugin(
    root: Path, module: str, source: str, names: Mapping[str, str]
) -> Iterator[Path]:
    """Install module ``module`` (``source``) offering ``names`` (registry name -> class).

    The strategies are found through the ``harness.strategies`` entry points, as worker
    processes find a user's; the plugin is removed again on leaving.
    """
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    dist = root / f"{module}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    points = "\n".join(f"{name} = {module}:{cls}" for name, cls in names.items())
    (dist / "entry_points.txt").write_text(f"[harness.strategies]\n{points}\n")
    sys.path.insert(0, str(root))
    registry_module.registry.cache_clear()
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        sys.modules.pop(module, None)
        registry_module.registry.cache_clear()
