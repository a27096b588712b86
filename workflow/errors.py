"""Domain errors. Each message is a complete Chinese sentence a user can act on.

A message says what is wrong in words every front end can show; it names no command-line
option or command. Each error also carries a `code` (what kind of refusal or problem) and
`params` (the objects it is about), from which the CLI adds its own hint ("请先运行 zonecheck
start 003/5") and the pages and the API theirs, or none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ZonecheckError(Exception):
    """Base of every error the CLI turns into a one-line message and a non-zero exit."""

    exit_code = 1
    code = "error"  # the class's default; an instance may name its case more precisely

    def __init__(
        self, message: str, *, code: str | None = None, params: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.params: dict[str, Any] = dict(params or {})


class InputError(ZonecheckError):
    """Bad input: a missing or unreadable file, a document that is not a plan, a broken catalog."""

    exit_code = 2
    code = "inputerror"


class NotFound(ZonecheckError):
    code = "notfound"


class Hidden(NotFound):
    """An object of another zone: the person is told exactly what a missing object would say
    (whether it exists is not theirs to learn), code and params included, while the audit
    trail records `reason`."""

    def __init__(
        self,
        public_message: str,
        reason: str,
        *,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(public_message, code=code, params=params)
        self.reason = reason

    @classmethod
    def like(cls, missing: NotFound, reason: str) -> Hidden:
        """Worded, coded and parametrised exactly as `missing`, the answer for no such object."""
        return cls(str(missing), reason, code=missing.code, params=missing.params)


class DatabaseError(ZonecheckError):
    exit_code = 3
    code = "databaseerror"

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

    code = "refused"


class Conflict(ZonecheckError):
    """Someone else changed the same measure first; nothing was done, try again."""

    code = "conflict"
