"""The notification channels against real servers on loopback: mail received by an aiosmtpd
server decodes as the Chinese sent; a refusing, a closed and a silent mail server each fail
the send (for good, or to be tried again); DingTalk's and WeCom's token and send APIs, with
an expired token (fetched again once), a rate limit (later), an unknown user (given up) and
an oversized answer (not read whole)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.notify_servers import (
    CorpApi,
    MailCatcher,
    corp_api_server,
    free_port,
    loopback_cert,
    silent_server,
    smtp_server,
)
from workflow.notify.channels import Notice, SendFailed
from workflow.notify.config import configured_senders, smtp_settings
from workflow.notify.dingtalk import DingTalkChannel
from workflow.notify.http import call_json, make_client
from workflow.notify.rules import Channel
from workflow.notify.smtp import SmtpChannel
from workflow.notify.wecom import WeComChannel

SUBJECT = "【督办提醒】措施 003/5 将于 3 日后到期"
BODY = "区市场监管局:\n“建立知识产权纠纷快速处理机制”将于 2024-04-30 到期,请及时提交佐证材料。\n——嘉定区知识产权局"


def smtp_channel(port: int, **env: str) -> SmtpChannel:
    settings = smtp_settings({"ZONECHECK_SMTP": f"smtp://127.0.0.1:{port}", **env})
    assert settings is not None
    return SmtpChannel(settings, timeout=1.0)


def test_a_mail_reaches_the_smtp_server_with_its_chinese_subject_and_body() -> None:
    catcher = MailCatcher()
    with smtp_server(catcher) as port:
        channel = smtp_channel(port, ZONECHECK_SMTP_FROM="督办 <dubanban@jiading.gov.cn>")
        channel.send(Notice("zhangsan@jiading.gov.cn", SUBJECT, BODY))
        channel.send(Notice("lisi@jiading.gov.cn", "第二封", "正文二"))
        channel.close()
    first, second = catcher.received
    assert first["Subject"] == SUBJECT
    assert first["To"] == "zhangsan@jiading.gov.cn"
    assert first.get_content().rstrip("\n") == BODY
    assert first.get_content_charset() == "utf-8"
    assert catcher.recipients == [["zhangsan@jiading.gov.cn"], ["lisi@jiading.gov.cn"]]
    assert second["Subject"] == "第二封"
    # The raw header is RFC 2047-encoded: the Chinese survives mail servers that only speak ASCII.
    assert SUBJECT not in first.as_bytes().decode("ascii", errors="replace").split("\n\n")[0]


@pytest.mark.parametrize("scheme", ["smtps", "smtp"])
def test_mail_goes_over_tls_from_the_start_or_after_starttls(scheme: str, tmp_path: Path) -> None:
    cert = loopback_cert(tmp_path)
    catcher = MailCatcher()
    tls = {"ssl_context": cert.server} if scheme == "smtps" else {"tls_context": cert.server, "require_starttls": True}
    with smtp_server(catcher, **tls) as port:
        settings = smtp_settings({"ZONECHECK_SMTP": f"{scheme}://duban:secret@127.0.0.1:{port}"})
        assert settings is not None
        channel = SmtpChannel(settings, context=cert.client(), timeout=2.0)
        # aiosmtpd offers no AUTH here: a login the server cannot take is tried again later.
        with pytest.raises(SendFailed) as caught:
            channel.send(Notice("zhangsan@jiading.gov.cn", SUBJECT, BODY))
        assert not caught.value.permanent
        anonymous = smtp_settings({"ZONECHECK_SMTP": f"{scheme}://127.0.0.1:{port}"})
        assert anonymous is not None
        trusted = SmtpChannel(anonymous, context=cert.client(), timeout=2.0)
        trusted.send(Notice("zhangsan@jiading.gov.cn", SUBJECT, BODY))
        trusted.close()
        untrusted = SmtpChannel(anonymous, timeout=2.0)  # the system's roots: the self-signed cert is refused
        with pytest.raises(SendFailed):
            untrusted.send(Notice("zhangsan@jiading.gov.cn", SUBJECT, BODY))
    [mail] = catcher.received
    assert mail["Subject"] == SUBJECT


def test_a_mail_server_refusing_the_address_fails_the_send_for_good() -> None:
    with smtp_server(MailCatcher(refuse_rcpt="550 5.1.1 用户不存在")) as port, pytest.raises(SendFailed) as caught:
        smtp_channel(port).send(Notice("nobody@jiading.gov.cn", SUBJECT, BODY))
    assert caught.value.permanent
    assert "nobody@jiading.gov.cn" in str(caught.value)


def test_a_mail_server_deferring_the_address_fails_the_send_until_later() -> None:
    with smtp_server(MailCatcher(refuse_rcpt="451 4.7.1 请稍后再试")) as port, pytest.raises(SendFailed) as caught:
        smtp_channel(port).send(Notice("zhangsan@jiading.gov.cn", SUBJECT, BODY))
    assert not caught.value.permanent


def test_a_closed_port_and_a_silent_server_fail_the_send_until_later_within_the_timeout() -> None:
    with pytest.raises(SendFailed) as closed:
        smtp_channel(free_port()).send(Notice("zhangsan@jiading.gov.cn", SUBJECT, BODY))
    assert not closed.value.permanent
    with silent_server() as port:
        started = time.monotonic()
        with pytest.raises(SendFailed) as silent:
            smtp_channel(port).send(Notice("zhangsan@jiading.gov.cn", SUBJECT, BODY))
        waited = time.monotonic() - started
    assert not silent.value.permanent
    assert "超时" in str(silent.value)
    assert waited < 5  # the 1 s timeout, not a hang


def test_smtp_settings_are_read_from_the_url_and_a_bad_one_names_the_variable() -> None:
    settings = smtp_settings({"ZONECHECK_SMTP": "smtps://du%40ban:p%3Ass@mail.jiading.gov.cn"})
    assert settings is not None
    assert (settings.host, settings.port, settings.tls) == ("mail.jiading.gov.cn", 465, True)
    assert (settings.user, settings.password) == ("du@ban", "p:ss")
    assert settings.sender == "zonecheck@mail.jiading.gov.cn"
    assert smtp_settings({}) is None
    for bad in ("http://mail:25", "smtp://", "smtp://mail:99999", "smtp://mail:x"):
        with pytest.raises(Exception, match="ZONECHECK_SMTP"):
            smtp_settings({"ZONECHECK_SMTP": bad})


def dingtalk(base: str, api: CorpApi) -> DingTalkChannel:
    return DingTalkChannel(make_client(), appkey=api.key, appsecret=api.secret, agent_id=2887, base_url=base)


def wecom(base: str, api: CorpApi) -> WeComChannel:
    return WeComChannel(make_client(), corpid=api.key, corpsecret=api.secret, agent_id=1000002, base_url=base)


def test_a_dingtalk_work_notice_is_sent_with_one_token_for_many_notices() -> None:
    api = CorpApi("dingkey", "dingsecret")
    with corp_api_server(api) as base:
        channel = dingtalk(base, api)
        channel.send(Notice("zhangsan01", SUBJECT, BODY))
        channel.send(Notice("lisi02", "第二条", "正文"))
        channel.close()
    assert api.token_count == 1
    first, second = api.accepted
    assert first["agent_id"] == 2887
    assert first["userid_list"] == "zhangsan01"
    assert first["msg"] == {"msgtype": "text", "text": {"content": f"【{SUBJECT}】\n{BODY}"}}
    assert second["userid_list"] == "lisi02"


@pytest.mark.parametrize("kind", ["dingtalk", "wecom"])
def test_an_expired_token_is_fetched_again_once_and_the_notice_goes_out(kind: str) -> None:
    api = CorpApi("key", "secret")
    with corp_api_server(api) as base:
        channel = dingtalk(base, api) if kind == "dingtalk" else wecom(base, api)
        channel.send(Notice("zhangsan01", SUBJECT, BODY))
        api.expire_token()  # revoked on the server: the channel's cached token now answers 42001
        channel.send(Notice("zhangsan01", "第二条", "正文"))
    assert api.token_count == 2
    assert len(api.accepted) == 2


@pytest.mark.parametrize(("kind", "code"), [("dingtalk", 90018), ("wecom", 45009)])
def test_a_rate_limit_answer_fails_the_send_until_later(kind: str, code: int) -> None:
    api = CorpApi("key", "secret", script=[code])
    with corp_api_server(api) as base:
        channel = dingtalk(base, api) if kind == "dingtalk" else wecom(base, api)
        with pytest.raises(SendFailed) as caught:
            channel.send(Notice("zhangsan01", SUBJECT, BODY))
        channel.send(Notice("zhangsan01", SUBJECT, BODY))  # the limit has passed
    assert not caught.value.permanent
    assert caught.value.retry_after is not None
    assert str(code) in str(caught.value)
    assert len(api.accepted) == 1


def test_a_wecom_message_to_a_user_the_corp_does_not_know_is_given_up() -> None:
    api = CorpApi("corpid", "corpsecret", invalid_users={"ghost"})
    with corp_api_server(api) as base:
        channel = wecom(base, api)
        with pytest.raises(SendFailed) as caught:
            channel.send(Notice("ghost", SUBJECT, BODY))
        channel.send(Notice("zhangsan", SUBJECT, BODY))
    assert caught.value.permanent
    [sent] = api.accepted
    assert (sent["touser"], sent["agentid"], sent["msgtype"]) == ("zhangsan", 1000002, "text")


def test_wrong_credentials_and_a_long_text_are_handled() -> None:
    api = CorpApi("corpid", "corpsecret")
    with corp_api_server(api) as base:
        wrong = WeComChannel(make_client(), corpid="corpid", corpsecret="nope", agent_id=1, base_url=base)
        with pytest.raises(SendFailed, match="40001"):
            wrong.send(Notice("zhangsan", SUBJECT, BODY))
        wecom(base, api).send(Notice("zhangsan", SUBJECT, "很长的正文。" * 1000))
    content = api.accepted[0]["text"]["content"]
    assert len(content.encode()) <= 2048
    assert content.endswith("…(全文请登录系统查看)")


def test_an_oversized_answer_is_not_read_whole_and_fails_until_later() -> None:
    api = CorpApi("key", "secret")
    with corp_api_server(api) as base, make_client() as client, pytest.raises(SendFailed, match="64 KB") as caught:
        call_json(client, "GET", f"{base}/huge", what="测试")
    assert not caught.value.permanent


def test_the_configured_channels_come_from_the_environment_and_a_partial_one_names_what_is_missing() -> None:
    senders = configured_senders({
        "ZONECHECK_SMTP": "smtp://127.0.0.1:2525",
        "ZONECHECK_WECOM_CORPID": "ww1", "ZONECHECK_WECOM_CORPSECRET": "s", "ZONECHECK_WECOM_AGENTID": "1000002",
        "ZONECHECK_WECOM_URL": "https://zwwx.example.gov.cn/",
    })
    try:
        assert set(senders) == {Channel.EMAIL, Channel.WECOM}
        channel = senders[Channel.WECOM]
        assert isinstance(channel, WeComChannel)
        assert channel.base_url == "https://zwwx.example.gov.cn"
    finally:
        for sender in senders.values():
            sender.close()
    with pytest.raises(Exception, match="ZONECHECK_DINGTALK_APPSECRET"):
        configured_senders({"ZONECHECK_DINGTALK_APPKEY": "k", "ZONECHECK_DINGTALK_AGENTID": "1"})
    with pytest.raises(Exception, match="ZONECHECK_WECOM_AGENTID"):
        configured_senders({"ZONECHECK_WECOM_CORPID": "c", "ZONECHECK_WECOM_CORPSECRET": "s", "ZONECHECK_WECOM_AGENTID": "x"})
