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


# Signing issued PDFs (reports/signing.py). The files are read, and checked against these
# bounds, only when a report is signed or verified: a mistake here never stops other commands.
SIGN_P12_MAX_BYTES = 1 * MIB  # a PKCS#12 of a key and a chain is a few KB
SIGN_PASSWORD_MAX_CHARS = 1024
SIGN_TRUST_MAX_BYTES = 1 * MIB
SIGN_TRUST_MAX_CERTS = 100
SIGN_TSA_MAX_CHARS = 2000


@dataclass(frozen=True)
class SignConfig:
    """Where the office's certificate, its password and the trusted roots are, as configured.

    ZONECHECK_SIGN_P12 (a PKCS#12 file of the office's key and certificate, at most 1 MB) turns
    signing on; its password is ZONECHECK_SIGN_P12_PASSWORD or the first line of the file
    ZONECHECK_SIGN_P12_PASSWORD_FILE (at most 1,024 characters; not both). ZONECHECK_SIGN_TRUST
    is a PEM or DER file of the certificates `report verify` trusts (at most 1 MB, 100
    certificates). ZONECHECK_SIGN_TSA, optional, is the URL of a timestamp server on the
    office's own network (PAdES B-T); without it signatures are B-B and need no network.
    """

    p12: Path | None = None
    password: str | None = None
    password_file: Path | None = None
    trust: Path | None = None
    tsa_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SignConfig:
        def path(variable: str) -> Path | None:
            text = (env.get(variable) or "").strip()
            return Path(text).expanduser() if text else None

        return cls(
            p12=path("ZONECHECK_SIGN_P12"),
            password=env.get("ZONECHECK_SIGN_P12_PASSWORD") or None,
            password_file=path("ZONECHECK_SIGN_P12_PASSWORD_FILE"),
            trust=path("ZONECHECK_SIGN_TRUST"),
            tsa_url=(env.get("ZONECHECK_SIGN_TSA") or "").strip() or None,
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
    signing: SignConfig = SignConfig()

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
        return cls(
            home=home, db_url=db_url, max_upload_bytes=max_bytes, user=user, cookie_secure=secure,
            signing=SignConfig.from_env(env),
        )

    def is_embedded(self) -> bool:
        return self.db_url.startswith("sqlite")
