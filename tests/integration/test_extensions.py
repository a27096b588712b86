"""Extensions (延期) and appeals (申诉) on a real database (SQLite and PostgreSQL), through the
services: who may act, what moves, what is kept, what is told, and that every refusal is on
the audit trail with nothing else changed.

Seed 003 (Jiading): measure 10 is 区市场监管局's alone, measure 3 is led by it with 区经委 as
co-unit. Jiading's deadlines are all 持续推进, so the fixture gives measures 10 and 3 a one-off
date as an office's catalog edit would. Its acceptance phase ends 2024-04-30.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from checklists.kinds import DeadlineKind
from workflow.bootstrap import App
from workflow.domain.appeals import AppealGround, AppealState
from workflow.domain.extensions import ExtensionState, ExtensionTarget
from workflow.domain.states import MeasureState, Role
from workflow.errors import InputError, NotFound, Refused
from workflow.models import Appeal, ExtensionRequest, Measure, OutgoingMessage
from workflow.notify.rules import Channel
from workflow.read.extensions_appeals import measure_requests, plan_requests
from workflow.services import measure_work, people, zones
from workflow.services.appeals import answer_appeal, file_appeal
from workflow.services.contacts import Contacts, set_contacts
from workflow.services.evidence import NewEvidence, add_evidence
from workflow.services.extensions import decide_extension, request_extension, withdraw_extension

from .workflow_helpers import (
    ADMIN,
    ECONOMY,
    JIADING_PEOPLE,
    MARKET,
    REVIEWER_A,
    actor,
    add_people,
    audit_entries,
    count,
    import_seed,
    measure_id,
    pdf_bytes,
    plan_id,
    session_of,
    snapshot,
    write_file,
)

TODAY = dt.date(2024, 3, 1)
DUE = dt.date(2024, 3, 31)
OTHER_ADMIN = "武汉管理员"


@pytest.fixture
def plan(app: App, seeds_dir: Path) -> str:
    key = import_seed(app, seeds_dir, "003")
    add_people(app, JIADING_PEOPLE)
    admin = actor(app, ADMIN)
    set_contacts(app.uow(), admin, MARKET, Contacts(email="market@example.test"))
    set_contacts(app.uow(), admin, REVIEWER_A, Contacts(email="reviewer@example.test"))
    zones.add_zone(app.uow(), None, "武汉市某区", parent=None)
    people.add_person(app.uow(), None, OTHER_ADMIN, role=Role.ADMIN, unit=None, zone="武汉市某区")
    with app.uow() as uow:
        uow.session.execute(
            update(Measure)
            .where(Measure.id.in_([measure_id(app, key, "10"), measure_id(app, key, "3")]))
            .values(deadline_kind=DeadlineKind.FIXED, due_on=DUE)
        )
        uow.commit()
    return key


def measure_row(app: App, key: str, ref: str) -> Measure:
    with session_of(app) as session:
        found = session.get(Measure, measure_id(app, key, ref))
        assert found is not None
        return found


def mails(app: App, kind: str) -> list[tuple[str, str]]:
    """(event key, subject) of the e-mails queued for `kind` events (other channels aside)."""
    with session_of(app) as session:
        rows = session.execute(
            select(OutgoingMessage.event_key, OutgoingMessage.subject)
            .where(OutgoingMessage.event_kind == kind, OutgoingMessage.channel == Channel.EMAIL)
            .order_by(OutgoingMessage.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def state(app: App, key: str, ref: str) -> dict[str, Any]:
    """Everything an extension or appeal may change, to show a refusal changed nothing."""
    m = measure_row(app, key, ref)
    return {
        **snapshot(app, key, ref),
        "due_on": m.due_on,
        "original_due_on": m.original_due_on,
        "original_rectification_due": m.original_rectification_due,
        "extension_count": m.extension_count,
        "extensions": count(app, ExtensionRequest),
        "appeals": count(app, Appeal),
        "messages": count(app, OutgoingMessage),
    }


def refused_and_audited(app: App, who: str, call: Any, key: str, ref: str, exc: type[Exception] = Refused) -> Exception:
    before, seen = state(app, key, ref), len(audit_entries(app))
    with pytest.raises(exc) as caught:
        call()
    entries = audit_entries(app)[seen:]
    assert [(e.actor, e.refused) for e in entries] == [(who, True)]
    assert state(app, key, ref) == before
    return caught.value


def ask(app: App, key: str, ref: str = "10", *, who: str = MARKET, to: dt.date = dt.date(2024, 4, 20), today: dt.date = TODAY) -> int:
    return request_extension(app.uow(), actor(app, who), measure_id(app, key, ref), to=to, reason="疫情影响,数据延后", today=today).id


def test_an_approved_extension_moves_the_date_keeps_the_original_and_tells_the_unit(app: App, plan: str) -> None:
    number = ask(app, plan)
    assert mails(app, "extension_requested") == [(f"extension_requested:{number}", f"延期申请待审批:措施 {plan}/10")]
    outcome = decide_extension(app.uow(), actor(app, REVIEWER_A), number, approve=True, to=dt.date(2024, 4, 15), note="同意")
    assert outcome.state is ExtensionState.APPROVED
    m = measure_row(app, plan, "10")
    assert (m.due_on, m.original_due_on, m.extension_count) == (dt.date(2024, 4, 15), DUE, 1)
    assert m.state is MeasureState.PLANNED  # an extension is no transition
    assert mails(app, "extension_decided") == [(f"extension_decided:{number}", f"延期申请已批准:措施 {plan}/10")]
    # The in-app copies open the office's 延期与申诉 tab and the unit's measure page.
    with session_of(app) as session:
        links = dict(session.execute(
            select(OutgoingMessage.event_kind, OutgoingMessage.link).where(OutgoingMessage.channel == Channel.INAPP)
        ).all())
    assert links == {"extension_requested": f"/office/plans/{m.plan_id}/extensions", "extension_decided": f"/measures/{m.id}"}

    # A second extension keeps the first original date and counts.
    second = ask(app, plan, to=dt.date(2024, 4, 30), today=dt.date(2024, 4, 10))
    decide_extension(app.uow(), actor(app, ADMIN), second, approve=True)
    m = measure_row(app, plan, "10")
    assert (m.due_on, m.original_due_on, m.extension_count) == (dt.date(2024, 4, 30), DUE, 2)
    listed = plan_requests(app.uow(), actor(app, REVIEWER_A), plan_id(app, plan)).extensions
    assert [(e.from_date, e.requested_to, e.approved_to, e.state) for e in listed] == [
        (dt.date(2024, 4, 15), dt.date(2024, 4, 30), dt.date(2024, 4, 30), "approved"),
        (DUE, dt.date(2024, 4, 20), dt.date(2024, 4, 15), "approved"),
    ]
    actions = [e.action for e in audit_entries(app) if e.target == f"{plan}/10"]
    assert actions == ["extension_request", "extension_approve"] * 2


def test_a_rejected_or_withdrawn_request_leaves_the_original_date(app: App, plan: str) -> None:
    number = ask(app, plan)
    with pytest.raises(InputError, match="不予批准的理由不能为空"):
        decide_extension(app.uow(), actor(app, REVIEWER_A), number, approve=False, note=" ")
    decide_extension(app.uow(), actor(app, REVIEWER_A), number, approve=False, note="理由不充分")
    again = ask(app, plan)  # a decided request is not open any more
    withdraw_extension(app.uow(), actor(app, MARKET), again)
    m = measure_row(app, plan, "10")
    assert (m.due_on, m.original_due_on, m.extension_count) == (DUE, None, 0)
    assert [e.state for e in measure_requests(app.uow(), actor(app, MARKET), m.id).extensions] == ["withdrawn", "rejected"]
    assert mails(app, "extension_decided")[0][1] == f"延期申请未批准:措施 {plan}/10"


def test_a_request_after_the_deadline_is_refused_audited_and_writes_nothing(app: App, plan: str) -> None:
    error = refused_and_audited(app, MARKET, lambda: ask(app, plan, today=dt.date(2024, 4, 1)), plan, "10")
    assert "已过" in str(error) and getattr(error, "code", "") == "extension_late"


def test_a_second_open_request_is_refused(app: App, plan: str) -> None:
    ask(app, plan)
    error = refused_and_audited(app, MARKET, lambda: ask(app, plan, to=dt.date(2024, 4, 25)), plan, "10")
    assert getattr(error, "code", "") == "extension_open"


def test_only_the_lead_unit_requests(app: App, plan: str) -> None:
    error = refused_and_audited(app, ECONOMY, lambda: ask(app, plan, "3", who=ECONOMY), plan, "3")
    assert getattr(error, "code", "") == "not_lead"
    assert "牵头单位" in str(error)


def test_another_zones_office_is_answered_as_if_the_request_did_not_exist(app: App, plan: str) -> None:
    number = ask(app, plan)
    hidden = refused_and_audited(
        app, OTHER_ADMIN,
        lambda: decide_extension(app.uow(), actor(app, OTHER_ADMIN), number, approve=True), plan, "10", NotFound,
    )  # fmt: skip
    with pytest.raises(NotFound) as missing:
        decide_extension(app.uow(), actor(app, OTHER_ADMIN), 999_999, approve=True)
    assert str(hidden) == str(missing.value).replace("999999", str(number))
    with pytest.raises(NotFound):  # nor listed
        plan_requests(app.uow(), actor(app, OTHER_ADMIN), plan_id(app, plan))


def test_a_member_cannot_decide_and_a_decided_request_cannot_be_decided_again(app: App, plan: str) -> None:
    number = ask(app, plan)
    refused_and_audited(app, MARKET, lambda: decide_extension(app.uow(), actor(app, MARKET), number, approve=True), plan, "10")
    decide_extension(app.uow(), actor(app, REVIEWER_A), number, approve=True)
    error = refused_and_audited(
        app, ADMIN, lambda: decide_extension(app.uow(), actor(app, ADMIN), number, approve=False, note="改判"), plan, "10"
    )
    assert getattr(error, "code", "") == "extension_closed"


# ------------------------------------------------------------------- returns and appeals


def returned(app: App, tmp_path: Path, plan: str, *, due: dt.date = dt.date(2024, 3, 20)) -> int:
    """Measure 10 self-checked and returned with a rectification date; its number."""
    mid = measure_id(app, plan, "10")
    market = actor(app, MARKET)
    measure_work.start(app.uow(), market, mid)
    path = write_file(tmp_path / "up", "台账.pdf", pdf_bytes("台账"))
    add_evidence(app.uow(), app.store, market, mid, item=1, new=NewEvidence(files=[path]))
    measure_work.set_part(app.uow(), market, mid)
    measure_work.submit_self_check(app.uow(), market, mid, statement="已完成", today=TODAY)
    measure_work.return_for_rectification(app.uow(), actor(app, REVIEWER_A), mid, comment="缺少台账", due=due, today=TODAY)
    return mid


def test_a_returned_measure_extends_its_rectification_date_not_its_due_date(app: App, plan: str, tmp_path: Path) -> None:
    mid = returned(app, tmp_path, plan)
    number = ask(app, plan, to=dt.date(2024, 3, 28))
    decide_extension(app.uow(), actor(app, REVIEWER_A), number, approve=True)
    m = measure_row(app, plan, "10")
    assert (m.rectification_due, m.original_rectification_due, m.due_on, m.extension_count) == (
        dt.date(2024, 3, 28), dt.date(2024, 3, 20), DUE, 1,
    )  # fmt: skip
    assert measure_requests(app.uow(), actor(app, MARKET), mid).extensions[0].target == ExtensionTarget.RECTIFICATION.value


def test_an_upheld_follow_up_appeal_moves_the_rectification_date_as_an_approved_extension(
    app: App, plan: str, tmp_path: Path
) -> None:
    mid = returned(app, tmp_path, plan)
    appeal = file_appeal(app.uow(), actor(app, MARKET), mid, ground=AppealGround.FOLLOW_UP, reason="需跨年度协调")
    assert mails(app, "appeal_filed") == [(f"appeal_filed:{appeal.id}", f"整改申诉待答复:措施 {plan}/10")]
    answer_appeal(app.uow(), actor(app, REVIEWER_A), appeal.id, uphold=True, note="同意持续跟进", new_due=dt.date(2024, 4, 30))
    m = measure_row(app, plan, "10")
    assert (m.state, m.rectification_due, m.original_rectification_due, m.extension_count) == (
        MeasureState.IN_PROGRESS, dt.date(2024, 4, 30), dt.date(2024, 3, 20), 1,
    )  # fmt: skip
    seen = measure_requests(app.uow(), actor(app, MARKET), mid)
    assert [(a.state, a.answer_label) for a in seen.appeals] == [(AppealState.ANSWERED.value, "采纳")]
    assert [(e.state, e.appeal_id) for e in seen.extensions] == [("approved", appeal.id)]
    assert mails(app, "appeal_answered")[0][1] == f"整改申诉已答复(采纳):措施 {plan}/10"

    error = refused_and_audited(
        app, ADMIN,
        lambda: answer_appeal(app.uow(), actor(app, ADMIN), appeal.id, uphold=False, note="再议"), plan, "10",
    )  # fmt: skip
    assert getattr(error, "code", "") == "appeal_answered"
    # The same return cannot be appealed twice; resubmitting clears the rectification.
    refused_and_audited(
        app, MARKET,
        lambda: file_appeal(app.uow(), actor(app, MARKET), mid, ground=AppealGround.WORDING, reason="再申诉"), plan, "10",
    )  # fmt: skip
    measure_work.submit_self_check(app.uow(), actor(app, MARKET), mid, statement="已补充台账", today=TODAY)
    m = measure_row(app, plan, "10")
    assert (m.rectification_due, m.original_rectification_due) == (None, None)


def test_an_appeal_on_an_accepted_or_never_returned_measure_is_refused(app: App, plan: str, tmp_path: Path) -> None:
    mid = measure_id(app, plan, "10")
    never = refused_and_audited(
        app, MARKET,
        lambda: file_appeal(app.uow(), actor(app, MARKET), mid, ground=AppealGround.WORDING, reason="不同意"), plan, "10",
    )  # fmt: skip
    assert getattr(never, "code", "") == "appeal_not_returned"
    returned(app, tmp_path, plan)
    measure_work.submit_self_check(app.uow(), actor(app, MARKET), mid, statement="已整改", today=TODAY)
    measure_work.accept(app.uow(), actor(app, REVIEWER_A), mid)
    accepted = refused_and_audited(
        app, MARKET,
        lambda: file_appeal(app.uow(), actor(app, MARKET), mid, ground=AppealGround.EXPLANATION, reason="仅需说明"), plan, "10",
    )  # fmt: skip
    assert "已验收" in str(accepted)


def test_a_dismissed_appeal_keeps_the_return_and_another_zone_cannot_answer(app: App, plan: str, tmp_path: Path) -> None:
    mid = returned(app, tmp_path, plan)
    appeal = file_appeal(app.uow(), actor(app, MARKET), mid, ground=AppealGround.WORDING, reason="意见表述与事实不符")
    refused_and_audited(
        app, OTHER_ADMIN,
        lambda: answer_appeal(app.uow(), actor(app, OTHER_ADMIN), appeal.id, uphold=True, note="采纳"), plan, "10", NotFound,
    )  # fmt: skip
    refused_and_audited(  # a date goes only with an upheld 需持续跟进
        app, REVIEWER_A,
        lambda: answer_appeal(app.uow(), actor(app, REVIEWER_A), appeal.id, uphold=True, note="采纳",
                              new_due=dt.date(2024, 4, 1)), plan, "10",
    )  # fmt: skip
    answer_appeal(app.uow(), actor(app, REVIEWER_A), appeal.id, uphold=False, note="意见无误,请按期整改")
    m = measure_row(app, plan, "10")
    assert (m.state, m.rectification_due, m.extension_count) == (MeasureState.IN_PROGRESS, dt.date(2024, 3, 20), 0)
