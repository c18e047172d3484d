"""Strategy discovery: every module of this package, plus installed third-party plugins.

Adding a strategy touches one file: drop a module into ``strategies/`` defining a `Strategy`
subclass with a ``name``. Packages outside this repository register theirs under the
``harness.strategies`` entry-point group (``name = "module:Class"``).
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import inspect
import pkgutil
from functools import cache
from typing import Any

from spaces import Space
from strategies._base import Strategy

ENTRY_POINT_GROUP = "harness.strategies"
_BASE_ARGUMENTS = frozenset({"self", "space", "seed", "maximize", "budget"})


class UnknownStrategyError(ValueError):
    """A strategy name that no module or plugin registers."""


class StrategyOptionError(ValueError):
    """A strategy option that does not exist or has a bad value."""


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
    found[name] = cls


@cache
def registry() -> dict[str, type[Strategy]]:
    """Every registered strategy by name, in name order."""
    import strategies

    found: dict[str, type[Strategy]] = {}
    for info in pkgutil.iter_modules(strategies.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"strategies.{info.name}")
        _collect(module, found, f"strategies/{info.name}.py")
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


def option_defaults(cls: type[Strategy]) -> dict[str, Any]:
    """The keyword-only options a strategy class takes, with their defaults."""
    out: dict[str, Any] = {}
    for p in inspect.signature(cls.__init__).parameters.values():
        if p.name in _BASE_ARGUMENTS or p.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        out[p.name] = None if p.default is inspect.Parameter.empty else p.default
    return out


def _coerce(name: str, option: str, text: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if text.lower() in ("true", "1", "yes"):
                return True
            if text.lower() in ("false", "0", "no"):
                return False
            raise ValueError
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if isinstance(default, str):
            return text
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        kind = type(default).__name__ if default is not None else "Python literal"
        raise StrategyOptionError(
            f"strategy {name!r}: option {option}={text!r} is not a valid {kind}"
        ) from None


def parse_strategy_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Parse ``name`` or ``name:opt=value,opt=value`` into the name and its options.

    Raises:
        UnknownStrategyError: The name is not registered.
        StrategyOptionError: An option does not exist or its value does not parse.
    """
    name, _, rest = spec.partition(":")
    cls = get_strategy(name)
    defaults = option_defaults(cls)
    options: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, eq, text = item.partition("=")
        if not eq:
            raise StrategyOptionError(f"strategy {name!r}: option {item!r} is not KEY=VALUE")
        if key not in defaults:
            allowed = ", ".join(defaults) or "none"
            raise StrategyOptionError(
                f"strategy {name!r} has no option {key!r}; its options are: {allowed}"
            )
        options[key] = _coerce(name, key, text, defaults[key])
    return name, options


def resolved_options(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """Every option of strategy ``name``: its defaults overridden by ``options``."""
    return {**option_defaults(get_strategy(name)), **options}


def build_strategy(
    name: str,
    options: dict[str, Any],
    space: Space,
    *,
    seed: int,
    maximize: bool,
    budget: int | None,
) -> Strategy:
    """Construct strategy ``name`` with ``options`` for one run."""
    cls = get_strategy(name)
    try:
        return cls(space, seed=seed, maximize=maximize, budget=budget, **options)
    except ValueError as exc:
        message = str(exc)
        if message.startswith(f"{name}:"):
            raise
        # Every option error names its strategy, whichever module raised it.
        raise StrategyOptionError(f"{name}: {message}") from exc
