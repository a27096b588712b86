"""Wiring: settings → engine → unit-of-work factory. Called by the CLI per invocation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from workflow.config import Settings
from workflow.db import UnitOfWork, make_engine, schema_status
from workflow.errors import DatabaseError
from workflow.evidence import EvidenceStore


@dataclass
class App:
    settings: Settings
    engine: Engine
    uow: Callable[[], UnitOfWork]

    @property
    def store(self) -> EvidenceStore:
        return EvidenceStore(self.settings.evidence_dir, max_bytes=self.settings.max_upload_bytes)

    def require_current_schema(self) -> None:
        current, head = schema_status(self.engine)
        if current != head:
            raise DatabaseError.not_migrated(current, head)

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None) -> App:
    settings = settings or Settings.from_env()
    engine = make_engine(settings.db_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    return App(settings=settings, engine=engine, uow=lambda: UnitOfWork(factory))
