"""Process helpers for the fault-injection tests (Linux /proc)."""

from __future__ import annotations

from pathlib import Path


def session_processes(sid: int) -> list[int]:
    """Pids of live (non-zombie) processes in session ``sid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            found.append(int(entry.name))
    return found


def children(pid: int) -> list[int]:
    """Pids of the direct children of ``pid``."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def sigint_by_default() -> None:
    """``preexec_fn`` giving a child the default Ctrl-C behaviour.

    A test run started in the background by a non-interactive shell (``cmd &``, as some CI
    runners do) inherits SIGINT ignored, and Python then never raises KeyboardInterrupt: a
    test that sends SIGINT would see the command run to its end.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
