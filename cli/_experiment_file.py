"""Experiment files: a comparison written down as a small TOML file, to publish and rerun.

``python -m harness compare --config FILE`` reads it; a flag given on the command line
overrides the file's value for that key. Example (every key optional)::

    # Equal-budget comparison on the ASNN grids.
    spaces = ["mlp2/digits", "mlp3/digits"]
    strategies = ["random", "tpe", { name = "evolution", options = { population = 10 } }]
    # (without strategies or spaces: those of the default suite, cli/suites/default.toml)
    seeds = 20
    first_seed = 0
    out = "results/trainable"
    workers = 2

    [budget]
    kind = "evaluations"   # evaluations | seconds | epochs
    amount = 15

The file's bytes and their SHA-256 are recorded in the results store (so the report can
name the file that made it) - a paper can publish the file and a reader rerun it.
"""

from __future__ import annotations

import argparse
import hashlib
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 1 << 20
"""Largest experiment file read: a hand-written comparison is a few hundred bytes."""

SCALAR_KEYS: dict[str, str] = {
    "seeds": "seeds",
    "first_seed": "first_seed",
    "metric": "metric",
    "search_metric": "metric",
    "report_metric": "report_metric",
    "objectives": "objectives",
    "scalarize": "scalarize",
    "sim_workers": "sim_workers",
    "all_pairs": "all_pairs",
    "control": "control",
    "fidelity": "fidelity",
    "workers": "workers",
    "executor": "executor",
    "scheduler": "scheduler",
    "run_timeout": "run_timeout",
    "out": "out",
    "device": "device",
    "cache_dir": "cache_dir",
    "data_dir": "data_dir",
}
"""File key -> the ``compare`` option's destination, for keys that hold one value."""

LIST_KEYS = ("spaces", "strategies", "sources")
BUDGET_KINDS = ("evaluations", "seconds", "epochs")
ALLOWED_KEYS = tuple(sorted((*SCALAR_KEYS, *LIST_KEYS, "budget", "description")))


class ExperimentFileError(ValueError):
    """An experiment file that cannot be used: one line naming the file, the key and why."""


@dataclass(frozen=True, slots=True)
class ExperimentFile:
    """A parsed experiment file.

    Attributes:
        path: Where it was read from.
        text: Its contents, as recorded in the store.
        checksum: SHA-256 of its bytes (hex).
        options: ``compare`` destination -> value, converted and checked.
        spaces: Space names, or None when the file names none.
        strategies: Strategy specs (``name:opt=value,...``), or None.
        budget: (kind, amount), or None.
        sources: Source spaces of transfer strategies, or None (leave-one-data-set-out).
        description: The file's ``description``, or None.
    """

    path: Path
    text: str
    checksum: str
    options: dict[str, Any]
    spaces: tuple[str, ...] | None
    strategies: tuple[str, ...] | None
    budget: tuple[str, str] | None
    sources: tuple[str, ...] | None = None
    description: str | None = None


def _fail(path: Path, message: str) -> ExperimentFileError:
    return ExperimentFileError(f"experiment file {path}: {message}")


def _read(path: Path) -> bytes:
    try:
        if not path.is_file():
            raise _fail(path, "not found or not a regular file")
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(path, exc.strerror or str(exc)) from None
    if len(data) > MAX_FILE_BYTES:
        raise _fail(
            path, f"{len(data)} bytes; an experiment file may have at most {MAX_FILE_BYTES}"
        )
    return data


def _option_text(value: Any) -> str:
    """A TOML value as a strategy option is written on the command line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    return str(value)


def _strategy_spec(path: Path, item: Any, index: int) -> str:
    where = f"strategies[{index}]"
    if isinstance(item, str):
        if not item:
            raise _fail(path, f"{where} is an empty name")
        return item
    if not isinstance(item, dict):
        raise _fail(path, f"{where} must be a name or a table {{ name = ..., options = {{...}} }}")
    unknown = sorted(set(item) - {"name", "options"})
    if unknown:
        raise _fail(path, f"{where}: unknown key {unknown[0]!r} (allowed: name, options)")
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(path, f"{where}.name must be a strategy name")
    options = item.get("options", {})
    if not isinstance(options, dict):
        raise _fail(path, f"{where}.options must be a table of option = value")
    for key, value in options.items():
        if isinstance(value, dict | list):
            raise _fail(path, f"{where}.options.{key} must be a single value")
        if any(c in _option_text(value) for c in ",="):
            raise _fail(path, f"{where}.options.{key} = {value!r} may not contain ',' or '='")
    written = ",".join(f"{key}={_option_text(value)}" for key, value in options.items())
    return f"{name}:{written}" if written else name


def _names(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise _fail(path, f"{key} must be a non-empty list")
    if key == "strategies":
        return tuple(_strategy_spec(path, item, i) for i, item in enumerate(value))
    if not all(isinstance(v, str) and v for v in value):
        raise _fail(path, f"{key} must be a list of space names (strings)")
    return tuple(value)


def _budget(path: Path, value: Any) -> tuple[str, str]:
    if not isinstance(value, dict):
        raise _fail(path, "budget must be a table: [budget] kind = ..., amount = ...")
    unknown = sorted(set(value) - {"kind", "amount"})
    if unknown:
        raise _fail(path, f"budget: unknown key {unknown[0]!r} (allowed: kind, amount)")
    kind = value.get("kind", "evaluations")
    if kind not in BUDGET_KINDS:
        raise _fail(path, f"budget.kind = {kind!r} is not one of {', '.join(BUDGET_KINDS)}")
    amount = value.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise _fail(path, "budget.amount must be a number")
    return str(kind), str(amount)


def load_experiment_file(
    path: str | Path, converters: Mapping[str, Callable[[str], Any]]
) -> ExperimentFile:
    """Read and check an experiment file.

    Args:
        path: The TOML file.
        converters: ``compare`` destination -> the command line's own parser of that option,
            so a value in the file is held to exactly the rules of its flag.

    Raises:
        ExperimentFileError: Unreadable or not TOML, an unknown key, or a value that its
            flag would refuse; the message names the key and what is allowed.
    """
    path = Path(path)
    data = _read(path)
    try:
        text = data.decode("utf-8")
        table = tomllib.loads(text)
    except UnicodeDecodeError:
        raise _fail(path, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, f"not valid TOML: {exc}") from None
    unknown = sorted(set(table) - set(ALLOWED_KEYS))
    if unknown:
        raise _fail(path, f"unknown key {unknown[0]!r} (allowed: {', '.join(ALLOWED_KEYS)})")
    if "metric" in table and "search_metric" in table:
        raise _fail(path, "metric and search_metric are one key (the search metric); give one")
    options: dict[str, Any] = {}
    for key, dest in SCALAR_KEYS.items():
        if key not in table:
            continue
        value = table[key]
        if isinstance(value, dict | list) or value is None:
            raise _fail(path, f"{key} must be a single value, got {type(value).__name__}")
        raw = _option_text(value)
        convert = converters.get(dest, str)
        try:
            options[dest] = convert(raw)
        except (ValueError, TypeError, argparse.ArgumentTypeError) as exc:
            raise _fail(path, f"{key} = {value!r}: {exc}") from None
    if "description" in table and not isinstance(table["description"], str):
        raise _fail(path, "description must be a string")
    return ExperimentFile(
        path=path,
        text=text,
        checksum=hashlib.sha256(data).hexdigest(),
        options=options,
        spaces=_names(path, "spaces", table["spaces"]) if "spaces" in table else None,
        strategies=(
            _names(path, "strategies", table["strategies"]) if "strategies" in table else None
        ),
        budget=_budget(path, table["budget"]) if "budget" in table else None,
        sources=_names(path, "sources", table["sources"]) if "sources" in table else None,
        description=table.get("description"),
    )
