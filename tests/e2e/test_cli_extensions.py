"""`zonecheck extension …` and `zonecheck appeal …`: request, decide, withdraw, list (JSON);
file, answer, list; refusals exit 1 with one line and a hint, usage errors exit 2."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from checklists.kinds import DeadlineKind
from tests.e2e.cli_support import jiading_cli_app, run
from tests.integration.workflow_helpers import (
    JIADING,
    MARKET,
    REVIEWER_A,
    measure_id,
    pdf_bytes,
    write_file,
)
from workflow.models import Measure

M10 = f"{JIADING}/10"


@pytest.fixture
def jiading(db_url: str, tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    app = jiading_cli_app(db_url, tmp_path / "home", seeds_dir, monkeypatch)
    with app.uow() as uow:  # a one-off deadline, as the office's catalog edit would give it
        uow.session.execute(
            update(Measure).where(Measure.id == measure_id(app, JIADING, "10"))
            .values(deadline_kind=DeadlineKind.FIXED, due_on=dt.date(2024, 3, 31))
        )  # fmt: skip
        uow.commit()
    app.close()
    yield tmp_path


def listed(kind: str, who: str = REVIEWER_A) -> list[dict[str, object]]:
    done = run("--as", who, kind, "list", "003", "--json")
    assert done.exit_code == 0, done.output
    return json.loads(done.output)  # type: ignore[no-any-return]


def test_a_unit_requests_the_office_approves_an_earlier_date_and_the_list_shows_both(jiading: Path) -> None:
    asked = run("--as", MARKET, "extension", "request", M10, "--to", "2024-04-30", "--reason", "统计数据4月发布",
                "--today", "2024-03-01")  # fmt: skip
    assert asked.exit_code == 0, asked.output
    assert "由 2024-03-31 延至 2024-04-30" in asked.output
    [row] = listed("extension")
    assert (row["state"], row["from_date"], row["requested_to"]) == ("requested", "2024-03-31", "2024-04-30")

    usage = run("--as", REVIEWER_A, "extension", "decide", str(row["id"]))
    assert usage.exit_code == 2 and "--approve 或 --reject" in usage.output
    decided = run("--as", REVIEWER_A, "extension", "decide", str(row["id"]), "--approve", "--to", "2024-04-20")
    assert decided.exit_code == 0, decided.output
    assert "已批准" in decided.output and "2024-04-20" in decided.output
    assert listed("extension", MARKET)[0]["approved_to"] == "2024-04-20"
    shown = json.loads(run("measure", M10, "--json").output)
    assert (shown["deadline"]["due"], shown["extension"]) == (
        "2024-04-20", {"original_due": "2024-03-31", "original_rectification_due": None, "count": 1}
    )
    assert "完成期限:2024-04-20(原定 2024-03-31,延期 1 次)" in run("measure", M10).output


def test_a_late_request_exits_1_with_the_reason_and_a_second_open_one_with_a_hint(jiading: Path) -> None:
    late = run("--as", MARKET, "extension", "request", M10, "--to", "2024-04-30", "--reason", "迟了", "--today", "2024-04-01")
    assert late.exit_code == 1
    assert "已过" in late.output and "期限届满前申请" in late.output
    assert listed("extension") == []
    run("--as", MARKET, "extension", "request", M10, "--to", "2024-04-30", "--reason", "一", "--today", "2024-03-01")
    again = run("--as", MARKET, "extension", "request", M10, "--to", "2024-04-20", "--reason", "二", "--today", "2024-03-02")
    assert again.exit_code == 1 and "zonecheck extension withdraw" in again.output
    number = str(listed("extension")[0]["id"])
    assert run("--as", MARKET, "extension", "withdraw", number).exit_code == 0
    assert listed("extension")[0]["state"] == "withdrawn"


def test_an_appeal_is_filed_on_a_return_answered_once_and_listed(jiading: Path, tmp_path: Path) -> None:
    upload = write_file(tmp_path / "up", "台账.pdf", pdf_bytes("台账"))
    for args in (
        ("--as", MARKET, "start", M10),
        ("--as", MARKET, "evidence", "add", M10, "--item", "1", str(upload)),
        ("--as", MARKET, "part", "done", M10),
        ("--as", MARKET, "selfcheck", M10, "--statement", "已完成", "--today", "2024-03-01"),
        ("--as", REVIEWER_A, "review", "return", M10, "--comment", "缺少台账", "--due", "2099-03-20", "--today", "2024-03-01"),
    ):
        done = run(*args)
        assert done.exit_code == 0, (args, done.output)
    bad = run("--as", MARKET, "appeal", "file", M10, "--ground", "不服", "--reason", "x")
    assert bad.exit_code == 2 and "表述有误、仅需说明、暂无法解决需持续跟进" in bad.output
    filed = run("--as", MARKET, "appeal", "file", M10, "--ground", "仅需说明", "--reason", "台账已在附件中")
    assert filed.exit_code == 0, filed.output
    [appeal] = listed("appeal")
    assert (appeal["ground_label"], appeal["state_label"]) == ("仅需说明", "待答复")
    answered = run("--as", REVIEWER_A, "appeal", "answer", str(appeal["id"]), "--uphold", "--note", "请补充说明后重新提交")
    assert answered.exit_code == 0, answered.output
    twice = run("--as", REVIEWER_A, "appeal", "answer", str(appeal["id"]), "--dismiss", "--note", "改判")
    assert twice.exit_code == 1 and "已答复" in twice.output
    assert listed("appeal", MARKET)[0]["answer_label"] == "采纳"
