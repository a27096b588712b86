"""The audit chain: each entry's hash covers its content and the previous entry's hash.

Editing an entry changes its hash; deleting or reordering breaks the next entry's link; cutting
off the tail is caught by the head record that stores the last sequence number and hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

GENESIS = "0" * 64

# The fields an entry's hash covers, in a fixed order.
HASHED_FIELDS = (
    "seq",
    "at",
    "actor",
    "role",
    "unit",
    "action",
    "target",
    "from_state",
    "to_state",
    "comment",
    "detail",
    "refused",
)


def canonical_time(value: dt.datetime) -> str:
    """UTC, microseconds, 'Z': the same text whichever backend stored it (SQLite drops tzinfo)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    payload: dict[str, Any] = {}
    for name in HASHED_FIELDS:
        value = fields[name]
        payload[name] = canonical_time(value) if isinstance(value, dt.datetime) else value
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()
