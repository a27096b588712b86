"""The review queue page, the review page and the verdicts posted from it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import select

from tests.integration.workflow_helpers import (
    ADMIN,
    JIADING,
    MARKET_REVIEWER,
    REVIEWER_A,
    REVIEWER_B,
    actor,
    measure_id,
    plan_id,
    session_of,
    snapshot,
)
from tests.web.conftest import Login, csrf_of
from tests.web.test_office_support import RETURN_COMMENT, audit_since, drive_demo, last_seq
from workflow.bootstrap import App
from workflow.domain.states import MeasureState, Verdict
from workflow.models import Evidence
from workflow.services import people


def version_of(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "no version field"
    return match.group(1)


def evidence_of(app: App, ref: str) -> list[Evidence]:
    mid = measure_id(app, JIADING, ref)
    with session_of(app) as session:
        return list(session.scalars(select(Evidence).where(Evidence.measure_id == mid).order_by(Evidence.id)))


def test_queue_page_lists_self_checked_measures_and_marks_recusal(
    zc: App, login: Login, tmp_path: Path
) -> None:
    drive_demo(zc, tmp_path)
    m16, m13 = measure_id(zc, JIADING, "16"), measure_id(zc, JIADING, "13")
    page = login(MARKET_REVIEWER).get("/office/review")
    assert page.status_code == 200
    rows = re.findall(r'<tr( class="row-recuse")? data-measure="(\d+)">(.*?)</tr>', page.text, re.S)
    assert [int(mid) for _, mid, _ in rows] == [m16, m13]  # oldest first
    recused = {int(mid): (cls, body) for cls, mid, body in rows}
    assert recused[m16][0] and "须回避" in recused[m16][1]
    assert f'href="/office/review/{m16}"' not in recused[m16][1]  # no review button
    assert not recused[m13][0] and f'href="/office/review/{m13}"' in recused[m13][1]
    # The office's own reviewer reviews both.
    other = login(REVIEWER_A).get("/office/review").text
    assert "row-recuse" not in other and f'href="/office/review/{m16}"' in other


def test_review_page_shows_the_measure_the_statement_and_frames_the_evidence(
    zc: App, login: Login, tmp_path: Path
) -> None:
    drive_demo(zc, tmp_path)
    mid = measure_id(zc, JIADING, "16")
    pdf, png = evidence_of(zc, "16")
    page = login(REVIEWER_A).get(f"/office/review/{mid}")
    assert page.status_code == 200
    html = page.text
    assert "措施16已按方案完成" in html  # the self-check statement
    assert "区市场监管局" in html and "已完成" in html
    assert f'<iframe class="viewer-frame" src="/evidence/{pdf.id}/view"' in html
    assert f'<img class="viewer-img" src="/evidence/{png.id}/view"' in html
    assert f'href="/evidence/{pdf.id}/file"' in html and f'href="/evidence/{png.id}/file"' in html
    assert "执法台账.pdf" in html and "现场照片.png" in html
    assert f'href="/measures/{mid}"' in html
    assert f'action="/office/review/{mid}/accept"' in html
    assert f'action="/office/review/{mid}/return"' in html
    assert version_of(html) == str(snapshot(zc, JIADING, "16")["version"])
    assert 'style="' not in html


def test_review_page_shows_previous_rounds_and_their_reviews(
    zc: App, login: Login, tmp_path: Path
) -> None:
    drive_demo(zc, tmp_path)
    html = login(REVIEWER_A).get(f"/office/review/{measure_id(zc, JIADING, '19')}").text
    assert RETURN_COMMENT in html and "退回整改" in html and REVIEWER_B in html
    assert "不在待审核状态" in html
    assert 'action="/office/review/' not in html  # nothing to decide while 整改中


def test_accept_by_post_accepts_the_measure_and_audits_it(
    zc: App, login: Login, tmp_path: Path
) -> None:
    drive_demo(zc, tmp_path)
    mid = measure_id(zc, JIADING, "13")
    office = login(REVIEWER_A)
    page = office.get(f"/office/review/{mid}")
    seq = last_seq(zc)
    response = office.post(
        f"/office/review/{mid}/accept",
        data={"csrf_token": csrf_of(page.text), "version": version_of(page.text), "comment": "同意验收", "score": "88"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/office/review"
    assert snapshot(zc, JIADING, "13")["state"] is MeasureState.ACCEPTED
    [entry] = audit_since(zc, seq)
    assert (entry.action, entry.actor, entry.refused) == ("accept", REVIEWER_A, False)
    assert (entry.from_state, entry.to_state, entry.comment) == ("self_checked", "accepted", "同意验收")
    assert entry.detail["score"] == 88
    queue = office.get("/office/review")
    assert "已验收" in queue.text  # the notice from the verdict
    assert f'data-measure="{mid}"' not in queue.text


def test_return_requires_a_comment_and_records_it_with_the_deadline(
    zc: App, login: Login, tmp_path: Path
) -> None:
    drive_demo(zc, tmp_path)
    mid = measure_id(zc, JIADING, "13")
    office = login(REVIEWER_B)
    page = office.get(f"/office/review/{mid}")
    form = {"csrf_token": csrf_of(page.text), "version": version_of(page.text)}
    before = snapshot(zc, JIADING, "13")
    response = office.post(f"/office/review/{mid}/return", data=form | {"comment": "  "})
    assert response.status_code == 303
    assert response.headers["location"] == f"/office/review/{mid}"
    assert "整改意见" in office.get(f"/office/review/{mid}").text
    assert snapshot(zc, JIADING, "13") == before

    due = dt.date.today() + dt.timedelta(days=30)
    response = office.post(
        f"/office/review/{mid}/return",
        data=form | {"comment": "请补充判决书", "due": due.isoformat()},
    )
    assert response.status_code == 303 and response.headers["location"] == "/office/review"
    after = snapshot(zc, JIADING, "13")
    assert after["state"] is MeasureState.IN_PROGRESS
    assert after["rectification_due"] == due
    assert after["reviews"][-1][1] == Verdict.RETURN.value
    entry = audit_since(zc, 0)[-1]
    assert (entry.action, entry.comment, entry.detail["rectification_due"]) == (
        "return_for_rectification", "请补充判决书", due.isoformat()
    )


def test_a_bad_deadline_or_score_names_the_field(zc: App, login: Login, tmp_path: Path) -> None:
    drive_demo(zc, tmp_path)
    mid = measure_id(zc, JIADING, "13")
    office = login(REVIEWER_A)
    page = office.get(f"/office/review/{mid}")
    form = {"csrf_token": csrf_of(page.text), "version": version_of(page.text)}
    before = snapshot(zc, JIADING, "13")
    office.post(f"/office/review/{mid}/return", data=form | {"comment": "x", "due": "明天"})
    assert "整改期限:应为 YYYY-MM-DD" in office.get(f"/office/review/{mid}").text
    office.post(f"/office/review/{mid}/accept", data=form | {"score": "101"})
    assert "评分:应为 0 到 100" in office.get(f"/office/review/{mid}").text
    assert snapshot(zc, JIADING, "13") == before


def test_a_reviewer_of_the_responsible_unit_is_refused_and_the_refusal_audited(
    zc: App, login: Login, tmp_path: Path
) -> None:
    drive_demo(zc, tmp_path)
    mid = measure_id(zc, JIADING, "16")
    reviewer = login(MARKET_REVIEWER)
    page = reviewer.get(f"/office/review/{mid}")
    assert page.status_code == 200
    assert "须回避" in page.text
    assert f'action="/office/review/{mid}/accept"' not in page.text
    before = snapshot(zc, JIADING, "16")
    seq = last_seq(zc)
    # Posting anyway (an old page, a crafted form): the service refuses and audits it.
    response = reviewer.post(
        f"/office/review/{mid}/accept",
        data={"csrf_token": csrf_of(page.text), "version": str(before["version"])},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/office/review/{mid}"
    notice = reviewer.get(f"/office/review/{mid}").text
    assert "须回避,不能审核该措施" in notice and "flash-error" in notice
    assert snapshot(zc, JIADING, "16") == before
    [entry] = audit_since(zc, seq)
    assert (entry.action, entry.actor, entry.refused) == ("accept", MARKET_REVIEWER, True)
    assert "须回避" in entry.comment


def test_a_stale_page_cannot_overwrite_a_newer_verdict(zc: App, login: Login, tmp_path: Path) -> None:
    drive_demo(zc, tmp_path)
    mid = measure_id(zc, JIADING, "13")
    first, second = login(REVIEWER_A), login(REVIEWER_B)
    page_a = first.get(f"/office/review/{mid}").text
    page_b = second.get(f"/office/review/{mid}").text
    second.post(
        f"/office/review/{mid}/return",
        data={"csrf_token": csrf_of(page_b), "version": version_of(page_b), "comment": "补充"},
    )
    response = first.post(
        f"/office/review/{mid}/accept",
        data={"csrf_token": csrf_of(page_a), "version": version_of(page_a)},
    )
    assert response.status_code == 303
    assert "已被他人修改" in first.get(f"/office/review/{mid}").text
    assert snapshot(zc, JIADING, "13")["state"] is MeasureState.IN_PROGRESS


def test_posts_without_the_csrf_token_are_refused(zc: App, login: Login, tmp_path: Path) -> None:
    drive_demo(zc, tmp_path)
    mid = measure_id(zc, JIADING, "13")
    office = login(REVIEWER_A)
    version = version_of(office.get(f"/office/review/{mid}").text)
    before = snapshot(zc, JIADING, "13")
    for path, data in [
        (f"/office/review/{mid}/accept", {"version": version}),
        (f"/office/review/{mid}/return", {"version": version, "comment": "x"}),
        (f"/office/review/{mid}/accept", {"version": version, "csrf_token": "forged"}),
    ]:
        response = office.post(path, data=data)
        assert response.status_code == 403
        assert "CSRF" in response.text
    assert snapshot(zc, JIADING, "13") == before


def test_two_review_levels_need_two_reviewers(zc: App, login: Login, tmp_path: Path) -> None:
    people.set_review_levels(zc.uow(), actor(zc, ADMIN), plan_id(zc, JIADING), ["初审", "专家评审"])
    drive_demo(zc, tmp_path)
    mid = measure_id(zc, JIADING, "13")
    first = login(REVIEWER_A)
    page = first.get(f"/office/review/{mid}").text
    assert "初审" in page and "(第 1/2 级)" in page and "通过本级审核" in page
    response = first.post(
        f"/office/review/{mid}/accept",
        data={"csrf_token": csrf_of(page), "version": version_of(page)},
    )
    assert response.status_code == 303
    queue = first.get("/office/review").text
    assert "初审通过(第 1/2 级),待专家评审" in queue
    assert snapshot(zc, JIADING, "13")["state"] is MeasureState.SELF_CHECKED
    again = first.get(f"/office/review/{mid}").text
    assert "须由其他审核人进行" in again and f'action="/office/review/{mid}/accept"' not in again
    second = login(REVIEWER_B)
    page = second.get(f"/office/review/{mid}").text
    assert "专家评审" in page and "验收通过" in page
    second.post(
        f"/office/review/{mid}/accept",
        data={"csrf_token": csrf_of(page), "version": version_of(page), "score": "95"},
    )
    assert snapshot(zc, JIADING, "13")["state"] is MeasureState.ACCEPTED
    assert [r[:2] for r in snapshot(zc, JIADING, "13")["reviews"]] == [(1, "pass"), (2, "pass")]
