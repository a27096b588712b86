"""The channels the office configured, from the environment (read when the sender runs, never
at import time). A channel that is not configured is simply absent: its messages wait.

* ``ZONECHECK_SMTP=smtp://[user:pass@]host:port`` (``smtps://`` for TLS from the start);
  ``ZONECHECK_SMTP_FROM`` the From address (default ``zonecheck@HOST``).
* ``ZONECHECK_DINGTALK_APPKEY``, ``…_APPSECRET``, ``…_AGENTID`` (and ``…_URL``, default the
  public API) for DingTalk work notices.
* ``ZONECHECK_WECOM_CORPID``, ``…_CORPSECRET``, ``…_AGENTID`` and ``…_URL`` (政务微信's own
  address; default the public WeCom API).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

from workflow.errors import InputError
from workflow.notify import dingtalk, wecom
from workflow.notify.channels import Sender
from workflow.notify.http import make_client
from workflow.notify.rules import Channel, address_problem
from workflow.notify.smtp import SmtpChannel, SmtpSettings

MAX_SETTING = 2000


def _get(env: Mapping[str, str], name: str) -> str:
    value = (env.get(name) or "").strip()
    if len(value) > MAX_SETTING:
        raise InputError(f"环境变量 {name} 过长(不超过 {MAX_SETTING} 个字符)")
    return value


def smtp_settings(env: Mapping[str, str]) -> SmtpSettings | None:
    """ZONECHECK_SMTP parsed, or None when unset; a malformed one is an InputError naming it."""
    raw = _get(env, "ZONECHECK_SMTP")
    if not raw:
        return None
    shape = "应为 smtp://[用户名:密码@]主机:端口 或 smtps://…"
    try:
        url = urlsplit(raw)
        port = url.port
    except ValueError:
        raise InputError(f"环境变量 ZONECHECK_SMTP 端口无效,{shape}") from None
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise InputError(f"环境变量 ZONECHECK_SMTP {shape}")
    tls = url.scheme == "smtps"
    host = url.hostname
    sender = _get(env, "ZONECHECK_SMTP_FROM") or f"zonecheck@{host}"
    if address_problem(Channel.EMAIL, parseaddr(sender)[1]) is not None:
        raise InputError("环境变量 ZONECHECK_SMTP_FROM 应为一个电子邮件地址(可带名称,如 督办 <duban@example.gov.cn>)")
    return SmtpSettings(
        host=host,
        port=port or (465 if tls else 25),
        tls=tls,
        user=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
        sender=sender,
    )


@dataclass(frozen=True)
class AppCredentials:
    key: str
    secret: str
    agent_id: int
    base_url: str


def _app(env: Mapping[str, str], prefix: str, key: str, secret: str, default_url: str) -> AppCredentials | None:
    names = [f"{prefix}_{key}", f"{prefix}_{secret}", f"{prefix}_AGENTID"]
    values = [_get(env, n) for n in names]
    if not any(values):
        return None
    missing = [n for n, v in zip(names, values, strict=True) if not v]
    if missing:
        raise InputError(f"环境变量 {'、'.join(missing)} 未设置({names[0]} 等须一并设置)")
    if not values[2].isdigit() or len(values[2]) > 18:
        raise InputError(f"环境变量 {names[2]} 应为应用的 AgentId(数字)")
    base = _get(env, f"{prefix}_URL") or default_url
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"环境变量 {prefix}_URL 应为 http(s):// 开头的接口地址")
    return AppCredentials(values[0], values[1], int(values[2]), base)


def configured_senders(env: Mapping[str, str]) -> dict[Channel, Sender]:
    """One sender per configured channel; the caller closes them."""
    senders: dict[Channel, Sender] = {}
    if (smtp := smtp_settings(env)) is not None:
        senders[Channel.EMAIL] = SmtpChannel(smtp)
    if (ding := _app(env, "ZONECHECK_DINGTALK", "APPKEY", "APPSECRET", dingtalk.DEFAULT_BASE_URL)) is not None:
        senders[Channel.DINGTALK] = dingtalk.DingTalkChannel(
            make_client(), appkey=ding.key, appsecret=ding.secret, agent_id=ding.agent_id, base_url=ding.base_url
        )
    if (wc := _app(env, "ZONECHECK_WECOM", "CORPID", "CORPSECRET", wecom.DEFAULT_BASE_URL)) is not None:
        senders[Channel.WECOM] = wecom.WeComChannel(
            make_client(), corpid=wc.key, corpsecret=wc.secret, agent_id=wc.agent_id, base_url=wc.base_url
        )
    return senders
