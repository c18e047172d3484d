"""Any sampler Optuna ships, by name: the strategy family ``optuna:<SamplerClass>``.

``--strategy optuna:CmaEsSampler`` or ``--strategy "optuna:QMCSampler:qmc_type=sobol"`` runs
that class of ``optuna.samplers`` through the harness's ask/tell loop (`OptunaStrategy`: one
trial per ask, NaN observations told as failed trials). The curated `tpe`, `gp`, `nsga2` and
`motpe` stay the documented defaults; this family is for comparing against a sampler as Optuna
ships it, at Optuna's defaults.

Options are the sampler's constructor arguments, read from its signature: every argument
typed ``bool``, ``int``, ``float`` or ``str`` (or one of them ``| None``) is an option with
the sampler's own default, its help taken from the sampler's docstring; the rest (callables,
other samplers, dictionaries) cannot be written on a command line and keep their defaults.
``seed`` is not an option: it is the first draw of the strategy's generator, so runs are
reproducible and differ between seeds. After the options parse, the sampler is constructed
once with them, so that a value the sampler itself refuses (``qmc_type=foo``) is a one-line
option error at planning. A sampler that needs an argument no option can give
(``GridSampler``'s ``search_space``, ``PartialFixedSampler``'s ``base_sampler``) is refused
by name.

Dimensions map as for every Optuna-backed strategy (`strategies._scales`): categorical
dimensions are categorical parameters over their choice indices, ordinal ones integer
parameters over their ranks, log dimensions log-scaled integers over the sizes. Samplers that
do not model categorical parameters (``CmaEsSampler``, ``QMCSampler``) draw those from their
independent sampler (uniform random), as Optuna does; on NAS-Bench-201, whose six dimensions
are all categorical, they are random search. Optuna's per-trial log lines (such as
"independent sampling") are silenced. ``CmaEsSampler`` needs the ``cmaes`` package
(``pip install "nas-harness[cmaes]"``).
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from spaces import Config
from strategies._base import MULTI_OBJECTIVE, Observation, Strategy
from strategies._extras import LibraryStrategy
from strategies._options import StrategyOptionError, StrategyOptions, option
from strategies._optuna_study import OptunaStrategy, quiet_optuna
from strategies._registry import StrategyFamily, UnknownStrategyError

if TYPE_CHECKING:
    import optuna

_KINDS = {"bool": bool, "int": int, "float": float, "str": str}
_NEEDS: dict[str, tuple[str, ...]] = {"CmaEsSampler": ("cmaes",)}
"""Import names a sampler needs beyond Optuna (Optuna imports them lazily, at the first ask)."""
_MULTI_OBJECTIVE = frozenset(
    {
        "BruteForceSampler",
        "GPSampler",
        "NSGAIISampler",
        "NSGAIIISampler",
        "QMCSampler",
        "RandomSampler",
        "TPESampler",
    }
)
"""Samplers that Optuna documents for multi-objective studies (the others take one objective)."""


@contextmanager
def _silent() -> Iterator[None]:
    """Optuna's per-trial warnings (independent sampling, ...) say nothing new in a benchmark."""
    logger = logging.getLogger("optuna")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


class _SamplerStrategy(LibraryStrategy, OptunaStrategy):
    """A sampler of ``optuna.samplers`` with its constructor options; one class per sampler."""

    extra = "cmaes"
    distribution = "optuna"
    sampler_name: ClassVar[str]
    """The sampler's class name in ``optuna.samplers``."""

    # make_sampler is left abstract here (so the registry's walk skips this class) and
    # given to each sampler's class by `_resolve`.

    def ask(self) -> Config:
        """The config of a new trial that the sampler suggests."""
        with _silent():
            return super().ask()

    def tell(self, config: Config, observation: Observation) -> None:
        """Finish the trial of ``config`` (see `OptunaStrategy.tell`)."""
        with _silent():
            super().tell(config, observation)


def _make_sampler(self: _SamplerStrategy, seed: int) -> optuna.samplers.BaseSampler:
    """The sampler, constructed with the strategy's options and ``seed``."""
    return _sampler_class(self.sampler_name)(**self.opts.as_dict(), seed=seed)


def _sampler_class(name: str) -> Callable[..., optuna.samplers.BaseSampler]:
    """The sampler class ``name`` of ``optuna.samplers`` (called with keywords and a seed)."""
    import optuna

    cls: Callable[..., optuna.samplers.BaseSampler] = getattr(optuna.samplers, name)
    return cls


def _sampler_names() -> list[str]:
    import optuna

    return sorted(
        name
        for name in optuna.samplers.__all__
        if inspect.isclass(obj := getattr(optuna.samplers, name))
        and issubclass(obj, optuna.samplers.BaseSampler)
        and not inspect.isabstract(obj)
        and obj is not optuna.samplers.BaseSampler
    )


def _kind(annotation: object) -> tuple[type, bool] | None:
    """The option type of a (string) annotation and whether it admits None; None if neither."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    parts = [p.strip() for p in str(text).split("|")]
    optional = "None" in parts
    rest = [p for p in parts if p != "None"]
    if len(rest) != 1 or rest[0] not in _KINDS:
        return None
    return _KINDS[rest[0]], optional


def _helps(sampler: object) -> dict[str, str]:
    """Each argument's first sentence in the sampler's Google-style docstring."""
    doc = inspect.getdoc(sampler) or ""
    args = doc.partition("Args:")[2]
    helps: dict[str, str] = {}
    for match in re.finditer(r"^    (\w+):\n((?:        .*\n?|\n)+?)(?=^    \w+:|\Z)", args, re.M):
        text = " ".join(match.group(2).split())
        text = re.sub(r":(?:obj|class|func|meth):`~?([^`]+)`", r"\1", text).replace("``", "")
        helps[match.group(1)] = (text.split(". ")[0].rstrip(".") + ".")[:150]
    return helps


def _options_class(sampler_name: str) -> type[StrategyOptions]:
    """A frozen ``Options`` dataclass of the sampler's writable constructor arguments.

    Raises:
        UnknownStrategyError: The sampler needs an argument that no option can give, or
            cannot be seeded.
    """
    sampler = _sampler_class(sampler_name)
    parameters = inspect.signature(sampler.__init__).parameters
    if "seed" not in parameters:
        raise UnknownStrategyError(
            f"optuna:{sampler_name} cannot run in the harness: it takes no seed"
        )
    helps = _helps(sampler)
    fields: list[tuple[str, Any, Any]] = []
    for p in parameters.values():
        if p.name in ("self", "seed") or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        kind = _kind(p.annotation)
        if p.default is inspect.Parameter.empty:
            raise UnknownStrategyError(
                f"optuna:{sampler_name} cannot run in the harness: it needs {p.name}, "
                "which a strategy option cannot give"
            )
        if kind is None or (p.default is None and not kind[1]):
            continue  # an object (a callable, a sampler, a dict): it keeps its default
        typ, optional = kind
        default = float(p.default) if typ is float and isinstance(p.default, int) else p.default
        if default is not None and not isinstance(default, typ):
            continue
        help_text = helps.get(p.name, f"{sampler_name}'s {p.name} argument.")
        annotation = typ | None if optional else typ
        fields.append((p.name, annotation, option(default, help=help_text)))

    def check(self: StrategyOptions) -> None:
        values = self.as_dict()
        try:
            with quiet_optuna(), _silent():
                sampler(**values, seed=0)
        except Exception as exc:
            changed = [f.name for f in dataclasses.fields(self) if values[f.name] != _default(f)]
            problem = f"is refused by optuna.samplers.{sampler_name}: {_first_line(exc)}"
            if not changed:
                raise TypeError(problem) from None
            raise self.error(changed[0], problem) from None

    return dataclasses.make_dataclass(
        "Options",
        fields,
        bases=(StrategyOptions,),
        namespace={"check": check, "__doc__": f"Options of optuna:{sampler_name}."},
        frozen=True,
        slots=True,
        kw_only=True,
    )


def _default(field: dataclasses.Field[Any]) -> Any:
    return field.default


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class OptunaSamplers(StrategyFamily):
    """``optuna:<SamplerClass>``: a strategy class per sampler of ``optuna.samplers``."""

    prefix = "optuna"
    description = "Any sampler Optuna ships, at Optuna's defaults: optuna:<SamplerClass>[:opt=val]"

    def members(self) -> list[str]:
        """The sampler classes that can run (each constructible from options and a seed)."""
        out = []
        for name in _sampler_names():
            try:
                _resolve(name)
            except UnknownStrategyError:
                continue
            out.append(name)
        return out

    def resolve(self, member: str) -> type[Strategy]:
        """The strategy class of sampler ``member`` (for example ``CmaEsSampler``).

        Raises:
            UnknownStrategyError: No such sampler in ``optuna.samplers``, or it cannot run
                in the harness; the message says why, or lists the samplers.
        """
        if member not in _sampler_names():
            raise UnknownStrategyError(
                f"unknown Optuna sampler {member!r} in 'optuna:{member}'; choose one of "
                f"{', '.join(self.members())}"
            )
        return _resolve(member)


@cache
def _resolve(member: str) -> type[Strategy]:
    sampler = _sampler_class(member)
    summary = (inspect.getdoc(sampler) or member).split("\n\n")[0]
    summary = re.sub(r":(?:obj|class|func|meth):`~?([^`]+)`", r"\1", " ".join(summary.split()))
    try:
        options = _options_class(member)
        return type(
            f"Optuna{member}",
            (_SamplerStrategy,),
            {
                "__module__": __name__,
                "__doc__": f"optuna.samplers.{member} driven by the harness's ask/tell loop.",
                "name": f"optuna:{member}",
                "description": f"Optuna's {member}: {summary.split('. ')[0].rstrip('.')}.",
                "tags": frozenset({MULTI_OBJECTIVE}) if member in _MULTI_OBJECTIVE else frozenset(),
                "modules": _NEEDS.get(member, ()),
                "sampler_name": member,
                "make_sampler": _make_sampler,
                "Options": options,
            },
        )
    except (TypeError, StrategyOptionError) as exc:
        raise UnknownStrategyError(
            f"optuna:{member} cannot run in the harness: {_first_line(exc)}"
        ) from None


optuna_samplers = OptunaSamplers()
"""The family instance the registry finds."""
