"""Strategy discovery: every module of this package, plus installed third-party plugins.

Adding a strategy touches one file: drop a module into ``strategies/`` defining a `Strategy`
subclass with a ``name`` (and its options as a nested ``Options`` dataclass). Packages
outside this repository register theirs under the ``harness.strategies`` entry-point group
(``name = "module:Class"``). Options are parsed, checked and filled in here, from the
``Options`` declaration alone (see `strategies._options`).

A module may also define a *strategy family* (`StrategyFamily`): strategies that another
library names, resolved by prefix, such as ``optuna:CmaEsSampler`` for any sampler Optuna
ships. A member is a `Strategy` class made on demand, named ``PREFIX:MEMBER``, and used
everywhere a registered name is (planning, runs, the results store, reports); its options
follow the member name, ``optuna:QMCSampler:qmc_type=sobol``. Members are not registered:
`registry` and `available_strategies` (and so the contract and compatibility tests, which
run every registered strategy) list only the strategies written as modules.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

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


class StrategyFamily(ABC):
    """Strategies named by another library, resolved by prefix: ``PREFIX:MEMBER``.

    A module of this package defines one instance; the registry finds it as it finds
    strategy classes. `resolve` makes the member's `Strategy` class, whose ``name`` is
    ``PREFIX:MEMBER``; the registry caches it, so a member is made once per process.
    """

    prefix: ClassVar[str]
    """The part before the colon: short, kebab-case, and no registered strategy's name."""
    description: ClassVar[str]
    """One line for listings: what the members are."""

    @abstractmethod
    def members(self) -> list[str]:
        """The member names that `resolve` accepts, for listings and error messages."""

    @abstractmethod
    def resolve(self, member: str) -> type[Strategy]:
        """The strategy class of ``member``, named ``PREFIX:MEMBER``.

        Raises:
            UnknownStrategyError: ``member`` is not a member; the message lists the members.
        """


def _collect(
    module: object,
    found: dict[str, type[Strategy]],
    origin: str,
    families: dict[str, StrategyFamily] | None = None,
) -> None:
    for obj in vars(module).values():
        if families is not None and isinstance(obj, StrategyFamily):
            _add_family(obj, families, origin)
        elif (
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


def _add_family(family: StrategyFamily, found: dict[str, StrategyFamily], origin: str) -> None:
    prefix = getattr(family, "prefix", None)
    if not isinstance(prefix, str) or not prefix or ":" in prefix:
        raise TypeError(f"strategy family {family!r} in {origin} has no prefix (or one with ':')")
    if prefix in found and found[prefix] is not family:
        raise TypeError(f"strategy family prefix {prefix!r} is registered twice ({origin})")
    found[prefix] = family


_FAMILIES: dict[str, StrategyFamily] = {}
"""The strategy families that the last walk of `registry` found, by prefix."""


@cache
def registry() -> dict[str, type[Strategy]]:
    """Every registered strategy by name, in name order (family members are not listed).

    The same walk of the package finds the strategy families (`strategy_families`);
    ``registry.cache_clear()`` forgets both. A registered name wins over a family's prefix.
    """
    _FAMILIES.clear()
    _BROKEN.clear()
    found: dict[str, type[Strategy]] = {}
    for info in pkgutil.iter_modules([_PACKAGE_DIR]):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{_PACKAGE}.{info.name}")
        _collect(module, found, f"{_PACKAGE}/{info.name}.py", _FAMILIES)
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        # An installed plugin that cannot be imported or no longer fits the Strategy API
        # (written for an older version, say) is skipped with its reason: every other
        # strategy, and every command, still works (`broken_plugins`).
        mine: dict[str, type[Strategy]] = {}
        try:
            obj = ep.load()
            if inspect.isclass(obj) and issubclass(obj, Strategy):
                _add(obj, mine, f"entry point {ep.name}")
            else:
                _collect(obj, mine, f"entry point {ep.name}")
            for cls in mine.values():
                _add(cls, found, f"entry point {ep.name}")
        except Exception as exc:
            text = str(exc).strip().splitlines()
            _BROKEN[ep.name] = (
                f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__
            )
    return dict(sorted(found.items()))


_BROKEN: dict[str, str] = {}


def broken_plugins() -> dict[str, str]:
    """Strategy plugins (entry points) that were skipped, with the reason, by name."""
    registry()
    return dict(_BROKEN)


def available_strategies() -> list[str]:
    """Names of every registered strategy (family members are not listed)."""
    return list(registry())


def strategy_families() -> dict[str, StrategyFamily]:
    """Every strategy family by prefix, in prefix order."""
    registry()
    return dict(sorted(_FAMILIES.items()))


@cache
def _member(family: StrategyFamily, member: str) -> type[Strategy]:
    cls = family.resolve(member)
    if getattr(cls, "name", None) != f"{family.prefix}:{member}":
        raise TypeError(f"family {family.prefix!r} resolved {member!r} to a misnamed class")
    return cls


def _family_member(name: str, registered: Sequence[str]) -> type[Strategy]:
    """The family member ``name`` (``PREFIX:MEMBER``), or the error for an unknown name."""
    prefix, _, member = name.partition(":")
    family = _FAMILIES.get(prefix)
    if family is None:
        named = ", ".join([*registered, *(f"{p}:NAME" for p in sorted(_FAMILIES))])
        raise UnknownStrategyError(f"unknown strategy {name!r}; choose one of {named}")
    if not member:
        raise UnknownStrategyError(
            f"strategy family {prefix!r} needs a member, {prefix}:NAME; choose one of "
            f"{', '.join(family.members())}"
        )
    return _member(family, member)


def split_strategy_spec(spec: str) -> tuple[str, str]:
    """Split ``spec`` into the strategy's name and the text of its options.

    ``tpe:n_startup_trials=5`` gives ``("tpe", "n_startup_trials=5")``; a family member's
    name keeps its prefix: ``optuna:QMCSampler:qmc_type=sobol`` gives
    ``("optuna:QMCSampler", "qmc_type=sobol")``.
    """
    name, colon, rest = spec.partition(":")
    if colon and name not in registry() and name in _FAMILIES:
        member, _, rest = rest.partition(":")
        name = f"{name}:{member}"
    return name, rest


def get_strategy(name: str) -> type[Strategy]:
    """The class registered as ``name``, or the family member ``PREFIX:MEMBER``.

    Raises:
        UnknownStrategyError: No strategy has that name and no family that member; the
            message lists the valid ones.
    """
    reg = registry()
    if name not in reg:
        if name in _BROKEN:
            raise UnknownStrategyError(f"strategy plugin {name!r} cannot be used: {_BROKEN[name]}")
        return _family_member(name, list(reg))
    return reg[name]


def strategy_option_specs(cls: type[Strategy]) -> tuple[OptionSpec, ...]:
    """The options a strategy class declares (type, default, what is allowed, help), in order."""
    return tuple(option_specs(cls.Options).values())


def option_defaults(cls: type[Strategy]) -> dict[str, Any]:
    """The options a strategy class takes, with their defaults, in declaration order."""
    return {spec.name: spec.default for spec in option_specs(cls.Options).values()}


def parse_strategy_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Parse ``name`` or ``name:opt=value,opt=value`` into the name and its options.

    A family member is named with its prefix: ``optuna:QMCSampler:qmc_type=sobol``.
    Only the options written are returned, as typed values; together they must be valid
    (each value and the rules between options, with defaults for the others).

    Raises:
        UnknownStrategyError: The name is not registered and no family's member.
        StrategyOptionError: An option does not exist, is not ``KEY=VALUE``, or its value
            does not parse or is not allowed.
    """
    name, rest = split_strategy_spec(spec)
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
    "StrategyFamily",
    "StrategyOptionError",
    "UnknownStrategyError",
    "available_strategies",
    "broken_plugins",
    "build_strategy",
    "get_strategy",
    "option_defaults",
    "parse_strategy_spec",
    "registry",
    "resolved_options",
    "split_strategy_spec",
    "strategy_families",
    "strategy_option_specs",
]
