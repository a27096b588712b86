"""Settings from the environment, read once per command (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from workflow.errors import InputError

MIB = 1024 * 1024


@dataclass(frozen=True)
class NumericSetting:
    """A number read from the environment, with the range it must fall in (both ends allowed)."""

    variable: str
    default: str
    low: Decimal
    high: Decimal
    unit: str

    def read(self, env: Mapping[str, str]) -> Decimal:
        """The value as an exact Decimal, or an InputError naming the variable and its range.

        Decimal rather than float: "1e999" is then a number out of range instead of inf (whose
        int() raised OverflowError), and "nan" or "inf" are refused by name instead of slipping
        through every comparison.
        """
        text = (env.get(self.variable) or "").strip() or self.default
        allowed = f"应为 {self.low} 到 {self.high} 之间的数({self.unit})"
        shown = text if len(text) <= 40 else text[:40] + "…"
        try:
            # A length check first: a number of thousands of digits is no setting anybody meant.
            value = Decimal(text) if len(text) <= 40 else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or not self.low <= value <= self.high:
            raise InputError(f"环境变量 {self.variable} {allowed},收到“{shown}”")
        return value


# The numeric settings, each read through NumericSetting. Above 4 GB a single evidence file is
# no longer a document but a misconfiguration (and the upload forms' body limit grows with it).
MAX_UPLOAD_MB = NumericSetting(
    "ZONECHECK_MAX_UPLOAD_MB", "200", low=Decimal("0.01"), high=Decimal(4096), unit="MB"
)


@dataclass(frozen=True)
class Settings:
    home: Path  # the data folder: SQLite database, catalogs, the evidence store
    db_url: str
    max_upload_bytes: int = 200 * MIB
    user: str | None = None  # who acts when a command is given no --as
    # Session cookies are marked Secure (sent over HTTPS only; browsers also send them to
    # http://127.0.0.1 and localhost). ZONECHECK_COOKIE_SECURE=0 only for plain-HTTP test rigs.
    cookie_secure: bool = True

    @property
    def catalog_dir(self) -> Path:
        return self.home / "catalogs"

    @property
    def evidence_dir(self) -> Path:
        return self.home / "evidence"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = Path(env.get("ZONECHECK_HOME") or "zonecheck-data").expanduser().resolve()
        db_url = env.get("ZONECHECK_DB") or f"sqlite:///{home / 'zonecheck.db'}"
        max_bytes = int(MAX_UPLOAD_MB.read(env) * MIB)
        user = (env.get("ZONECHECK_USER") or "").strip() or None
        secure = (env.get("ZONECHECK_COOKIE_SECURE") or "1").strip().lower() not in ("0", "false", "no")
        return cls(home=home, db_url=db_url, max_upload_bytes=max_bytes, user=user, cookie_secure=secure)

    def is_embedded(self) -> bool:
        return self.db_url.startswith("sqlite")
