"""The shared contract, run over every registered strategy (discovered, never listed)."""

from __future__ import annotations

import pytest

from harness.testing import StrategyContract
from strategies import available_strategies


@pytest.fixture(params=available_strategies())
def strategy_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class TestEveryStrategy(StrategyContract):
    """Binds the contract's ``strategy_name`` to each registered strategy in turn."""

    @pytest.fixture(autouse=True)
    def _bind(self, strategy_name: str) -> None:
        self.strategy_name = strategy_name  # type: ignore[misc]
