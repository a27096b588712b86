"""The kinds a catalog's values take (measure kinds, unit roles, deadline kinds, comparators,
evidence kinds): plain enums, apart from the pydantic catalog models.

The database models and most services need only these names; keeping them here means a command
that never validates a catalog (`zonecheck plans`) does not import pydantic at start-up.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["REF_PREFIX", "Comparator", "DeadlineKind", "EvidenceKind", "MeasureKind", "UnitRole"]


class MeasureKind(StrEnum):
    MEASURE = "measure"
    SAFEGUARD = "safeguard"
    OUTCOME = "outcome"


# Prefix of the `ref` of non-numbered kinds: safeguard S1, outcome O3.
REF_PREFIX = {MeasureKind.SAFEGUARD: "S", MeasureKind.OUTCOME: "O"}


class UnitRole(StrEnum):
    LEAD = "lead"
    CO = "co"
    GROUP = "group"


class DeadlineKind(StrEnum):
    FIXED = "fixed"
    ONGOING = "ongoing"
    ANNUAL = "annual"
    FIXED_THEN_ONGOING = "fixed_then_ongoing"
    NONE = "none"


class Comparator(StrEnum):
    EQ = "="
    GE = ">="
    LE = "<="
    RANGE = "range"


class EvidenceKind(StrEnum):
    FILE = "file"
    LINK = "link"
    NOTE = "note"
