"""A score's mark as the pages' forms send it: a 达标 indicator's choice (`met` yes/no), else
the points as text, read into the domain's `Mark` (the bounds are the services' to check)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from workflow.domain.scoring import Mark
from workflow.errors import InputError

POINTS_CHARS = 12  # the points field's bound: "1000.00" and room for a typo


def form_mark(points: str, met: str, field: str = "分数") -> Mark:
    """The form's mark; InputError naming `field` when the points are not a finite number."""
    if met in ("yes", "no"):
        return met == "yes"
    try:
        value = Decimal(points.strip())
    except InvalidOperation:
        raise InputError(f"{field}:应为数字,收到“{points[:POINTS_CHARS]}”") from None
    if not value.is_finite():
        raise InputError(f"{field}:应为有限的数,收到“{points[:POINTS_CHARS]}”")
    return value
