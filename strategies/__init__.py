"""Architecture-suggestion strategies, discovered automatically.

Public surface: `Strategy` and `Observation` (the interface); the capability tags a strategy
declares (`MULTI_FIDELITY`, `MULTI_OBJECTIVE`, `PRIOR`, `WEIGHT_SHARING`, `CAPABILITY_TAGS`);
`StrategyOptions` and `option` (how a strategy declares its options, see `Strategy`); and
the registry functions
`available_strategies`, `get_strategy`, `build_strategy`, `parse_strategy_spec`,
`split_strategy_spec`, `strategy_families` (with `StrategyFamily`: strategies another library
names, such as ``optuna:CmaEsSampler``), `unavailable_reason` (why a strategy whose
optional library is missing cannot run: `StrategyUnavailableError`),
`resolved_options`, `option_defaults` and `strategy_option_specs`.
"""

from __future__ import annotations

from strategies._base import (
    CAPABILITY_TAGS,
    MULTI_FIDELITY,
    MULTI_OBJECTIVE,
    PRIOR,
    WEIGHT_SHARING,
    Observation,
    Strategy,
)
from strategies._extras import StrategyUnavailableError, unavailable_reason
from strategies._options import OptionSpec, StrategyOptionError, StrategyOptions, option
from strategies._registry import (
    ENTRY_POINT_GROUP,
    StrategyFamily,
    UnknownStrategyError,
    available_strategies,
    broken_plugins,
    build_strategy,
    get_strategy,
    option_defaults,
    parse_strategy_spec,
    registry,
    resolved_options,
    split_strategy_spec,
    strategy_families,
    strategy_option_specs,
)

__all__ = [
    "CAPABILITY_TAGS",
    "ENTRY_POINT_GROUP",
    "MULTI_FIDELITY",
    "MULTI_OBJECTIVE",
    "PRIOR",
    "WEIGHT_SHARING",
    "Observation",
    "OptionSpec",
    "Strategy",
    "StrategyFamily",
    "StrategyOptionError",
    "StrategyOptions",
    "StrategyUnavailableError",
    "UnknownStrategyError",
    "available_strategies",
    "broken_plugins",
    "build_strategy",
    "get_strategy",
    "option",
    "option_defaults",
    "parse_strategy_spec",
    "registry",
    "resolved_options",
    "split_strategy_spec",
    "strategy_families",
    "strategy_option_specs",
    "unavailable_reason",
]
