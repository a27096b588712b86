"""The one interface every channel has, and how a channel says a send failed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from workflow.notify.rules import Channel


@dataclass(frozen=True)
class Notice:
    """What a channel sends: to one address (an e-mail address or a userid), a subject and a
    body in Chinese."""

    address: str
    subject: str
    body: str


class SendFailed(Exception):
    """A send did not go through. `permanent`: trying again cannot help (the address is
    refused); otherwise the message is tried again later, after `retry_after` if the server
    said how long (a rate limit)."""

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: dt.timedelta | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Sender(Protocol):
    """A configured channel: sends one notice or raises SendFailed. Never blocks longer than
    its timeouts (each network call has one)."""

    @property
    def channel(self) -> Channel: ...

    def send(self, notice: Notice) -> None: ...

    def close(self) -> None: ...


def text_of(notice: Notice, max_bytes: int) -> str:
    """Subject and body as one text message of at most `max_bytes` UTF-8 bytes (DingTalk and
    WeCom cut or refuse longer texts); a cut text says the rest is in the system."""
    text = f"【{notice.subject}】\n{notice.body}"
    if len(text.encode()) <= max_bytes:
        return text
    tail = "…(全文请登录系统查看)"
    room = max_bytes - len(tail.encode())
    return text.encode()[:room].decode(errors="ignore") + tail
