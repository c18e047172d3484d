"""Architecture-suggestion strategies, discovered automatically.

Public surface: `Strategy` and `Observation` (the interface), and the registry functions
`available_strategies`, `get_strategy`, `build_strategy`, `parse_strategy_spec`.
"""

from __future__ import annotations

from strategies._base import Observation, Strategy
from strategies._registry import (
    ENTRY_POINT_GROUP,
    StrategyOptionError,
    UnknownStrategyError,
    available_strategies,
    build_strategy,
    get_strategy,
    option_defaults,
    parse_strategy_spec,
    registry,
    resolved_options,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Observation",
    "Strategy",
    "StrategyOptionError",
    "UnknownStrategyError",
    "available_strategies",
    "build_strategy",
    "get_strategy",
    "option_defaults",
    "parse_strategy_spec",
    "registry",
    "resolved_options",
]
