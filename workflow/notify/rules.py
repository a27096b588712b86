"""Rules of the outgoing-message record that need no database: statuses, channels, bounds and
when a failed message is tried again."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    DINGTALK = "dingtalk"
    WECOM = "wecom"
    # In-app (站内消息): every active person has it; delivered when the transaction that
    # queues it commits, so the sender never picks it up.
    INAPP = "inapp"


CHANNEL_LABELS = {
    Channel.EMAIL: "电子邮件",
    Channel.DINGTALK: "钉钉工作通知",
    Channel.WECOM: "企业微信",
    Channel.INAPP: "站内消息",
}


class MessageStatus(StrEnum):
    QUEUED = "queued"  # waiting for its first try
    SENDING = "sending"  # claimed by a sender; its outcome is recorded next
    SENT = "sent"
    FAILED = "failed"  # tried, to be tried again at next_attempt_at
    GAVE_UP = "gave_up"  # tried MAX_ATTEMPTS times, or refused for good: the office must look


STATUS_LABELS = {
    MessageStatus.QUEUED: "待发送",
    MessageStatus.SENDING: "发送中",
    MessageStatus.SENT: "已发送",
    MessageStatus.FAILED: "发送失败,待重试",
    MessageStatus.GAVE_UP: "发送失败,已放弃",
}

# Bounds of a message, checked when it is queued (and by the columns).
MAX_SUBJECT = 200
MAX_BODY = 20_000  # a day's digest of a busy unit; DingTalk and WeCom texts are cut shorter
MAX_EVENT_KEY = 200
MAX_EVENT_KIND = 40
MAX_ERROR = 500
MAX_LINK = 200  # the page of the thing a message is about, a path on this site

# Retries: 5 minutes after the first failure, doubling, at most a day apart; after the sixth
# try (about 2.5 hours of trying) the message is given up and shown to the office.
MAX_ATTEMPTS = 6
FIRST_DELAY = dt.timedelta(minutes=5)
MAX_DELAY = dt.timedelta(days=1)
# A claimed message whose outcome was not recorded within this time was interrupted (the
# process died mid-send): longer than any send can take with the channels' timeouts.
CLAIM_LEASE = dt.timedelta(minutes=10)
# At most this many messages a run of the sender; the rest wait for the next run.
MAX_PER_RUN = 1000


def retry_delay(attempts: int, hint: dt.timedelta | None = None) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed try (1-based): exponential backoff, or
    the server's own hint (a rate limit saying when) if that is longer."""
    delay = min(FIRST_DELAY * (1 << min(max(attempts - 1, 0), 20)), MAX_DELAY)
    return max(delay, min(hint, MAX_DELAY)) if hint is not None else delay


def after_failure(
    attempts: int, now: dt.datetime, *, permanent: bool, hint: dt.timedelta | None = None
) -> tuple[MessageStatus, dt.datetime | None]:
    """(status, next attempt) of a message whose `attempts`-th try just failed."""
    if permanent or attempts >= MAX_ATTEMPTS:
        return MessageStatus.GAVE_UP, None
    return MessageStatus.FAILED, now + retry_delay(attempts, hint)


def is_due(status: MessageStatus, next_attempt_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether the sender should try a message now."""
    if status not in (MessageStatus.QUEUED, MessageStatus.FAILED):
        return False
    return next_attempt_at is None or next_attempt_at <= now


def short_error(text: str) -> str:
    """An error as stored: one line, at most MAX_ERROR characters."""
    line = " ".join(text.split())
    return line if len(line) <= MAX_ERROR else line[: MAX_ERROR - 1] + "…"


MAX_EMAIL = 254
MAX_USERID = 64
_USERID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.@")


def address_problem(channel: Channel, value: str) -> str | None:
    """Why `value` cannot be a person's address on `channel` (None: it can). A userid is kept
    to the characters both corp APIs use, since their recipient lists are joined with `,`/`|`."""
    if channel is Channel.EMAIL:
        local, at, domain = value.rpartition("@")
        if len(value) > MAX_EMAIL or not at or not local or len(local) > 64 or "." not in domain:
            return f"电子邮件地址“{value[:60]}”格式不正确(应如 zhangsan@example.gov.cn)"
        if any(c.isspace() or c in ",;<>\"" for c in value) or domain.startswith(".") or domain.endswith("."):
            return f"电子邮件地址“{value[:60]}”含有不允许的字符"
        return None
    label = "钉钉" if channel is Channel.DINGTALK else "企业微信"
    if len(value) > MAX_USERID:
        return f"{label}的用户 ID 过长(不超过 {MAX_USERID} 个字符)"
    if not value or not set(value) <= _USERID_CHARS:
        return f"{label}的用户 ID“{value[:60]}”只能包含字母、数字和 _ - . @"
    return None


def link_problem(link: str) -> str | None:
    """Why `link` cannot be a message's link (None: it can): a path on this site only, so a
    message can never send its reader elsewhere."""
    if not link:
        return None
    if len(link) > MAX_LINK or not link.startswith("/") or link.startswith("//") or "\\" in link:
        return f"消息链接应为本站以 / 开头、不超过 {MAX_LINK} 个字符的地址"
    if any(c.isspace() or ord(c) < 32 for c in link):
        return "消息链接不能含有空白或控制字符"
    return None
