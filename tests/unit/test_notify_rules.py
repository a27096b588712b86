"""The outgoing-message rules without a database: backoff, giving up, when a message is due,
which addresses a channel takes, and texts cut to a corp API's limit."""

from __future__ import annotations

import datetime as dt

import pytest

from workflow.notify.channels import Notice, text_of
from workflow.notify.rules import (
    FIRST_DELAY,
    MAX_ATTEMPTS,
    MAX_DELAY,
    Channel,
    MessageStatus,
    address_problem,
    after_failure,
    is_due,
    retry_delay,
    short_error,
)

NOW = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)


def test_the_wait_doubles_after_each_failure_up_to_a_day() -> None:
    assert [retry_delay(n) for n in (1, 2, 3)] == [FIRST_DELAY, FIRST_DELAY * 2, FIRST_DELAY * 4]
    assert retry_delay(30) == retry_delay(10_000) == MAX_DELAY


def test_a_rate_limit_hint_longer_than_the_backoff_is_waited_but_never_past_a_day() -> None:
    assert retry_delay(1, dt.timedelta(minutes=30)) == dt.timedelta(minutes=30)
    assert retry_delay(3, dt.timedelta(seconds=1)) == FIRST_DELAY * 4
    assert retry_delay(1, dt.timedelta(days=9)) == MAX_DELAY


def test_a_failure_is_retried_until_the_last_attempt_or_given_up_at_once_when_final() -> None:
    assert after_failure(1, NOW, permanent=False) == (MessageStatus.FAILED, NOW + FIRST_DELAY)
    assert after_failure(MAX_ATTEMPTS - 1, NOW, permanent=False)[0] is MessageStatus.FAILED
    assert after_failure(MAX_ATTEMPTS, NOW, permanent=False) == (MessageStatus.GAVE_UP, None)
    assert after_failure(1, NOW, permanent=True) == (MessageStatus.GAVE_UP, None)


def test_only_queued_and_failed_messages_whose_time_has_come_are_due() -> None:
    assert is_due(MessageStatus.QUEUED, None, NOW)
    assert is_due(MessageStatus.FAILED, NOW, NOW)
    assert not is_due(MessageStatus.FAILED, NOW + dt.timedelta(seconds=1), NOW)
    for status in (MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.GAVE_UP):
        assert not is_due(status, None, NOW)


@pytest.mark.parametrize("address", ["zhangsan@jiading.gov.cn", "a.b-c+d@mail.example.cn"])
def test_good_email_addresses_are_taken(address: str) -> None:
    assert address_problem(Channel.EMAIL, address) is None


@pytest.mark.parametrize(
    "address", ["zhangsan", "@jiading.gov.cn", "zhangsan@localhost", "a b@x.cn", "a@x.cn,b@y.cn", "a@.x.cn", "x" * 250 + "@a.cn"]
)
def test_bad_email_addresses_are_refused_with_a_reason(address: str) -> None:
    problem = address_problem(Channel.EMAIL, address)
    assert problem is not None and "电子邮件地址" in problem


def test_userids_keep_to_the_characters_both_corp_apis_use() -> None:
    assert address_problem(Channel.DINGTALK, "manager4220") is None
    assert address_problem(Channel.WECOM, "zhang.san@jd") is None
    assert "企业微信" in (address_problem(Channel.WECOM, "a|b") or "")
    assert "钉钉" in (address_problem(Channel.DINGTALK, "a,b") or "")
    assert "过长" in (address_problem(Channel.DINGTALK, "a" * 65) or "")


def test_a_long_text_is_cut_on_a_character_boundary_and_says_so() -> None:
    notice = Notice("u", "标题", "督办" * 2000)
    text = text_of(notice, 2048)
    assert len(text.encode()) <= 2048
    assert text.startswith("【标题】\n督办") and text.endswith("…(全文请登录系统查看)")
    assert text_of(Notice("u", "标题", "短"), 2048) == "【标题】\n短"


def test_a_stored_error_is_one_bounded_line() -> None:
    assert short_error("第一行\n  第二行") == "第一行 第二行"
    assert len(short_error("错" * 1000)) == 500
