"""Strategy options, declared once as a frozen dataclass and checked in one place.

A strategy declares its options as a nested dataclass ``Options`` (a `StrategyOptions`
subclass) whose fields carry each option's type, default and constraints; `option` stores
the constraints in the field's metadata. Constructing an ``Options`` checks every field
against them, then calls `StrategyOptions.check` for rules that involve several options. So
an ``Options`` instance is always valid, whether it was built from Python values, from CLI
text (`OptionSpec.parse`) or by `dataclasses.replace`.

Every failed check raises `StrategyOptionError`, whose message has one form:
``strategy 'evolution': option population=0 must be a whole number >= 1``. Option types are
``bool``, ``int``, ``float`` and ``str``, each optionally ``| None``: values that a command
line can spell and that the results store can hash as JSON.

This module imports nothing from the rest of the package, so that both the strategy base
class and the registry can depend on it without depending on each other.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

T = TypeVar("T")

_RULES = "strategies.option"
"""Key of the `_Rules` in a field's metadata (namespaced, as the metadata is shared)."""
_KINDS: tuple[type, ...] = (bool, int, float, str)


class _NoValue:
    """Stands for the value of an option written without ``=VALUE``."""

    def __repr__(self) -> str:
        return "<no value>"


NO_VALUE: Any = _NoValue()


class StrategyOptionError(ValueError):
    """An option that does not exist or whose value is not allowed.

    The message names the strategy (once known), the option, the bad value and what is
    allowed: ``strategy 'evolution': option population=0 must be a whole number >= 1``.

    Args:
        option: The option's name.
        value: The rejected value (`NO_VALUE` for an option written without one).
        problem: What is wrong, phrased to follow ``option NAME=VALUE``, e.g.
            ``"must be at most population=50"``.
        strategy: The strategy's registry name; ``None`` while it is not known (inside
            ``Options``); the registry and `Strategy` add it.
    """

    def __init__(
        self, option: str, value: object, problem: str, strategy: str | None = None
    ) -> None:
        # All four in args, so that the error pickles (runs execute in worker processes).
        super().__init__(option, value, problem, strategy)
        self.option = option
        self.value = value
        self.problem = problem
        self.strategy = strategy

    def __str__(self) -> str:
        where = "" if self.strategy is None else f"strategy {self.strategy!r}: "
        shown = self.option if isinstance(self.value, _NoValue) else f"{self.option}={self.value!r}"
        return f"{where}option {shown} {self.problem}"

    def naming(self, strategy: str) -> StrategyOptionError:
        """This error with ``strategy`` as the strategy's name, unless it names one already."""
        if self.strategy is not None:
            return self
        return StrategyOptionError(self.option, self.value, self.problem, strategy)


@dataclass(frozen=True, slots=True)
class _Rules:
    minimum: float | None
    maximum: float | None
    exclusive_minimum: float | None
    exclusive_maximum: float | None
    choices: tuple[Any, ...] | None
    help: str


def option(
    default: T,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: float | None = None,
    exclusive_maximum: float | None = None,
    choices: tuple[T, ...] | None = None,
    help: str = "",
) -> T:
    """Declare an option: a dataclass field with its default, constraints and help.

    Bounds are inclusive (``minimum``, ``maximum``) or exclusive (``exclusive_minimum``,
    ``exclusive_maximum``, as in JSON Schema); ``choices`` lists every allowed value. A
    ``None`` value (for ``T | None`` options) skips the bounds and choices.

    Args:
        default: The value used when the option is not given.
        minimum: Smallest allowed value.
        maximum: Largest allowed value.
        exclusive_minimum: Allowed values are larger than this.
        exclusive_maximum: Allowed values are smaller than this.
        choices: The allowed values (``str`` and ``int`` options).
        help: One line for listings: what the option does.

    Returns:
        A `dataclasses.field`, typed as ``T`` so that ``population: int = option(50)`` checks.
    """
    rules = _Rules(
        minimum=minimum,
        maximum=maximum,
        exclusive_minimum=exclusive_minimum,
        exclusive_maximum=exclusive_maximum,
        choices=None if choices is None else tuple(choices),
        help=help,
    )
    return dataclasses.field(default=default, metadata={_RULES: rules})


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One declared option: what the listing shows and what values and CLI text it takes.

    Attributes:
        name: The option's name (the field's).
        kind: ``bool``, ``int``, ``float`` or ``str``.
        optional: Whether ``None`` is allowed.
        default: The default value.
        minimum: Smallest allowed value, if bounded so.
        maximum: Largest allowed value, if bounded so.
        exclusive_minimum: Allowed values are larger than this, if bounded so.
        exclusive_maximum: Allowed values are smaller than this, if bounded so.
        choices: The allowed values, if listed.
        help: What the option does, in one line.
    """

    name: str
    kind: type
    optional: bool
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    choices: tuple[Any, ...] | None = None
    help: str = ""

    @property
    def allowed(self) -> str:
        """What is allowed, to follow "must be", e.g. ``a whole number >= 1 or None``."""
        if self.choices is not None:
            text = "one of " + ", ".join(map(str, self.choices))
        elif self.kind is bool:
            text = "true or false"
        elif self.kind is str:
            text = "a string"
        else:
            text = self._numbers()
        return text + " or None" if self.optional else text

    def _numbers(self) -> str:
        whole = self.kind is int
        low = (
            (self.minimum, "[", ">=")
            if self.minimum is not None
            else (self.exclusive_minimum, "(", ">")
            if self.exclusive_minimum is not None
            else None
        )
        high = (
            (self.maximum, "]", "<=")
            if self.maximum is not None
            else (self.exclusive_maximum, ")", "<")
            if self.exclusive_maximum is not None
            else None
        )
        noun = "a whole number" if whole else "a number" if low and high else "a finite number"
        if low and high:
            return f"{noun} in {low[1]}{_show(low[0])}, {_show(high[0])}{high[1]}"
        if low:
            return f"{noun} {low[2]} {_show(low[0])}"
        if high:
            return f"{noun} {high[2]} {_show(high[0])}"
        return noun

    def accepts(self, value: object) -> bool:
        """Whether ``value`` is allowed (of the right type, in bounds, among the choices)."""
        if value is None:
            return self.optional
        if isinstance(value, bool) != (self.kind is bool):
            return False  # bool is an int to Python, but True is no population size
        if self.kind is float:
            if not isinstance(value, int | float) or not math.isfinite(value):
                return False
        elif not isinstance(value, self.kind):
            return False
        if self.choices is not None:
            return value in self.choices
        if isinstance(value, int | float):
            return (
                (self.minimum is None or value >= self.minimum)
                and (self.maximum is None or value <= self.maximum)
                and (self.exclusive_minimum is None or value > self.exclusive_minimum)
                and (self.exclusive_maximum is None or value < self.exclusive_maximum)
            )
        return True

    def parse(self, text: str) -> Any:
        """The value that CLI ``text`` spells (not yet checked against the bounds).

        Raises:
            StrategyOptionError: ``text`` does not spell a value of the option's type.
        """
        if self.optional and text.strip().lower() == "none":
            return None
        if self.kind is bool:
            if text.lower() in ("true", "1", "yes"):
                return True
            if text.lower() in ("false", "0", "no"):
                return False
        elif self.kind is str:
            return text
        else:
            try:
                return self.kind(text)
            except ValueError:
                pass
        raise StrategyOptionError(self.name, text, f"must be {self.allowed}")


def _show(bound: float | None) -> str:
    return f"{bound:g}" if isinstance(bound, float) else str(bound)


@dataclass(frozen=True, slots=True)
class StrategyOptions:
    """Base class of every strategy's ``Options``; as it is, a strategy without options.

    Subclasses are frozen dataclasses whose fields are the options, each with a default
    (declared with `option` for constraints and help). Construction checks every field, then
    calls `check`.
    """

    def __post_init__(self) -> None:
        for spec in option_specs(type(self)).values():
            value = getattr(self, spec.name)
            if not spec.accepts(value):
                raise StrategyOptionError(spec.name, value, f"must be {spec.allowed}")
        self.check()

    def check(self) -> None:
        """Check rules that involve several options; each field is already valid.

        Raises:
            StrategyOptionError: A rule is broken; build it with `error`.
        """

    def error(self, option: str, problem: str) -> StrategyOptionError:
        """The error for ``option`` (its current value) with ``problem``, e.g. ``must be ...``."""
        return StrategyOptionError(option, getattr(self, option), problem)

    def as_dict(self) -> dict[str, Any]:
        """Every option's value by name, in declaration order."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


_specs: dict[type[StrategyOptions], Mapping[str, OptionSpec]] = {}
"""`option_specs` by class: derived once (reading type hints is slow), read at every check."""


def option_specs(options_cls: type[StrategyOptions]) -> Mapping[str, OptionSpec]:
    """The declared options of ``options_cls`` by name, in declaration order.

    Raises:
        TypeError: The class is not a frozen `StrategyOptions` dataclass, or a field has no
            default, an unsupported type or constraints that do not fit its type.
    """
    specs = _specs.get(options_cls)
    if specs is None:
        specs = _specs[options_cls] = MappingProxyType(_derive_specs(options_cls))
    return specs


def _derive_specs(options_cls: type[StrategyOptions]) -> dict[str, OptionSpec]:
    where = options_cls.__qualname__
    if not (
        isinstance(options_cls, type)
        and issubclass(options_cls, StrategyOptions)
        and "__dataclass_fields__" in vars(options_cls)
        and options_cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    ):
        raise TypeError(
            f"{where} must be a StrategyOptions subclass decorated with "
            "@dataclass(frozen=True, slots=True, kw_only=True)"
        )
    try:
        hints = typing.get_type_hints(options_cls)
    except NameError as exc:
        raise TypeError(f"{where}: {exc}; options are bool, int, float or str") from None
    specs: dict[str, OptionSpec] = {}
    for f in dataclasses.fields(options_cls):
        if hasattr(StrategyOptions, f.name):
            raise TypeError(f"{where}.{f.name}: the name is taken by a StrategyOptions method")
        if f.default is dataclasses.MISSING:
            raise TypeError(f"{where}.{f.name} needs a default (declare it with option(...))")
        kind, optional = _kind(hints[f.name], f"{where}.{f.name}")
        rules = f.metadata.get(_RULES) or _Rules(None, None, None, None, None, "")
        bounded = (rules.minimum, rules.maximum, rules.exclusive_minimum, rules.exclusive_maximum)
        if any(b is not None for b in bounded) and (kind not in (int, float) or rules.choices):
            raise TypeError(f"{where}.{f.name}: bounds need an int or float option, no choices")
        if rules.choices is not None and kind not in (int, str):
            raise TypeError(f"{where}.{f.name}: choices need an int or str option")
        specs[f.name] = OptionSpec(
            name=f.name,
            kind=kind,
            optional=optional,
            default=f.default,
            minimum=rules.minimum,
            maximum=rules.maximum,
            exclusive_minimum=rules.exclusive_minimum,
            exclusive_maximum=rules.exclusive_maximum,
            choices=rules.choices,
            help=rules.help,
        )
    return specs


def _kind(annotation: object, where: str) -> tuple[type, bool]:
    """The option type of ``annotation`` and whether it admits ``None``."""
    args = typing.get_args(annotation)
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    if union and len(args) == 2 and type(None) in args:
        kind, optional = next(a for a in args if a is not type(None)), True
    else:
        kind, optional = annotation, False
    if kind not in _KINDS:
        raise TypeError(
            f"{where}: option type {annotation!r} is not bool, int, float or str (or | None)"
        )
    assert isinstance(kind, type)
    return kind, optional


def check_declaration(options_cls: type[StrategyOptions], owner: str) -> None:
    """Check an ``Options`` class once, when its strategy class is defined.

    Raises:
        TypeError: The declaration is malformed (see `option_specs`) or a default breaks
            the option's own constraints or `StrategyOptions.check`.
    """
    option_specs(options_cls)
    try:
        options_cls()
    except StrategyOptionError as exc:
        raise TypeError(f"{owner}.Options: the defaults are invalid: {exc}") from None


def check_names(
    options_cls: type[StrategyOptions], values: Mapping[str, object], *, strategy: str
) -> None:
    """Check that every name in ``values`` is an option of ``options_cls``.

    Raises:
        StrategyOptionError: A name is not an option; the message lists the options.
    """
    specs = option_specs(options_cls)
    for name, value in values.items():
        if name not in specs:
            known = f"the options are: {', '.join(specs)}" if specs else "it takes no options"
            raise StrategyOptionError(name, value, f"does not exist; {known}", strategy)


def make_options(
    options_cls: type[StrategyOptions], values: Mapping[str, object], *, strategy: str
) -> StrategyOptions:
    """Build ``options_cls`` from ``values`` (names not given take their defaults).

    Raises:
        StrategyOptionError: A name is not an option, or a value is not allowed; the
            message names ``strategy``.
    """
    check_names(options_cls, values, strategy=strategy)
    try:
        return options_cls(**values)
    except StrategyOptionError as exc:
        raise exc.naming(strategy) from None


__all__ = [
    "NO_VALUE",
    "OptionSpec",
    "StrategyOptionError",
    "StrategyOptions",
    "check_declaration",
    "check_names",
    "make_options",
    "option",
    "option_specs",
]
