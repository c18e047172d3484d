"""Every example in the README and the docs runs, through this one mechanism.

Each fenced block of README.md and docs/**/*.md (except docs/evidence/**, the committed records
of experiments) is executed as a user would run it: commands in a scratch folder (the repo's
`docs/` and `scripts/` copied or linked into it, so that paths in the docs resolve), Python
blocks as scripts there. A block is tagged with its language:

- ``bash``: each command runs with ``bash -c`` and must exit 0. Install steps
  (``python3 -m venv``, ``. .venv/bin/activate``, ``pip install``) are what CI does: they are
  checked against `.ci/run` and the extras declared in pyproject.toml, not rerun; the bare
  test command ``python -m pytest`` must be the one `.ci/run` runs verbatim.
- ``python``: written to a file and run with ``python FILE``.
- ``toml``: parsed.
- ``latex``: written to the file its marker names, for a later command to compile.
- ``text``: output, diagrams: not executed.

An HTML comment on the line before a fence (invisible on the rendered page) adapts a block to
the test, ``<!-- test: ITEM; ITEM -->``, where ITEM is one of

- ``WORD += ARGS``: append ARGS to every command containing the word WORD (a smaller budget,
  usually: ``compare += --seeds 2 --budget 10``; argparse keeps the last value);
- ``slow``: an expensive block, run in its own scratch folder by a test marked slow;
  ``slow: NAME`` groups the slow blocks of a page that depend on each other (run in order);
- ``file: NAME``: write the block to NAME in the scratch folder instead of running it;
- ``lint``: with ``file``, the file must pass ``ruff check`` and ``ruff format --check``
  under the project's rules;
- ``pytest``: run the (Python) block as a test file with pytest;
- ``entry-points``: install the (TOML) block's ``[project.entry-points]`` for the folder's
  modules, as ``pip install`` of a package declaring them would;
- ``repo``: run the commands in the repository itself (read-only developer commands);
- ``skip: REASON``: not run, for the reason given (a cluster, an upstream download).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CI_SCRIPT = ROOT / ".ci" / "run"
EXECUTED = {"bash", "python", "toml", "latex"}
NOT_EXECUTED = {"text"}
MARKER = re.compile(r"^<!--\s*test:\s*(?P<items>.*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w-]*)\s*$")
INSTALL = re.compile(r"^(python3? -m venv |\. \S+/activate$|source \S+/activate$|pip install )")
COMMAND_TIMEOUT_S = 600
# Programs an example may call that are not Python packages: a machine without one skips
# that example with the reason (CI installs them).
EXTERNAL_TOOLS = {"pdflatex": "Debian's texlive-latex-base; .ci/run installs it"}


def doc_pages() -> list[Path]:
    """The Markdown files whose examples must run."""
    docs = [
        p
        for p in sorted((ROOT / "docs").rglob("*.md"))
        if "evidence" not in p.relative_to(ROOT / "docs").parts
    ]
    return [ROOT / "README.md", *docs]


@dataclass
class Block:
    """One fenced block of a page and how the test runs it."""

    page: Path
    line: int
    lang: str
    text: str
    appends: list[tuple[str, str]] = field(default_factory=list)
    flags: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def parse_marker(items: str, where: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    appends: list[tuple[str, str]] = []
    flags: dict[str, str] = {}
    for item in (i.strip() for i in items.split(";")):
        if "+=" in item:
            word, args = (s.strip() for s in item.split("+=", 1))
            appends.append((word, args))
        elif ":" in item:
            key, value = (s.strip() for s in item.split(":", 1))
            flags[key] = value
        elif item:
            flags[item] = ""
    known = {"slow", "file", "lint", "pytest", "entry-points", "repo", "skip"}
    unknown = set(flags) - known
    assert not unknown, f"{where}: unknown test marker item(s) {sorted(unknown)}"
    assert "skip" not in flags or flags["skip"], f"{where}: a skip needs its reason"
    return appends, flags


def blocks_of(page: Path) -> list[Block]:
    """The fenced blocks of ``page``, with the marker before each."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        start = i
        indent = len(opening["indent"])
        body = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][indent:])
            i += 1
        before = start - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        where = f"{page.relative_to(ROOT)}:{start + 1}"
        appends: list[tuple[str, str]] = []
        flags: dict[str, str] = {}
        marker = MARKER.match(lines[before].strip()) if before >= 0 else None
        if marker:
            appends, flags = parse_marker(marker["items"], where)
        found.append(
            Block(page, start + 1, opening["lang"], "\n".join(body) + "\n", appends, flags)
        )
        i += 1
    return found


def all_blocks() -> list[Block]:
    return [b for page in doc_pages() for b in blocks_of(page)]


def commands(text: str) -> list[str]:
    """The logical command lines of a shell block (continuations joined, comments dropped)."""
    out: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        line = (pending + line.strip()).strip()
        pending = ""
        if line and not line.startswith("#"):
            out.append(line)
    return out


def split_comment(command: str) -> tuple[str, str]:
    """``command`` without a trailing ``# comment`` (a ``#`` outside quotes after a blank)."""
    quote = ""
    for i, char in enumerate(command):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or command[i - 1].isspace()):
            return command[:i].rstrip(), command[i:]
    return command, ""


def adapted(command: str, appends: list[tuple[str, str]]) -> str:
    body, _ = split_comment(command)
    words = shlex.split(body)
    # A script is named by its file name: `run.py += ...` matches `python scripts/run.py`.
    words += [w.rsplit("/", 1)[-1] for w in words if "/" in w]
    for word, args in appends:
        if word in words:
            body = f"{body} {args}"
    return body


def extras_declared() -> set[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(pyproject["project"]["optional-dependencies"])


def check_install_step(step: str, where: str) -> None:
    """An install step of the docs is the one CI performs (pyproject's extras, .ci/run's torch)."""
    ci = CI_SCRIPT.read_text(encoding="utf-8")
    for pinned in re.findall(r"torch==[\w.]+", step):
        assert pinned in ci, f"{where}: {pinned} is not what .ci/run installs"
    for extras in re.findall(r"\.\[([\w,-]+)\]", step):
        unknown = set(extras.split(",")) - extras_declared()
        assert not unknown, f"{where}: extras {sorted(unknown)} are not in pyproject.toml"


def scratch_folder(tmp_path: Path) -> Path:
    """A user's folder: the docs' relative paths (docs/..., scripts/...) resolve in it."""
    scratch = tmp_path / "work"
    scratch.mkdir()
    shutil.copytree(
        ROOT / "docs",
        scratch / "docs",
        ignore=shutil.ignore_patterns("*.png", "*.pdf", "*.sqlite", "*.html", "figures"),
    )
    for name in ("scripts", "benchmarks", "tests"):
        (scratch / name).symlink_to(ROOT / name)
    return scratch


def environment(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join([str(scratch), str(ROOT)])
    env["COLUMNS"] = "100"
    return env


def run_checked(argv: str | list[str], cwd: Path, env: dict[str, str], what: str) -> None:
    done = subprocess.run(
        argv,
        shell=isinstance(argv, str),
        executable="/bin/bash" if isinstance(argv, str) else None,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, (
        f"{what} exited {done.returncode}\n--- stdout\n{done.stdout[-3000:]}\n"
        f"--- stderr\n{done.stderr[-3000:]}"
    )


def run_shell(block: Block, scratch: Path, env: dict[str, str]) -> None:
    cwd = ROOT if "repo" in block.flags else scratch
    for command in commands(block.text):
        steps = [s.strip() for s in split_comment(command)[0].split("&&")]
        kept = []
        for step in steps:
            if INSTALL.match(step):
                check_install_step(step, block.where)
            else:
                kept.append(step)
        if not kept:
            continue
        line = " && ".join(kept)
        if line == "python -m pytest":
            ci_lines = [s.strip() for s in CI_SCRIPT.read_text(encoding="utf-8").splitlines()]
            assert line in ci_lines, f"{block.where}: CI does not run {line!r} verbatim"
            continue
        program = kept[0].split()[0]
        if program in EXTERNAL_TOOLS and shutil.which(program) is None:
            # The tutorial's own steps before it ran; CI installs the tool (see .ci/run).
            pytest.skip(f"{block.where}: {program} is not installed ({EXTERNAL_TOOLS[program]})")
        run_checked(adapted(line, block.appends), cwd, env, f"{block.where}: {line}")


def install_entry_points(block: Block, scratch: Path) -> None:
    points = tomllib.loads(block.text)["project"]["entry-points"]
    dist = scratch / "docs_example-0.1.dist-info"
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: docs-example\nVersion: 0.1\n")
    text = "".join(
        f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in entries.items())
        for group, entries in points.items()
    )
    with (dist / "entry_points.txt").open("a", encoding="utf-8") as f:
        f.write(text)


def run_block(block: Block, scratch: Path, env: dict[str, str], index: int) -> None:
    if "skip" in block.flags:
        return
    if block.lang == "bash":
        run_shell(block, scratch, env)
        return
    if block.lang == "toml":
        tomllib.loads(block.text)
        if "entry-points" in block.flags:
            install_entry_points(block, scratch)
    name = block.flags.get("file") or (
        f"test_example_{index}.py" if "pytest" in block.flags else f"example_{index}.py"
    )
    if block.lang in {"toml", "latex"} and "file" not in block.flags:
        assert block.lang == "toml", f"{block.where}: a latex block needs a file to be compiled"
        return
    path = scratch / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(block.text, encoding="utf-8")
    if "lint" in block.flags:
        ruff = [sys.executable, "-m", "ruff"]
        config = ["--config", str(ROOT / "pyproject.toml")]
        run_checked([*ruff, "check", *config, str(path)], scratch, env, f"{block.where}: ruff")
        run_checked(
            [*ruff, "format", "--check", *config, str(path)],
            scratch,
            env,
            f"{block.where}: ruff format",
        )
    if block.lang != "python" or "file" in block.flags:
        return
    if "pytest" in block.flags:
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)]
        argv += ["-W", "ignore::pytest.PytestAssertRewriteWarning", "--rootdir", str(scratch)]
        run_checked(argv, scratch, env, f"{block.where}: pytest")
    else:
        run_checked([sys.executable, str(path)], scratch, env, f"{block.where}: python")


def page_cases() -> list[object]:
    """One case per page (its quick blocks, in order) and one per group of slow blocks."""
    cases: list[object] = []
    for page in doc_pages():
        blocks = [b for b in blocks_of(page) if b.lang in EXECUTED and "skip" not in b.flags]
        rel = str(page.relative_to(ROOT))
        quick = [b for b in blocks if "slow" not in b.flags]
        if quick:
            cases.append(pytest.param(quick, id=rel))
        groups: dict[str, list[Block]] = {}
        for b in blocks:
            if "slow" in b.flags:
                groups.setdefault(b.flags["slow"] or str(b.line), []).append(b)
        for blocks_of_group in groups.values():
            first = blocks_of_group[0].line
            cases.append(pytest.param(blocks_of_group, id=f"{rel}:{first}", marks=pytest.mark.slow))
    return cases


@pytest.mark.parametrize("blocks", page_cases())
def test_examples_run(blocks: list[Block], tmp_path: Path) -> None:
    scratch = scratch_folder(tmp_path)
    env = environment(scratch)
    for index, block in enumerate(blocks):
        run_block(block, scratch, env, index)


def test_every_block_says_how_it_is_treated() -> None:
    untagged = [b.where for b in all_blocks() if b.lang not in EXECUTED | NOT_EXECUTED]
    assert not untagged, f"tag these blocks bash, python, toml or text: {untagged}"


def test_skips_are_few_and_give_reasons() -> None:
    skipped = [b for b in all_blocks() if "skip" in b.flags]
    assert all(b.flags["skip"] for b in skipped)
    # Only what needs a cluster or hardware the test machine lacks.
    assert len(skipped) <= 6, [b.where for b in skipped]


def test_commands_in_text_blocks_are_not_hidden() -> None:
    """A command put in a ``text`` block would escape the test: only output goes there."""
    hidden = [
        b.where
        for b in all_blocks()
        if b.lang == "text"
        and re.search(r"^\s*(python3? (-m |\S+\.py)|pip install )", b.text, re.MULTILINE)
    ]
    assert not hidden, f"commands in text blocks (tag them bash): {hidden}"


def test_marker_grammar_refuses_unknown_items() -> None:
    with pytest.raises(AssertionError, match="unknown test marker"):
        parse_marker("slwo", "x.md:1")
    with pytest.raises(AssertionError, match="needs its reason"):
        parse_marker("skip:", "x.md:1")
    appends, flags = parse_marker("compare += --seeds 2 --budget 10; slow", "x.md:1")
    assert appends == [("compare", "--seeds 2 --budget 10")]
    assert flags == {"slow": ""}


def test_adapted_appends_before_a_comment_and_only_to_matching_commands() -> None:
    appends = [("compare", "--seeds 2")]
    assert (
        adapted("python -m harness compare --seeds 20  # twenty seeds", appends)
        == "python -m harness compare --seeds 20 --seeds 2"
    )
    assert adapted("python -m harness list", appends) == "python -m harness list"
    assert adapted("python scripts/run.py --seeds 20", [("run.py", "--seeds 2")]).endswith(
        "--seeds 20 --seeds 2"
    )
    assert adapted("echo '#not a comment'", []) == "echo '#not a comment'"


def test_install_steps_are_checked_against_ci() -> None:
    check_install_step('pip install torch==2.13.0 && pip install -e ".[dev,dask]"', "t")
    with pytest.raises(AssertionError, match="not in pyproject"):
        check_install_step('pip install -e ".[no-such-extra]"', "t")
    with pytest.raises(AssertionError, match=r"not what \.ci/run installs"):
        check_install_step("pip install torch==0.1", "t")


def test_a_failing_example_fails(tmp_path: Path) -> None:
    """The mechanism reports a broken example with its page, line, command and output."""
    scratch = scratch_folder(tmp_path)
    env = environment(scratch)
    bad_command = Block(ROOT / "README.md", 7, "bash", "python -m harness list no/such-space\n")
    with pytest.raises(AssertionError, match=r"README\.md:7: python -m harness list no/such"):
        run_block(bad_command, scratch, env, 0)
    bad_code = Block(ROOT / "README.md", 9, "python", "raise SystemExit(3)\n")
    with pytest.raises(AssertionError, match="exited 3"):
        run_block(bad_code, scratch, env, 1)
    unlinted = Block(
        ROOT / "README.md", 11, "python", "import os\n", flags={"file": "x.py", "lint": ""}
    )
    with pytest.raises(AssertionError, match="ruff"):
        run_block(unlinted, scratch, env, 2)
