"""Settings from the environment, read once per command (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from workflow.errors import InputError


@dataclass(frozen=True)
class Settings:
    home: Path  # the data folder: SQLite database, catalogs, the evidence store
    db_url: str
    max_upload_bytes: int = 200 * 1024 * 1024
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
        limit = env.get("ZONECHECK_MAX_UPLOAD_MB") or "200"
        try:
            max_bytes = int(float(limit) * 1024 * 1024)
        except ValueError:
            raise InputError(f"环境变量 ZONECHECK_MAX_UPLOAD_MB 应为数字(MB),收到“{limit}”") from None
        if max_bytes <= 0:
            raise InputError(f"环境变量 ZONECHECK_MAX_UPLOAD_MB 应大于 0,收到“{limit}”")
        user = (env.get("ZONECHECK_USER") or "").strip() or None
        secure = (env.get("ZONECHECK_COOKIE_SECURE") or "1").strip().lower() not in ("0", "false", "no")
        return cls(home=home, db_url=db_url, max_upload_bytes=max_bytes, user=user, cookie_secure=secure)

    def is_embedded(self) -> bool:
        return self.db_url.startswith("sqlite")
