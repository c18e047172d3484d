"""Output folders: where ``compare``, ``report`` and ``export`` may write, decided up front.

The harness writes only into a folder it owns: one that does not exist yet (it creates it),
one that is empty, or one that already holds a results store of this harness. A folder
holding anything else is refused in one line naming it (``--force`` writes beside the
foreign files), and a system folder is refused always, ``--force`` or not. Symbolic links are
resolved first: what is checked is the folder the files would really land in. An experiment
file's ``out`` is resolved against the file's own folder and must stay inside it unless
``--out`` says otherwise, so a file downloaded with a paper cannot choose where files land.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from harness.results import APPLICATION_ID, DB_NAME

SYSTEM_TOP = frozenset(
    {"bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "run", "sbin",
     "sys", "usr", "var"}
)  # fmt: skip
"""Top-level folders of the system: never written, nor anything inside them."""
SYSTEM_EXACT = frozenset({"home", "root", "srv", "opt", "mnt", "media", "tmp"})
"""Top-level folders that hold others' folders: never written themselves (inside is fine)."""
SCRATCH = (("var", "tmp"),)
"""Folders inside a system folder where users keep their own files."""
_SHOWN_ENTRIES = 3


class OutputFolderError(ValueError):
    """A folder the harness may not write into; the message is one line naming it."""


def is_results_store(path: Path) -> bool:
    """Whether ``path`` is a results store this harness created (read from its header).

    SQLite keeps the application id at byte 68 of the file's 100-byte header; the store sets
    it to `harness.results.APPLICATION_ID`. Nothing is opened for writing.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return False
    return (
        len(header) == 100
        and header.startswith(b"SQLite format 3\x00")
        and int.from_bytes(header[68:72], "big") == APPLICATION_ID
    )


def system_folder(resolved: Path, *, root: Path, home: Path | None) -> bool:
    """Whether ``resolved`` (an absolute, resolved path) is a system folder or inside one.

    The system folders are those of `SYSTEM_TOP` and everything inside them (except the
    scratch folders of `SCRATCH`), the root itself, the folders of `SYSTEM_EXACT` themselves,
    the user's home folder itself and its hidden folders (``~/.ssh``, ``~/.config``...).
    ``root`` is where the file system starts (``/``; tests give a temporary folder).
    """
    try:
        parts = resolved.relative_to(root).parts
    except ValueError:
        parts = None
    if parts is not None:
        if not parts:
            return True
        if parts[0] in SYSTEM_TOP and not any(parts[: len(s)] == s for s in SCRATCH):
            return True
        if len(parts) == 1 and parts[0] in SYSTEM_EXACT:
            return True
    if home is not None:
        try:
            below = resolved.relative_to(home).parts
        except ValueError:
            return False
        return not below or below[0].startswith(".")
    return False


def check_output_folder(
    folder: Path,
    *,
    flag: str,
    force: bool = False,
    root: Path = Path("/"),
    home: Path | None = None,
) -> Path:
    """Refuse ``folder`` unless the harness may write there; returns it resolved.

    Args:
        folder: The folder as the user named it.
        flag: How it was named (``--out``, ``--to``, ``report``), for the message.
        force: Write beside files the harness did not write (never into a system folder).
        root: The file system's root (a temporary folder in tests).
        home: The user's home folder (default: ``Path.home()`` where it is known).

    Raises:
        OutputFolderError: A system folder, a file, or a folder holding foreign files
            without ``force``.
    """
    if home is None:
        try:
            home = Path.home().resolve()
        except (RuntimeError, KeyError, OSError):  # no home: nothing more to protect
            home = None
    try:
        return _check(folder, flag=flag, force=force, root=root, home=home)
    except OSError as exc:  # the file system's own refusal: a name too long, a loop of links
        raise OutputFolderError(f"{flag} {folder}: {exc.strerror or exc}") from None


def _check(folder: Path, *, flag: str, force: bool, root: Path, home: Path | None) -> Path:
    resolved = Path(os.path.realpath(folder))
    where = str(folder) if resolved == Path(os.path.abspath(folder)) else f"{folder} ({resolved})"
    if system_folder(resolved, root=root, home=home):
        raise OutputFolderError(
            f"{flag} {where}: a system folder; the harness writes only into a folder of your "
            "own (a new one, an empty one, or one holding its results)"
        )
    if not resolved.exists():
        return resolved
    if not resolved.is_dir():
        raise OutputFolderError(f"{flag} {where}: a file, not a folder")
    try:
        names = sorted(os.listdir(resolved))
    except OSError as exc:
        raise OutputFolderError(f"{flag} {where}: {exc.strerror or exc}") from None
    # A folder with a results.sqlite is left to the store, which opens only a database it
    # created (and says so in one line for any other, an older schema's included).
    if not names or (resolved / DB_NAME).is_file() or force:
        return resolved
    shown = ", ".join(names[:_SHOWN_ENTRIES]) + (", ..." if len(names) > _SHOWN_ENTRIES else "")
    raise OutputFolderError(
        f"{flag} {where}: holds files this harness did not write ({shown}); choose a new or "
        "empty folder, or add --force to write beside them"
    )


def experiment_out(out: Path, experiment_file: Path) -> Path:
    """An experiment file's ``out``, resolved against the file's folder and kept inside it.

    Raises:
        OutputFolderError: ``out`` leaves the file's folder (an absolute path elsewhere, a
            ``..``, or a link out of it).
    """
    base = Path(os.path.realpath(experiment_file.parent))
    target = Path(os.path.realpath(base / out))
    try:
        target.relative_to(base)
    except ValueError:
        raise OutputFolderError(
            f"experiment file {experiment_file}: out = {str(out)!r} is outside the file's "
            f"folder ({base}); give --out DIR to write elsewhere"
        ) from None
    return target


@contextlib.contextmanager
def report_lock(folder: Path) -> Iterator[None]:
    """Hold the results folder's report lock: reports of one folder are built one at a time.

    Two commands writing the same report (a ``compare`` finishing while ``report`` runs on
    its folder) would otherwise rewrite each other's files while reading them. The second
    waits for the first; the lock is released when its process ends, however it ends.
    """
    if fcntl is None:  # no advisory locks here (Windows): nothing to serialise with
        yield
        return
    # The folder itself is locked (flock on its descriptor): no lock file is left in it.
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


__all__ = [
    "OutputFolderError",
    "check_output_folder",
    "experiment_out",
    "is_results_store",
    "report_lock",
    "system_folder",
]
