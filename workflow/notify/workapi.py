"""What the DingTalk and WeCom channels share: an access token fetched with the app's
credentials and kept until shortly before it expires, fetched again once when the API says it
has expired, and the API's error codes sorted into sent / try again later / give up."""

from __future__ import annotations

import datetime as dt
import time
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import httpx2

from workflow.notify.channels import Notice, SendFailed
from workflow.notify.http import errcode, errmsg
from workflow.notify.rules import CHANNEL_LABELS, Channel

# Tokens live 7,200 s on both APIs; one is fetched again a little before that so a send never
# goes out with a token about to lapse.
TOKEN_MARGIN_S = 300
# How long to wait after a rate-limit answer when the API gives no hint: both APIs count per
# minute and per day, so a few minutes is the shortest wait likely to help.
RATE_LIMIT_WAIT = dt.timedelta(minutes=10)


class WorkApiChannel(ABC):
    """A channel over a corp app's HTTP API (token, then send)."""

    channel: ClassVar[Channel]
    expired_codes: ClassVar[frozenset[int]]  # the token has expired or is not valid
    rate_limit_codes: ClassVar[frozenset[int]]  # too many calls: try later
    permanent_codes: ClassVar[frozenset[int]]  # the recipient or the message is refused
    base_url: str

    def __init__(self, client: httpx2.Client, base_url: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self._token: str | None = None
        self._token_until = 0.0

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self.channel]

    @abstractmethod
    def fetch_token(self) -> dict[str, Any]:
        """The API's answer to a token request."""

    @abstractmethod
    def post_message(self, token: str, notice: Notice) -> dict[str, Any]:
        """The API's answer to sending `notice`."""

    def check_delivered(self, answer: dict[str, Any], notice: Notice) -> None:
        """Raise SendFailed when an answer with errcode 0 still did not reach the person."""
        return None  # DingTalk's errcode 0 is the whole answer; WeCom lists invalid users

    def token(self) -> str:
        if self._token is None or time.monotonic() >= self._token_until:
            answer = self.fetch_token()
            code = errcode(answer)
            token = answer.get("access_token")
            if code != 0 or not isinstance(token, str) or not token:
                self.raise_for(code, answer, f"{self.label}获取 access_token")
            expires = answer.get("expires_in")
            lifetime = expires if isinstance(expires, int) and expires > 0 else 7200
            self._token = str(token)
            self._token_until = time.monotonic() + max(lifetime - TOKEN_MARGIN_S, 0)
        assert self._token is not None
        return self._token

    def send(self, notice: Notice) -> None:
        answer = self.post_message(self.token(), notice)
        if errcode(answer) in self.expired_codes:
            # Expired before its time (revoked, or another server fetched a new one): once more
            # with a fresh token; a second expiry is the API's problem, retried later.
            self._token = None
            answer = self.post_message(self.token(), notice)
        code = errcode(answer)
        if code != 0:
            self.raise_for(code, answer, f"{self.label}发送")
        self.check_delivered(answer, notice)

    def raise_for(self, code: int, answer: dict[str, Any], what: str) -> None:
        message = f"{what}失败:errcode {code} {errmsg(answer)}".rstrip()
        if code in self.rate_limit_codes:
            raise SendFailed(message + "(调用频率超限,稍后重试)", retry_after=RATE_LIMIT_WAIT)
        raise SendFailed(message, permanent=code in self.permanent_codes)

    def close(self) -> None:
        self.client.close()
