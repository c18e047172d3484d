"""The shared contract, run over every registered strategy (discovered, never listed)."""

from __future__ import annotations

import pytest

from harness.testing import StrategyContract
from strategies import available_strategies, get_strategy, unavailable_reason


@pytest.fixture(params=available_strategies())
def strategy_name(request: pytest.FixtureRequest) -> str:
    reason = unavailable_reason(get_strategy(str(request.param)))
    if reason is not None:
        pytest.skip(reason)  # an adapter whose optional extra is not installed
    return str(request.param)


class TestEveryStrategy(StrategyContract):
    """Binds the contract's ``strategy_name`` to each registered strategy in turn."""

    @pytest.fixture(autouse=True)
    def _bind(self, strategy_name: str) -> None:
        self.strategy_name = strategy_name  # type: ignore[misc]
