"""Reports built from the results store.

Public surface: `final_regret_summary` (numbers) and `render_summary` (the rich tables that
``python -m harness compare`` prints at its end).
"""

from __future__ import annotations

from reports._summary import final_regret_summary, render_summary

__all__ = ["final_regret_summary", "render_summary"]
