"""WeCom (企业微信) and 政务微信 app messages. 政务微信 is WeCom hosted by the government on
its own network: the same API under another base URL, hence the setting.

Documented shapes (developer.work.weixin.qq.com, "获取access_token" and "发送应用消息"):

* ``GET {base}/cgi-bin/gettoken?corpid=ID&corpsecret=SECRET`` →
  ``{"errcode": 0, "errmsg": "ok", "access_token": "…", "expires_in": 7200}``
* ``POST {base}/cgi-bin/message/send?access_token=TOKEN`` with
  ``{"touser": "u1|u2", "msgtype": "text", "agentid": 1000002, "text": {"content": "…"}}`` →
  ``{"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": "…"}``; a recipient the
  corp does not know comes back in ``invaliduser`` with errcode 0.
"""

from __future__ import annotations

from typing import Any

import httpx2

from workflow.notify.channels import Notice, SendFailed, text_of
from workflow.notify.http import call_json
from workflow.notify.rules import Channel
from workflow.notify.workapi import WorkApiChannel

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com"
# "text.content: 最长不超过2048个字节"
MAX_TEXT_BYTES = 2048


class WeComChannel(WorkApiChannel):
    channel = Channel.WECOM
    # 40014 invalid access_token, 42001 access_token expired.
    expired_codes = frozenset({40014, 42001})
    # 45009 API frequency limit; 45033 too many concurrent calls; -1 system busy.
    rate_limit_codes = frozenset({45009, 45033, -1})
    # 81013 every recipient invalid; 40003 invalid userid; 60111 userid not found.
    permanent_codes = frozenset({81013, 40003, 60111})

    def __init__(
        self, client: httpx2.Client, *, corpid: str, corpsecret: str, agent_id: int,
        base_url: str = DEFAULT_BASE_URL,
    ) -> None:
        super().__init__(client, base_url)
        self.corpid = corpid
        self.corpsecret = corpsecret
        self.agent_id = agent_id

    def fetch_token(self) -> dict[str, Any]:
        return call_json(
            self.client, "GET", f"{self.base_url}/cgi-bin/gettoken", what="企业微信获取 access_token",
            params={"corpid": self.corpid, "corpsecret": self.corpsecret},
        )

    def post_message(self, token: str, notice: Notice) -> dict[str, Any]:
        body = {
            "touser": notice.address,
            "msgtype": "text",
            "agentid": self.agent_id,
            "text": {"content": text_of(notice, MAX_TEXT_BYTES)},
        }
        return call_json(
            self.client, "POST", f"{self.base_url}/cgi-bin/message/send",
            what="企业微信发送应用消息", params={"access_token": token}, body=body,
        )

    def check_delivered(self, answer: dict[str, Any], notice: Notice) -> None:
        invalid = str(answer.get("invaliduser") or "")
        if notice.address in invalid.split("|"):
            raise SendFailed(f"企业微信不认识用户 {notice.address}(invaliduser)", permanent=True)
