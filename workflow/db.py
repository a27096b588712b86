"""Engine, sessions and the unit of work: the one place that talks to the database."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

import migrations
from workflow.errors import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

SUPPORTED = "支持 sqlite:///路径 与 postgresql+psycopg://用户:密码@主机/库名"


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        if parsed.get_backend_name() != "postgresql":
            raise DatabaseError(f"不支持的数据库地址 {_safe(url)};{SUPPORTED}")
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise DatabaseError(f"无法使用数据库地址 {_safe(url)}:{exc};{SUPPORTED}") from None


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def sqlite_path(engine: Engine) -> Path | None:
    """The file of an SQLite database (None for other backends and in-memory databases)."""
    database = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


def prepare_sqlite_folder(engine: Engine) -> None:
    """Create the folder of the SQLite file (the data folder) before the database is created."""
    path = sqlite_path(engine)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"无法创建数据目录 {path.parent}:{exc.strerror}") from None


def alembic_config(url: str) -> Config:
    """Alembic configured from the installed package, so it works from any folder."""
    from alembic.config import Config  # only migrations need Alembic: keep start-up light

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def schema_status(engine: Engine) -> tuple[str | None, str | None]:
    """(current revision, head revision) of the database."""
    head = migrations.HEAD
    path = sqlite_path(engine)
    if path is not None and not path.exists():
        return None, head  # not created yet; connecting would create an empty file
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None, head
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError as exc:
        raise DatabaseError.unreachable(engine.url, exc) from None
    return current, head


class UnitOfWork:
    """One transaction per command: rolls back unless the service calls `commit()`."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
