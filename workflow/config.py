"""Settings from the environment, read once per command (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path  # the data folder: SQLite database, catalogs, later the evidence store
    db_url: str

    @property
    def catalog_dir(self) -> Path:
        return self.home / "catalogs"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = Path(env.get("ZONECHECK_HOME") or "zonecheck-data").expanduser().resolve()
        db_url = env.get("ZONECHECK_DB") or f"sqlite:///{home / 'zonecheck.db'}"
        return cls(home=home, db_url=db_url)

    def is_embedded(self) -> bool:
        return self.db_url.startswith("sqlite")
