"""Checks of strategy option values shared by the built-in strategies.

A failed check raises `ValueError` with ``option=value`` and what is allowed; the registry
(`strategies.build_strategy`) prefixes the strategy's name, so the messages here do not.
"""

from __future__ import annotations


def check_whole_number(option: str, value: object, minimum: int = 1) -> None:
    """Raise unless ``value`` is an int (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{option}={value!r} must be a whole number >= {minimum}")
