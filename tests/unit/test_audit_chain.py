"""The audit entry hash: it covers every hashed field, and one instant hashes one way."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from workflow.domain.audit import GENESIS, HASHED_FIELDS, canonical_time, entry_hash

AT = dt.datetime(2024, 3, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)

BASE: dict[str, Any] = {
    "seq": 7,
    "at": AT,
    "actor": "张三",
    "role": "member",
    "unit": "区市场监管局",
    "action": "submit_self_check",
    "target": "003_ae6539458f46096d/3",
    "from_state": "in_progress",
    "to_state": "self_checked",
    "comment": "已按方案完成",
    "detail": {"ratings": {"1": "done"}},
    "refused": False,
}

# A different value for each field, of the type it has in the database.
CHANGED: dict[str, Any] = {
    "seq": 8,
    "at": AT + dt.timedelta(microseconds=1),
    "actor": "李四",
    "role": "admin",
    "unit": "区经委",
    "action": "withdraw",
    "target": "003_ae6539458f46096d/4",
    "from_state": "planned",
    "to_state": "accepted",
    "comment": "已按方案完成。",
    "detail": {"ratings": {"1": "partial"}},
    "refused": True,
}


def test_the_changes_cover_exactly_the_hashed_fields() -> None:
    assert set(BASE) == set(HASHED_FIELDS) == set(CHANGED)


@pytest.mark.parametrize("name", HASHED_FIELDS)
def test_changing_any_hashed_field_changes_the_hash(name: str) -> None:
    assert entry_hash(GENESIS, BASE | {name: CHANGED[name]}) != entry_hash(GENESIS, BASE)


def test_the_previous_hash_is_part_of_the_hash() -> None:
    assert entry_hash(GENESIS, BASE) != entry_hash("f" * 64, BASE)


def test_the_hash_is_a_sha256_hex_digest_and_deterministic() -> None:
    digest = entry_hash(GENESIS, BASE)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert entry_hash(GENESIS, dict(BASE)) == digest


def test_a_naive_and_an_aware_utc_time_hash_the_same() -> None:
    # SQLite gives the stored time back without tzinfo; PostgreSQL gives it back aware.
    naive = AT.replace(tzinfo=None)
    assert entry_hash(GENESIS, BASE | {"at": naive}) == entry_hash(GENESIS, BASE)
    assert canonical_time(naive) == canonical_time(AT) == "2024-03-01T08:30:15.123456Z"


def test_the_same_instant_in_another_zone_hashes_the_same() -> None:
    beijing = AT.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert beijing.hour == 16
    assert entry_hash(GENESIS, BASE | {"at": beijing}) == entry_hash(GENESIS, BASE)


def test_detail_key_order_does_not_matter_but_its_values_do() -> None:
    one = BASE | {"detail": {"level": 1, "score": 90}}
    other = BASE | {"detail": {"score": 90, "level": 1}}
    assert entry_hash(GENESIS, one) == entry_hash(GENESIS, other)
    assert entry_hash(GENESIS, one) != entry_hash(
        GENESIS, BASE | {"detail": {"level": 1, "score": 91}}
    )


def test_an_unknown_extra_field_is_not_hashed() -> None:
    assert entry_hash(GENESIS, BASE | {"id": 99, "hash": "x"}) == entry_hash(GENESIS, BASE)
