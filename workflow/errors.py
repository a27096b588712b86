"""Domain errors. Each message is a complete Chinese sentence a user can act on."""

from __future__ import annotations

from typing import Any


class ZonecheckError(Exception):
    """Base of every error the CLI turns into a one-line message and a non-zero exit."""

    exit_code = 1


class InputError(ZonecheckError):
    """Bad input: a missing or unreadable file, a document that is not a plan, a broken catalog."""

    exit_code = 2


class NotFound(ZonecheckError):
    pass


class Hidden(NotFound):
    """An object of another zone: the person is told exactly what a missing object would say
    (whether it exists is not theirs to learn), while the audit trail records `reason`."""

    def __init__(self, public_message: str, reason: str) -> None:
        super().__init__(public_message)
        self.reason = reason


class DatabaseError(ZonecheckError):
    exit_code = 3

    @classmethod
    def unreachable(cls, url: Any, exc: Exception) -> DatabaseError:
        safe = url.render_as_string(hide_password=True) if hasattr(url, "render_as_string") else url
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return cls(f"无法连接数据库 {safe}:{reason}")

    @classmethod
    def not_migrated(cls, current: str | None, head: str | None) -> DatabaseError:
        if current is None:
            return cls("数据库尚未初始化,请先运行:zonecheck db upgrade")
        return cls(f"数据库结构版本 {current} 不是最新版本 {head},请先运行:zonecheck db upgrade")


class Refused(ZonecheckError):
    """An action the rules forbid: wrong state, wrong unit, missing evidence. Audited, exit 1."""


class Conflict(ZonecheckError):
    """Someone else changed the same measure first; nothing was done, try again."""
