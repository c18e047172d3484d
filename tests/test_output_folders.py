"""Output folders cannot be turned against the user.

``compare``, ``report`` and ``export`` write only into a folder that is new, empty or holds
this harness's results store; anything else is one line and exit code 2 with nothing
written (``--force`` writes beside foreign files, never into a system folder). Symbolic
links are resolved before the check. An experiment file's ``out`` stays inside the file's
folder. Reports of one folder are built one at a time. The system-folder rules are tested
against a temporary root; the real ``/`` and ``/etc`` are refused before anything is written.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli import main
from cli._outdir import (
    OutputFolderError,
    check_output_folder,
    experiment_out,
    is_results_store,
)

SMALL = ["--strategy", "random", "--seeds", "1", "--budget", "3", "--workers", "0", "--quiet"]


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    for folder in ("etc/ssl", "usr/lib", "var/tmp", "var/lib", "home/ada/.ssh", "home/ada/work"):
        (root / folder).mkdir(parents=True)
    (root / "etc" / "passwd").write_text("root:x:0:0\n")
    return root


def _check(path: Path, root: Path, **kw: bool) -> Path:
    return check_output_folder(path, flag="--out", root=root, home=root / "home" / "ada", **kw)


@pytest.mark.parametrize(
    "folder", [".", "etc", "etc/ssl", "etc/new", "usr/lib", "var/lib", "home", "home/ada"]
)
def test_system_folders_are_refused_even_with_force(fake_root: Path, folder: str) -> None:
    with pytest.raises(OutputFolderError, match="a system folder"):
        _check(fake_root / folder, fake_root, force=True)


def test_hidden_folders_of_home_are_refused(fake_root: Path) -> None:
    with pytest.raises(OutputFolderError, match="a system folder"):
        _check(fake_root / "home" / "ada" / ".ssh", fake_root, force=True)


def test_a_link_is_checked_where_it_points(fake_root: Path) -> None:
    link = fake_root / "home" / "ada" / "work" / "out"
    link.symlink_to(fake_root / "etc")
    with pytest.raises(OutputFolderError, match=r"out \(.*etc\): a system folder"):
        _check(link, fake_root)


def test_new_empty_and_own_folders_are_allowed(fake_root: Path, tmp_path: Path) -> None:
    work = fake_root / "home" / "ada" / "work"
    assert _check(work / "new" / "deeper", fake_root) == work / "new" / "deeper"
    assert _check(work, fake_root) == work  # empty
    assert _check(fake_root / "var" / "tmp" / "x", fake_root)  # scratch inside /var
    store = tmp_path / "store"
    assert main(["compare", *SMALL, "--out", str(store)]) == 0
    assert is_results_store(store / "results.sqlite")
    assert _check(store, fake_root) == store


def test_a_folder_with_foreign_files_needs_force(fake_root: Path) -> None:
    work = fake_root / "home" / "ada" / "work"
    (work / "report.md").write_text("my own notes\n")
    with pytest.raises(OutputFolderError, match=r"holds files this harness did not write"):
        _check(work, fake_root)
    assert _check(work, fake_root, force=True) == work


def test_an_sqlite_file_of_someone_else_is_not_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    other = tmp_path / "results.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    before = other.read_bytes()
    assert not is_results_store(other)
    # The store refuses it, in one line, and never writes into it.
    err = _one_line_exit_2(["compare", *SMALL, "--out", str(tmp_path)], capsys)
    assert "an SQLite database that this harness did not create" in err
    assert other.read_bytes() == before


def test_an_experiment_files_out_stays_in_its_folder(tmp_path: Path) -> None:
    spec = tmp_path / "paper" / "exp.toml"
    spec.parent.mkdir()
    assert experiment_out(Path("results/x"), spec) == tmp_path / "paper" / "results" / "x"
    for bad in ("/etc", "../elsewhere", str(Path.home() / ".ssh")):
        with pytest.raises(OutputFolderError, match="outside the file's folder"):
            experiment_out(Path(bad), spec)


def _one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: ")
    return err


def test_compare_leaves_a_folder_of_foreign_files_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    files = {name: f"my own {name}\n" for name in ("report.md", "report.html", "stats.json")}
    for name, text in files.items():
        (mine / name).write_text(text)
    err = _one_line_exit_2(["compare", *SMALL, "--out", str(mine)], capsys)
    assert "holds files this harness did not write" in err
    assert sorted(p.name for p in mine.iterdir()) == sorted(files)
    assert all((mine / n).read_text() == t for n, t in files.items())
    # --force writes beside them (and over the harness's own file names: the user said so).
    assert main(["compare", *SMALL, "--out", str(mine), "--force"]) == 0
    assert (mine / "results.sqlite").exists()


@pytest.mark.parametrize("out", ["/", "/etc", "~/.ssh"])
def test_compare_refuses_system_folders(
    out: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = Path(out).expanduser()
    before = sorted(p.name for p in target.iterdir()) if target.is_dir() else None
    err = _one_line_exit_2(["compare", *SMALL, "--out", str(target), "--force"], capsys)
    assert "a system folder" in err
    after = sorted(p.name for p in target.iterdir()) if target.is_dir() else None
    assert before == after


def test_compare_refuses_a_link_to_etc_and_an_experiment_file_aiming_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "link"
    link.symlink_to("/etc")
    assert "a system folder" in _one_line_exit_2(["compare", *SMALL, "--out", str(link)], capsys)
    spec = tmp_path / "downloaded.toml"
    spec.write_text('out = "/etc"\nstrategies = ["random"]\nseeds = 1\n[budget]\namount = 3\n')
    err = _one_line_exit_2(["compare", "--config", str(spec), "--workers", "0"], capsys)
    assert "outside the file's folder" in err
    # Where the file's out is fine, where it lands is said before anything runs.
    spec.write_text('out = "res"\nstrategies = ["random"]\nseeds = 1\n[budget]\namount = 3\n')
    assert main(["compare", "--config", str(spec), "--workers", "0", "--quiet"]) == 0
    assert f"writing to {tmp_path / 'res'}" in capsys.readouterr().err
    assert (tmp_path / "res" / "results.sqlite").exists()


def test_export_and_report_refuse_folders_they_do_not_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    assert main(["compare", *SMALL, "--out", str(store)]) == 0
    capsys.readouterr()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine\n")
    err = _one_line_exit_2(["export", str(store), "--to", str(mine)], capsys)
    assert "holds files this harness did not write (notes.txt)" in err
    link = tmp_path / "to-etc"
    link.symlink_to("/etc")
    assert "a system folder" in _one_line_exit_2(["export", str(store), "--to", str(link)], capsys)
    _one_line_exit_2(["report", str(link)], capsys)  # no store there: refused, one line
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


@pytest.mark.slow
def test_concurrent_reports_of_one_folder_are_serialised(tmp_path: Path) -> None:
    store = tmp_path / "store"
    argv = ["compare", "--strategy", "random", "--strategy", "tpe", "--seeds", "3"]
    assert main([*argv, "--budget", "10", "--workers", "0", "--quiet", "--out", str(store)]) == 0
    command = [sys.executable, "-m", "harness", "report", str(store)]
    procs = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    assert (store / "report.html").stat().st_size > 0
