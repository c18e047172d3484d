"""Tables converted from licensed upstream files and shipped inside the package.

A shipped table is two files in ``spaces/tables/``: ``<stem>.npz``, plain numeric arrays
(never pickles: read with ``allow_pickle=False``), and ``<stem>.json``, what was converted,
from which upstream file (with its SHA-256), by which script, under which licence, and the
SHA-256 of the ``.npz``. The upstream LICENSE texts ship beside them (``LICENSE.<source>``).

The build scripts in ``scripts/`` write tables with `write_shipped`, which is byte-for-byte
deterministic: the arrays are stored in name order with a fixed timestamp, uncompressed by
default (building twice, on any machine, with any zlib, gives identical bytes and so the same
checksum) or, for large tables, deflated at the fixed level `COMPRESS_LEVEL` (identical bytes
for the same zlib, whose version the ``.json`` then records; another zlib may compress
differently, which is why the checksum is of the shipped bytes, not of the arrays).
`read_shipped` refuses a table whose bytes do not match the checksum its ``.json`` records: a
damaged or hand-edited file is one line naming it, never wrong numbers.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

TABLE_FORMAT = 1
SHIPPED_DIR = Path(__file__).resolve().parent / "tables"
"""Where the shipped tables and their LICENSE texts live."""
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry: fixed, not "now"
COMPRESS_LEVEL = 9
"""The deflate level of compressed tables: fixed, so that the bytes are too."""


class ShippedTableError(ValueError):
    """A shipped table that is missing, unreadable or fails its checksum (one line)."""


def sha256_bytes(data: bytes) -> str:
    """SHA-256 hex digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def table_bytes(arrays: Mapping[str, npt.NDArray[Any]], *, compress: bool = False) -> bytes:
    """The ``.npz`` bytes of ``arrays``: deterministic (see the module docstring).

    Args:
        arrays: The table's arrays by name.
        compress: Deflate each array at `COMPRESS_LEVEL` instead of storing it as is.
    """
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    level = COMPRESS_LEVEL if compress else None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method, compresslevel=level) as archive:
        for name in sorted(arrays):
            array = np.ascontiguousarray(arrays[name])
            if array.dtype.hasobject:
                raise ValueError(f"array {name!r} holds Python objects; a table holds numbers")
            member = io.BytesIO()
            np.lib.format.write_array(member, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue(), compress_type=method, compresslevel=level)
    return buffer.getvalue()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a table is for everyone to read
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_shipped(
    stem: str,
    arrays: Mapping[str, npt.NDArray[Any]],
    meta: Mapping[str, Any],
    *,
    directory: Path = SHIPPED_DIR,
    compress: bool = False,
) -> str:
    """Write table ``stem`` (``.npz`` and ``.json``) into ``directory``; returns its checksum.

    Args:
        stem: File stem, e.g. ``macro-cifar10``.
        arrays: The table's arrays by name.
        meta: What the ``.json`` records besides the format and the checksum (source, licence,
            the upstream file's SHA-256, the script that built it).
        directory: Where to write (the package's ``spaces/tables`` by default).
        compress: Deflate the arrays (for large tables); the ``.json`` then also records how.
    """
    data = table_bytes(arrays, compress=compress)
    checksum = sha256_bytes(data)
    how = (
        {"compression": f"deflate level {COMPRESS_LEVEL}, zlib {zlib.ZLIB_RUNTIME_VERSION}"}
        if compress
        else {}
    )
    text = json.dumps(
        {**meta, **how, "format": TABLE_FORMAT, "sha256": checksum}, indent=1, sort_keys=True
    )
    _write_atomically(directory / f"{stem}.npz", data)
    _write_atomically(directory / f"{stem}.json", (text + "\n").encode())
    return checksum


def read_shipped(
    stem: str, *, directory: Path | None = None
) -> tuple[dict[str, npt.NDArray[Any]], dict[str, Any]]:
    """The arrays and metadata of shipped table ``stem``, its checksum verified.

    Args:
        stem: File stem, e.g. ``macro-cifar10``.
        directory: Where the table lies (default `SHIPPED_DIR`, looked up at each call).

    Raises:
        ShippedTableError: A file is missing or unreadable, or the ``.npz`` does not match the
            SHA-256 its ``.json`` records.
    """
    directory = SHIPPED_DIR if directory is None else directory
    npz, meta_path = directory / f"{stem}.npz", directory / f"{stem}.json"
    reading = meta_path  # named in the error: which of the two files failed
    try:
        meta = json.loads(meta_path.read_text())
        reading = npz
        data = npz.read_bytes()
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ShippedTableError(
            f"shipped table {stem}: {reading} cannot be read ({reason}); reinstall nas-harness"
        ) from None
    if not isinstance(meta, dict) or meta.get("format") != TABLE_FORMAT:
        raise ShippedTableError(f"{meta_path}: not a table description of format {TABLE_FORMAT}")
    checksum = sha256_bytes(data)
    if checksum != meta.get("sha256"):
        raise ShippedTableError(
            f"{npz}: checksum {checksum[:16]}... does not match {str(meta.get('sha256'))[:16]}... "
            f"recorded in {meta_path.name}: the file is damaged or was edited; reinstall "
            "nas-harness or rebuild it with its script"
        )
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as table:
            arrays = {name: table[name] for name in table.files}
    except (OSError, ValueError, zipfile.BadZipFile, zlib.error) as exc:
        raise ShippedTableError(f"{npz}: cannot be read as a table ({exc})") from None
    return arrays, meta
