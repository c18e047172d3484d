"""Strategy discovery: every module of this package, plus installed third-party plugins.

Adding a strategy touches one file: drop a module into ``strategies/`` defining a `Strategy`
subclass with a ``name`` (and its options as a nested ``Options`` dataclass). Packages
outside this repository register theirs under the ``harness.strategies`` entry-point group
(``name = "module:Class"``). Options are parsed, checked and filled in here, from the
``Options`` declaration alone (see `strategies._options`).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import pkgutil
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from spaces import Metric, Space
from strategies._base import Strategy
from strategies._options import (
    NO_VALUE,
    OptionSpec,
    StrategyOptionError,
    check_names,
    make_options,
    option_specs,
)

ENTRY_POINT_GROUP = "harness.strategies"
_BASE_KEYWORDS = frozenset({"seed", "maximize", "budget", "objectives", "fidelities", "continues"})
# The package's own folder and name, read without importing the package: the package imports
# this module, so importing it from here would be a cycle.
_PACKAGE_DIR = str(Path(__file__).resolve().parent)
_PACKAGE = __name__.rpartition(".")[0]


class UnknownStrategyError(ValueError):
    """A strategy name that no module or plugin registers."""


def _collect(module: object, found: dict[str, type[Strategy]], origin: str) -> None:
    for obj in vars(module).values():
        if (
            inspect.isclass(obj)
            and issubclass(obj, Strategy)
            and not inspect.isabstract(obj)
            and obj.__module__ == getattr(module, "__name__", None)
        ):
            _add(obj, found, origin)


def _add(cls: type[Strategy], found: dict[str, type[Strategy]], origin: str) -> None:
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"strategy class {cls.__qualname__} in {origin} has no name")
    if name in found and found[name] is not cls:
        raise TypeError(f"strategy name {name!r} is registered twice ({origin})")
    legacy = [
        p.name
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in _BASE_KEYWORDS
    ]
    if legacy:
        # Options taken as constructor keywords would be invisible to parsing, listing and
        # the results store; say how to declare them rather than drop them silently.
        raise TypeError(
            f"strategy class {cls.__qualname__} in {origin} takes {', '.join(legacy)} as "
            "constructor keywords; declare options in a nested Options dataclass instead"
        )
    found[name] = cls


@cache
def registry() -> dict[str, type[Strategy]]:
    """Every registered strategy by name, in name order."""
    found: dict[str, type[Strategy]] = {}
    for info in pkgutil.iter_modules([_PACKAGE_DIR]):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{_PACKAGE}.{info.name}")
        _collect(module, found, f"{_PACKAGE}/{info.name}.py")
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        if inspect.isclass(obj) and issubclass(obj, Strategy):
            _add(obj, found, f"entry point {ep.name}")
        else:
            _collect(obj, found, f"entry point {ep.name}")
    return dict(sorted(found.items()))


def available_strategies() -> list[str]:
    """Names of every registered strategy."""
    return list(registry())


def get_strategy(name: str) -> type[Strategy]:
    """The class registered as ``name``.

    Raises:
        UnknownStrategyError: No strategy has that name; the message lists the valid ones.
    """
    reg = registry()
    if name not in reg:
        raise UnknownStrategyError(f"unknown strategy {name!r}; choose one of {', '.join(reg)}")
    return reg[name]


def strategy_option_specs(cls: type[Strategy]) -> tuple[OptionSpec, ...]:
    """The options a strategy class declares (type, default, what is allowed, help), in order."""
    return tuple(option_specs(cls.Options).values())


def option_defaults(cls: type[Strategy]) -> dict[str, Any]:
    """The options a strategy class takes, with their defaults, in declaration order."""
    return {spec.name: spec.default for spec in option_specs(cls.Options).values()}


def parse_strategy_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Parse ``name`` or ``name:opt=value,opt=value`` into the name and its options.

    Only the options written are returned, as typed values; together they must be valid
    (each value and the rules between options, with defaults for the others).

    Raises:
        UnknownStrategyError: The name is not registered.
        StrategyOptionError: An option does not exist, is not ``KEY=VALUE``, or its value
            does not parse or is not allowed.
    """
    name, _, rest = spec.partition(":")
    cls = get_strategy(name)
    specs = option_specs(cls.Options)
    options: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, eq, text = item.partition("=")
        if not eq:
            raise StrategyOptionError(key, NO_VALUE, f"has no value; write {key}=VALUE", name)
        check_names(cls.Options, {key: text}, strategy=name)
        try:
            options[key] = specs[key].parse(text)
        except StrategyOptionError as exc:
            raise exc.naming(name) from None
    make_options(cls.Options, options, strategy=name)
    return name, options


def resolved_options(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """Every option of strategy ``name``: its defaults overridden by ``options``.

    The values are those given, unconverted (the results store hashes them as JSON).

    Raises:
        UnknownStrategyError: The name is not registered.
        StrategyOptionError: An option does not exist or its value is not allowed.
    """
    return make_options(get_strategy(name).Options, options, strategy=name).as_dict()


def build_strategy(
    name: str,
    options: dict[str, Any],
    space: Space,
    *,
    seed: int,
    maximize: bool,
    budget: int | None,
    objectives: Sequence[Metric] = (),
    fidelities: Sequence[int] = (),
    continues: bool = False,
) -> Strategy:
    """Construct strategy ``name`` with ``options`` for one run.

    ``objectives`` (a multi-objective search) reach only a strategy that sets
    ``multi_objective``; any other optimises the scalarised ``value`` it is told.
    ``fidelities`` and ``continues`` reach only a strategy that sets ``multi_fidelity``.

    Raises:
        UnknownStrategyError: The name is not registered.
        StrategyOptionError: An option does not exist, its value is not allowed, or it does
            not fit ``space`` or ``budget``.
    """
    cls = get_strategy(name)
    extra: dict[str, Any] = {}
    if objectives and cls.multi_objective:
        extra["objectives"] = objectives
    if fidelities and cls.multi_fidelity:
        extra.update(fidelities=fidelities, continues=continues)
    try:
        return cls(space, seed=seed, maximize=maximize, budget=budget, **extra, **options)
    except StrategyOptionError as exc:
        # A strategy's helper may raise without knowing which strategy it serves.
        raise exc.naming(name) from None


__all__ = [
    "ENTRY_POINT_GROUP",
    "StrategyOptionError",
    "UnknownStrategyError",
    "available_strategies",
    "build_strategy",
    "get_strategy",
    "option_defaults",
    "parse_strategy_spec",
    "registry",
    "resolved_options",
    "strategy_option_specs",
]
