"""DingTalk (钉钉) work notices (工作通知) of a corp internal app (企业内部应用).

Documented shapes (open.dingtalk.com, 服务端 API, "获取企业内部应用的 access_token" and
"发送工作通知"; e.g. the constants of zhaoyunxing92/dingtalk `global/const.go`):

* ``GET {base}/gettoken?appkey=KEY&appsecret=SECRET`` →
  ``{"errcode": 0, "errmsg": "ok", "access_token": "…", "expires_in": 7200}``
* ``POST {base}/topapi/message/corpconversation/asyncsend_v2?access_token=TOKEN`` with
  ``{"agent_id": 123, "userid_list": "u1,u2", "msg": {"msgtype": "text", "text": {"content": "…"}}}``
  → ``{"errcode": 0, "errmsg": "ok", "task_id": 256271667526, "request_id": "…"}``

"async" means DingTalk accepted the notice for delivery; errcode 0 is recorded as sent.
"""

from __future__ import annotations

from typing import Any

import httpx2

from workflow.notify.channels import Notice, text_of
from workflow.notify.http import call_json
from workflow.notify.rules import Channel
from workflow.notify.workapi import WorkApiChannel

DEFAULT_BASE_URL = "https://oapi.dingtalk.com"
# A work notice's text is cut to this (the API refuses longer contents).
MAX_TEXT_BYTES = 2048


class DingTalkChannel(WorkApiChannel):
    channel = Channel.DINGTALK
    # 40014 invalid access_token, 42001 access_token expired.
    expired_codes = frozenset({40014, 42001})
    # 90018 (the app's calls per second) and the other 900xx frequency limits; -1 system busy.
    rate_limit_codes = frozenset({90002, 90005, 90006, 90018, -1})
    # 33012 no such userid; 40035 bad parameter (the recipient or the content).
    permanent_codes = frozenset({33012, 40035})

    def __init__(
        self, client: httpx2.Client, *, appkey: str, appsecret: str, agent_id: int,
        base_url: str = DEFAULT_BASE_URL,
    ) -> None:
        super().__init__(client, base_url)
        self.appkey = appkey
        self.appsecret = appsecret
        self.agent_id = agent_id

    def fetch_token(self) -> dict[str, Any]:
        return call_json(
            self.client, "GET", f"{self.base_url}/gettoken", what="钉钉获取 access_token",
            params={"appkey": self.appkey, "appsecret": self.appsecret},
        )

    def post_message(self, token: str, notice: Notice) -> dict[str, Any]:
        body = {
            "agent_id": self.agent_id,
            "userid_list": notice.address,
            "msg": {"msgtype": "text", "text": {"content": text_of(notice, MAX_TEXT_BYTES)}},
        }
        return call_json(
            self.client, "POST", f"{self.base_url}/topapi/message/corpconversation/asyncsend_v2",
            what="钉钉发送工作通知", params={"access_token": token}, body=body,
        )
