"""What the command line accepts: its limits, the parsers of its values, one-line usage errors.

Every limit is checked while parsing, before anything is loaded or allocated, and every
refusal is a `UsageError`: one line, exit code 2.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from cli._experiment_file import ExperimentFile
from cli._train import DEVICES
from harness import MAX_EVALUATIONS, Budget
from harness.executors import executor_names

DEFAULT_OUT = Path("results") / "comparison"
"""Where the default suite's comparison goes; ``--suite NAME`` writes to ``results/NAME``."""
EXIT_OK, EXIT_RUNS_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

# Limits on what one command may ask for, checked while parsing, before anything is loaded or
# allocated: a typo such as `--seeds 1000000000` must be a one-line error, not a process that
# plans a billion runs and is killed for memory.
MAX_SEEDS = 100_000
"""Most seeds per comparison (``--seeds``): the grid of runs is planned in memory at once."""
MAX_SEED = 2**63 - 1
"""Largest run seed (``--first-seed`` + ``--seeds`` - 1): the store keeps signed 64-bit ints."""
MAX_EPOCHS = 10**7
"""Most training epochs per run (``--budget-epochs``); an evaluation costs at least one."""
MAX_SECONDS = 1e9
"""Most simulated training seconds per run (``--budget-seconds``), about 32 years."""
MAX_WORKERS = 256
"""Most worker processes (``--workers``): each one loads every space it runs on."""
MAX_SIM_WORKERS = 1024
"""Most simulated workers per run: far beyond any cluster a NAS paper simulates."""
MAX_RUNS = 1_000_000
"""Most runs per comparison (spaces x strategies x seeds): planning one takes about 250 MB and
15 s per million runs before the first starts."""
SHOWN_CHARS = 60  # a bad value is echoed in the error up to this length, then elided
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")  # all str.splitlines splits on


class UsageError(Exception):
    """A user mistake: printed as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """Every parser and subparser of the command line: errors are `UsageError`.

    Abbreviated options are refused (``allow_abbrev=False``): argparse would otherwise read
    ``compare --seed 5`` as ``--seeds 5`` and run a different comparison without a word.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def shown(text: str) -> str:
    """``text`` quoted for an error message, elided when long: the error stays one short line."""
    if len(text) > SHOWN_CHARS:
        return f"{text[:SHOWN_CHARS]!r}... ({len(text)} characters)"
    return repr(text)


def _whole_number(text: str, *, minimum: int, allowed: str, maximum: int | None = None) -> int:
    try:
        value = int(text)
    except ValueError:
        # int() refuses numbers of more than 4,300 digits: such a text is a whole number all
        # the same, only far out of range, and the error should say so.
        digits = re.fullmatch(r"\s*([+-]?)[0-9]+\s*", text)
        if digits is None:
            raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number") from None
        if digits.group(1) == "-":
            raise argparse.ArgumentTypeError(f"{shown(text)} must be {allowed}") from None
        limit = "is too large" if maximum is None else f"must be at most {maximum}"
        raise argparse.ArgumentTypeError(f"{shown(text)} {limit}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{shown(text)} must be {allowed}")
    if maximum is not None and value > maximum:
        raise argparse.ArgumentTypeError(f"{shown(text)} must be at most {maximum}")
    return value


def positive_int(text: str) -> int:
    return _whole_number(text, minimum=1, allowed="a positive whole number")


def non_negative_int(text: str) -> int:
    return _whole_number(text, minimum=0, allowed="a whole number >= 0")


def positive_float(text: str, *, maximum: float | None = None) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a number") from None
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"{shown(text)} must be a positive finite number")
    if maximum is not None and value > maximum:
        raise argparse.ArgumentTypeError(f"{shown(text)} must be at most {maximum:.0f}")
    return value


def seed_count(text: str) -> int:
    return _whole_number(text, minimum=1, allowed="a positive whole number", maximum=MAX_SEEDS)


def seed_number(text: str) -> int:
    return _whole_number(text, minimum=0, allowed="a whole number >= 0", maximum=MAX_SEED)


def evaluation_count(text: str) -> int:
    return _whole_number(
        text, minimum=1, allowed="a positive whole number", maximum=MAX_EVALUATIONS
    )


def epoch_count(text: str) -> int:
    return _whole_number(text, minimum=1, allowed="a positive whole number", maximum=MAX_EPOCHS)


def seconds_amount(text: str) -> float:
    return positive_float(text, maximum=MAX_SECONDS)


def device_name(text: str) -> str:
    if text not in DEVICES:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not one of {', '.join(DEVICES)}")
    return text


def executor_name(text: str) -> str:
    known = executor_names()
    if text not in known:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not one of {', '.join(known)}")
    return text


def scheduler_address(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("'' is an empty address; name a Dask scheduler")
    return text


def path_value(text: str) -> Path:
    # Path("") is the current directory: an empty value (an unset shell variable, say) would
    # silently write there.
    if not text:
        raise argparse.ArgumentTypeError("'' is an empty path; name a directory")
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"{shown(text)} holds a NUL character; no path can")
    return Path(text)


def true_or_false(text: str) -> bool:
    if text not in ("true", "false"):
        raise argparse.ArgumentTypeError(f"{shown(text)} is not true or false")
    return text == "true"


FILE_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "all_pairs": true_or_false,
    "seeds": seed_count,
    "first_seed": seed_number,
    "fidelity": positive_int,
    "workers": non_negative_int,
    "executor": executor_name,
    "scheduler": scheduler_address,
    "run_timeout": positive_float,
    "out": path_value,
    "device": device_name,
    "cache_dir": path_value,
    "data_dir": path_value,
}
"""An experiment file's values pass through the parsers of their flags."""


def file_budget(experiment: ExperimentFile) -> Budget | None:
    """The experiment file's budget, held to the rules of its flag."""
    if experiment.budget is None:
        return None
    kind, amount = experiment.budget
    convert = {"evaluations": evaluation_count, "seconds": seconds_amount, "epochs": epoch_count}[
        kind
    ]
    try:
        return Budget(kind=kind, amount=convert(amount))  # type: ignore[arg-type]
    except argparse.ArgumentTypeError as exc:
        raise UsageError(
            f"experiment file {experiment.path}: budget.amount = {amount}: {exc}"
        ) from None
