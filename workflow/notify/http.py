"""JSON over HTTP for the DingTalk and WeCom channels: one client with timeouts, answers read
up to a bound, every failure turned into SendFailed."""

from __future__ import annotations

import json
from typing import Any

import httpx2

from workflow.notify.channels import SendFailed

# Both APIs answer a token or a send with a few hundred bytes of JSON; anything much larger is
# not their answer (a proxy's error page, a misconfigured base URL) and is not read whole.
MAX_ANSWER_BYTES = 64 * 1024
TIMEOUT = httpx2.Timeout(10.0, connect=5.0)


def make_client(*, verify: bool | str = True) -> httpx2.Client:
    """A client for one channel. No redirects: a token endpoint that redirects is misconfigured,
    and following it would send the secret elsewhere."""
    return httpx2.Client(timeout=TIMEOUT, follow_redirects=False, verify=verify)


def call_json(
    client: httpx2.Client,
    method: str,
    url: str,
    *,
    what: str,
    params: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON object `url` answers, or SendFailed (transient: the network, a timeout, a 5xx
    or an answer that is not the API's)."""
    try:
        with client.stream(method, url, params=params, json=body) as response:
            if response.status_code >= 400:
                permanent = 400 <= response.status_code < 500 and response.status_code != 429
                raise SendFailed(f"{what}:服务器返回 HTTP {response.status_code}", permanent=permanent)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise SendFailed(f"{what}:服务器的应答超过 {MAX_ANSWER_BYTES // 1024} KB,不是接口的应答")
                chunks.append(chunk)
    except httpx2.TimeoutException:
        raise SendFailed(f"{what}:连接或应答超时") from None
    except httpx2.HTTPError as exc:
        raise SendFailed(f"{what}:{type(exc).__name__} {exc}") from None
    try:
        answer = json.loads(b"".join(chunks))
    except (ValueError, UnicodeDecodeError):
        raise SendFailed(f"{what}:服务器的应答不是 JSON") from None
    if not isinstance(answer, dict):
        raise SendFailed(f"{what}:服务器的应答不是 JSON 对象")
    return answer


def errcode(answer: dict[str, Any]) -> int:
    """Both APIs put 0 in `errcode` for success; a missing or odd one counts as an error."""
    code = answer.get("errcode", -1)
    return code if isinstance(code, int) else -1


def errmsg(answer: dict[str, Any]) -> str:
    return str(answer.get("errmsg", ""))[:200]
