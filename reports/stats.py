"""The report's statistics as pure functions, for experiments and scripts outside `reports`.

The functions a report computes its tests with, re-exported so that other code reuses them
instead of re-implementing them: `holm` (Holm's step-down adjusted p-values; the same values
as statsmodels ``multipletests(method="holm")``).
"""

from __future__ import annotations

from reports._stats import holm

__all__ = ["holm"]
