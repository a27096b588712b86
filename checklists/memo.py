"""Readings remembered across documents: pure functions of one short string.

Unit names, unit-list pieces and deadline phrases repeat across a plan's clauses (区市场监管局
in most of them, 持续推进 in half) and each clause is read twice (is it a clause? what does
it say?). Functions decorated with `remembered` keep the answers for the last 4,096 distinct
strings each; `forget` drops them all, for a measurement that must start cold.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

__all__ = ["REMEMBERED", "forget", "remembered"]

REMEMBERED = 4096

_Fn = TypeVar("_Fn", bound=Callable[..., Any])
_caches: list[Any] = []


def remembered(fn: _Fn) -> _Fn:
    """`fn` with its last `REMEMBERED` answers kept; `fn` must be pure and return immutables."""
    cached = lru_cache(maxsize=REMEMBERED)(fn)
    _caches.append(cached)
    return cached  # type: ignore[return-value]


def forget() -> None:
    """Drop every remembered answer."""
    for cached in _caches:
        cached.cache_clear()
