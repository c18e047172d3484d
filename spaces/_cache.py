"""Per-user cache of converted tables, keyed by the source's checksum.

Converting a source pickle into dense arrays takes a few hundred milliseconds; reading the
converted ``.npz`` back takes a few. Files are written to a temporary name and renamed, so a
crash mid-write never leaves a half file under the real name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt

# Bump when the converted layout changes so old cache files are ignored, not misread.
CONVERTER_VERSION = 1


def cache_dir() -> Path:
    """The cache folder: ``$HARNESS_CACHE_DIR``, else ``$XDG_CACHE_HOME/nas-harness``."""
    explicit = os.environ.get("HARNESS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nas-harness"


def file_checksum(path: Path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cached_path(slug: str, checksum: str) -> Path:
    """Where the converted arrays of source ``slug`` with ``checksum`` live."""
    safe = slug.replace("/", "__")
    return cache_dir() / f"{safe}-{checksum[:20]}-v{CONVERTER_VERSION}.npz"


def load_cached(path: Path) -> dict[str, npt.NDArray[np.generic]] | None:
    """The arrays stored at ``path``, or None if absent or unreadable (then reconvert)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, KeyError, EOFError):
        return None


def store_cached(path: Path, arrays: dict[str, npt.NDArray[np.generic]]) -> None:
    """Write ``arrays`` atomically; a cache that cannot be written is silently skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **arrays)  # type: ignore[arg-type]
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        # A read-only home must not stop a comparison; the next start converts again.
        return
