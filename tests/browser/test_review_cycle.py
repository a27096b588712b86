"""One measure's whole review cycle in a real browser, against a real `zonecheck serve`.

A member of 区市场监管局 (监管局张) starts Jiading's measure 10 (that unit's alone, one checklist
item), uploads two files through the measure page's upload form, marks the unit's part done and
submits the self-check. A reviewer (审核人甲, own browser) opens the review queue and the review
page, sees the evidence inline (iframe / img of /evidence/N/view) and returns it with a comment.
The member sees 整改中 and the comment, uploads a corrected file and resubmits; the reviewer
accepts with a score and downloads the acceptance report, whose text names the measure.

Beside it: a file over the upload limit is refused by name in the uploader's progress panel
while the other file of the same submission arrives; a member of another unit gets a Chinese
refusal for the measure and its files, never their content.

Every step leaves a full-page screenshot (folder printed; ZONECHECK_SCREENSHOTS to choose it).
No page may log a browser error (a CSP violation, a failed script or frame) or get an error
answer the test did not ask for.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.browser.conftest import MAX_UPLOAD_MB, PASSWORD, LiveServer, Shots, rendered_report
from tests.integration.workflow_helpers import (
    ECONOMY,
    JIADING,
    MARKET,
    REVIEWER_A,
    count,
    measure_id,
    pdf_bytes,
    png_bytes,
    session_of,
    write_file,
)
from workflow.bootstrap import App, bootstrap
from workflow.config import Settings
from workflow.domain.states import MeasureState
from workflow.models import Evidence, Measure

REF = "10"  # 区市场监管局 alone, one checklist item
RETURN_COMMENT = "执法台账缺少第四季度数据,请补充后重新提交"
ACCEPT_COMMENT = "台账已补齐,同意验收"


@dataclass
class Person:
    """One person's own browser (cookies, downloads) and what went wrong in it."""

    name: str
    context: BrowserContext
    page: Page
    problems: list[str] = field(default_factory=list)
    # (status, URL pattern) of error answers the test itself asks for.
    expected: list[tuple[int, str]] = field(default_factory=list)


@pytest.fixture
def data(live_server: LiveServer) -> Iterator[App]:
    """The server's database, for reading facts the pages do not show (ids) and checking."""
    app = bootstrap(Settings(home=live_server.home, db_url=live_server.db_url))
    yield app
    app.close()


@pytest.fixture
def open_browser(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer, shots: Shots
) -> Iterator[Any]:
    people: list[Person] = []

    def open_for(name: str) -> Person:
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", accept_downloads=True,
            viewport={"width": 1280, "height": 900},
        )  # fmt: skip
        context.set_default_timeout(30_000)
        page = context.new_page()
        person = Person(name, context, page)
        def console(msg: Any) -> None:
            # A failed load is reported by URL below; the console names only the page.
            if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
                person.problems.append(f"console {msg.type}: {msg.text} ({page.url})")

        def response(answer: Any) -> None:
            # No favicon is served (the browser asks on its own; nothing links it).
            wanted = any(
                answer.status == status and re.search(pattern, answer.url)
                for status, pattern in person.expected
            )
            if answer.status >= 400 and not wanted and not answer.url.endswith("/favicon.ico"):
                person.problems.append(f"HTTP {answer.status}: {answer.request.method} {answer.url}")

        page.on("console", console)
        page.on("response", response)
        page.on("pageerror", lambda exc: person.problems.append(f"script error: {exc} ({page.url})"))
        people.append(person)
        return person

    yield open_for
    report = getattr(request.node, "report_call", None)
    for person in people:
        if report is not None and report.failed:
            shots.take(person.page, f"FAILED-{person.name}")
        person.context.close()


def sign_in(person: Person, shots: Shots) -> None:
    page = person.page
    page.goto("/login")
    page.get_by_label("用户名").fill(person.name)
    page.get_by_label("密码").fill(PASSWORD)
    shots.take(page, f"login-{person.name}")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("header .who")).to_contain_text(person.name)


def flash(page: Page) -> Any:
    return page.locator("main > .flash")


def upload(page: Page, files: list[Path], note: str, shots: Shots, label: str) -> None:
    """Through the item's upload form, as a person would: the page's uploader script sends each
    file with a progress bar, then reloads. The first request is held back until the progress
    panel has been photographed."""
    form = page.locator("#item-1 form.upload-form")
    form.locator('input[name="files"]').set_input_files([str(f) for f in files])
    form.locator('input[name="note"]').fill(note)
    held: list[Route] = []
    released = False

    def hold(route: Route) -> None:
        if released:
            route.continue_()
        else:
            held.append(route)

    page.route("**/measures/*/evidence", hold)
    form.get_by_role("button", name="提交佐证材料").click()
    panel = form.locator(".upload-progress")
    expect(panel).to_contain_text(f"总进度({len(files)} 个文件)")
    expect(panel).to_contain_text("上传中")
    for _ in range(200):  # Playwright hands over the intercepted request while it waits
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the uploader sent no request"
    shots.take(page, f"{label}-progress")
    released = True
    for route in held:
        route.continue_()
    evidence = page.locator("#item-1 table.evidence")
    for f in files:
        expect(evidence).to_contain_text(f.name, timeout=60_000)
    page.unroute("**/measures/*/evidence", hold)
    expect(panel).to_be_hidden()  # reloaded: a fresh page, no failed uploads left on screen


def submit_self_check(page: Page, statement: str) -> None:
    mark = page.get_by_role("button", name="标记本单位部分已完成")
    if mark.count():
        mark.click()
        expect(page.locator("td .part-done").first).to_be_visible()
    page.locator('#self-check textarea[name="statement"]').fill(statement)
    page.locator("#self-check").get_by_role("button", name="提交自查").click()
    expect(page.locator("h1 .badge").first).to_have_text("已自查")


def open_review(person: Person, mid: int, shots: Shots, label: str) -> Page:
    page = person.page
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="审核队列").click()
    row = page.locator(f'table.queue tr[data-measure="{mid}"]')
    expect(row).to_be_visible()
    shots.take(page, f"{label}-queue")
    row.get_by_role("link", name="审核").click()
    expect(page).to_have_url(re.compile(rf"/office/review/{mid}$"))
    return page


def press(button: Any) -> None:
    """A button of the review page, pressed from the keyboard.

    While Chromium's PDF viewer (an out-of-process frame) settles in the page, a synthetic mouse
    click is now and then routed to no element at all (no click event reaches the document);
    a focused button and Enter is what a keyboard user does and is not hit-tested.
    """
    button.focus()
    button.press("Enter")


def evidence_ids(app: App, mid: int) -> list[int]:
    with session_of(app) as session:
        return sorted(
            e.id for e in session.query(Evidence).filter(Evidence.measure_id == mid) if e.current
        )


def check_inline_evidence(page: Page, ids: list[int], kinds: dict[int, str]) -> None:
    """Each current file is shown inline: a PDF in a frame, a picture as an image that loaded."""
    for eid in ids:
        src = f"/evidence/{eid}/view"
        if kinds[eid] == "pdf":
            frame = page.locator(f'iframe.viewer-frame[src="{src}"]')
            frame.scroll_into_view_if_needed()
            expect(frame).to_be_visible()
            content = frame.element_handle().content_frame()
            assert content is not None
            content.wait_for_load_state("load")  # Chromium's PDF viewer has the file
            for inner in content.child_frames:  # the viewer itself, for the screenshot
                inner.wait_for_load_state("load")
        else:
            img = page.locator(f'img.viewer-img[src="{src}"]')
            img.scroll_into_view_if_needed()
            expect(img).to_be_visible()
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())


def test_a_measure_goes_round_the_review_cycle_in_the_browser(
    live_server: LiveServer, data: App, open_browser: Any, shots: Shots, tmp_path: Path
) -> None:
    mid = measure_id(data, JIADING, REF)
    with session_of(data) as session:
        measure = session.get(Measure, mid)
        assert measure is not None
        title, plan_id = measure.title, measure.plan_id
    files = tmp_path / "files"
    ledger = write_file(files, "执法检查台账.pdf", pdf_bytes("Law enforcement ledger 2024"))
    photo = write_file(files, "现场检查照片.png", png_bytes((30, 120, 200), size=48))
    fixed = write_file(files, "执法检查台账(补充第四季度).pdf", pdf_bytes("Law enforcement ledger 2024, with Q4"))

    # --- the unit: start, two files, part done, self-check
    member = open_browser(MARKET)
    sign_in(member, shots)
    page = member.page
    expect(page).to_have_url(re.compile(r"/unit$"))
    row = page.locator(f'table.worklist tr[data-measure="{mid}"]')
    expect(row).to_contain_text("未启动")
    shots.take(page, "unit-home")
    row.get_by_role("link", name=title).click()
    expect(page.locator("h1")).to_contain_text(title)
    expect(page.locator("h1 .badge").first).to_have_text("未启动")
    shots.take(page, "measure-planned")

    page.get_by_role("button", name="启动措施").click()
    expect(page.locator("h1 .badge").first).to_have_text("推进中")
    shots.take(page, "measure-started")

    upload(page, [ledger, photo], "2024 年执法检查台账与现场照片", shots, "two-files")
    shots.take(page, "two-files-uploaded")
    assert count(data, Evidence, Evidence.measure_id == mid) == 2

    submit_self_check(page, "已按方案开展执法检查,台账与照片见佐证材料")
    shots.take(page, "self-check-submitted")

    # --- the office: the queue, the evidence inline, returned with a comment
    reviewer = open_browser(REVIEWER_A)
    sign_in(reviewer, shots)
    review = open_review(reviewer, mid, shots, "review-1")
    first_ids = evidence_ids(data, mid)
    assert len(first_ids) == 2
    check_inline_evidence(review, first_ids, {first_ids[0]: "pdf", first_ids[1]: "png"})
    expect(review.locator("blockquote.statement")).to_contain_text("已按方案开展执法检查")
    shots.take(review, "review-1-page")

    returning = review.locator('form[action$="/return"]')
    returning.locator('textarea[name="comment"]').fill(RETURN_COMMENT)
    shots.take(review, "review-1-return-filled")
    press(returning.get_by_role("button", name="退回整改"))
    expect(review).to_have_url(re.compile(r"/office/review$"))
    expect(flash(review)).to_be_visible()
    expect(review.locator(f'table.queue tr[data-measure="{mid}"]')).to_have_count(0)
    shots.take(review, "review-1-returned")

    # --- the unit: 整改中 with the comment; a corrected file; resubmitted
    page.reload()
    expect(page.locator("h1 .badge").first).to_have_text("整改中")
    expect(page.locator(".return-note")).to_contain_text(RETURN_COMMENT)
    shots.take(page, "measure-returned")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="本单位任务").click()
    expect(page.locator(f'table.worklist tr[data-measure="{mid}"]')).to_contain_text("整改中")
    shots.take(page, "unit-home-rectifying")
    page.locator(f'table.worklist tr[data-measure="{mid}"]').get_by_role("link", name=title).click()

    upload(page, [fixed], "补充第四季度执法检查台账", shots, "fixed-file")
    shots.take(page, "fixed-file-uploaded")
    submit_self_check(page, "已按审核意见补充第四季度台账")
    shots.take(page, "self-check-resubmitted")

    # --- the office: accepted with a score; the acceptance report names the measure
    review = open_review(reviewer, mid, shots, "review-2")
    expect(review.locator("blockquote.statement")).to_contain_text("已按审核意见补充第四季度台账")
    expect(review.locator("ol.rounds")).to_contain_text(RETURN_COMMENT)
    ids = evidence_ids(data, mid)
    assert len(ids) == 3
    check_inline_evidence(review, ids, {ids[0]: "pdf", ids[1]: "png", ids[2]: "pdf"})
    accepting = review.locator('form[action$="/accept"]')
    accepting.locator('textarea[name="comment"]').fill(ACCEPT_COMMENT)
    accepting.locator('input[name="score"]').fill("92")
    shots.take(review, "review-2-page")
    press(accepting.get_by_role("button", name="验收通过"))
    expect(review).to_have_url(re.compile(r"/office/review$"))
    shots.take(review, "review-2-accepted")

    page.reload()
    expect(page.locator("h1 .badge").first).to_have_text("已验收")
    expect(page.locator("ul.reviews").first).to_contain_text(RETURN_COMMENT)  # round 1
    expect(page.locator("ul.reviews").last).to_contain_text(ACCEPT_COMMENT)  # round 2
    expect(page.locator("ul.reviews").last).to_contain_text("评分 92")
    shots.take(page, "measure-accepted")

    review.goto(f"/office/plans/{plan_id}/reports")
    card = review.locator("section.card", has=review.get_by_role("heading", name="验收报告", exact=True))
    shots.take(review, "reports-page")
    pdf = rendered_report(review, card.get_by_role("button", name="生成"), tmp_path, shots, "acceptance")
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = pdftotext(pdf)
    assert squeeze(title) in squeeze(text), f"acceptance report does not name {title!r}"
    review.goto(f"/office/plans/{plan_id}/reports")
    expect(review.locator("table.register")).to_contain_text(pdf.name)
    shots.take(review, "reports-registered")

    # --- what the browsers did is what the database holds
    with session_of(data) as session:
        measure = session.get(Measure, mid)
        assert measure is not None and measure.state is MeasureState.ACCEPTED
    assert count(data, Evidence, Evidence.measure_id == mid) == 3
    verify = live_server.cli("evidence", "verify")
    assert "均与记录一致" in verify.stdout
    problems = member.problems + reviewer.problems
    assert not problems, "the browser reported errors:\n" + "\n".join(problems)
    print(f"screenshots ({shots.count}): {shots.folder}")


def pdftotext(path: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("pdftotext not installed (Debian poppler-utils)")
    done = subprocess.run(
        [exe, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


def squeeze(text: str) -> str:
    """Without whitespace: the report wraps long titles over several lines."""
    return re.sub(r"\s+", "", text)


def test_a_file_over_the_limit_is_refused_in_chinese_and_the_others_still_arrive(
    live_server: LiveServer, data: App, open_browser: Any, shots: Shots, tmp_path: Path
) -> None:
    mid = measure_id(data, JIADING, "12")  # 区市场监管局 alone
    small = write_file(tmp_path, "会议纪要.pdf", pdf_bytes("Minutes of the meeting"))
    # Over the evidence limit, but under the request limit (limit + 1 MiB): the store refuses
    # it by name, as a person would meet it, rather than the connection being cut.
    big = write_file(
        tmp_path, "扫描件(过大).pdf", pdf_bytes("Scan") + b"%" + b"0" * int(MAX_UPLOAD_MB * 1.5 * 2**20)
    )
    member = open_browser(MARKET)
    member.expected.append((413, rf"/measures/{mid}/evidence$"))
    member.expected.append((400, rf"/measures/{mid}/evidence$"))
    sign_in(member, shots)
    page = member.page
    page.goto(f"/measures/{mid}")
    page.get_by_role("button", name="启动措施").click()
    expect(page.locator("h1 .badge").first).to_have_text("推进中")

    form = page.locator("#item-1 form.upload-form")
    form.locator('input[name="files"]').set_input_files([str(small), str(big)])
    form.get_by_role("button", name="提交佐证材料").click()
    panel = form.locator(".upload-progress")
    failed = panel.locator(".upload-row.upload-failed")
    expect(failed).to_contain_text(big.name)
    expect(failed).to_contain_text(f"超过大小上限 {MAX_UPLOAD_MB}")
    expect(panel.locator(".upload-row.upload-ok")).to_contain_text(small.name)
    again = panel.get_by_role("button", name="刷新页面查看已上传的材料")
    expect(again).to_be_visible()
    shots.take(page, "upload-refused")

    again.click()
    evidence = page.locator("#item-1 table.evidence")
    expect(evidence).to_contain_text(small.name)
    expect(evidence).not_to_contain_text(big.name)
    shots.take(page, "upload-refused-after-reload")
    assert count(data, Evidence, Evidence.measure_id == mid) == 1
    assert not member.problems, "the browser reported errors:\n" + "\n".join(member.problems)


def test_another_units_member_gets_a_chinese_refusal_not_the_measure_or_its_files(
    live_server: LiveServer, data: App, open_browser: Any, shots: Shots, tmp_path: Path
) -> None:
    ident = f"{JIADING}/17"  # 区市场监管局 alone: nothing to do with 区经委
    mid = measure_id(data, JIADING, "17")
    live_server.cli("--as", MARKET, "start", ident)
    secret = write_file(tmp_path, "内部台账.pdf", pdf_bytes("Internal ledger"))
    live_server.cli("--as", MARKET, "evidence", "add", ident, "--item", "1", str(secret))
    [eid] = evidence_ids(data, mid)

    outsider = open_browser(ECONOMY)
    outsider.expected += [(403, rf"/measures/{mid}$"), (403, rf"/evidence/{eid}/(view|file)$")]
    sign_in(outsider, shots)
    page = outsider.page
    expect(page.locator(f'table.worklist tr[data-measure="{mid}"]')).to_have_count(0)

    answer = page.goto(f"/measures/{mid}")
    assert answer is not None and answer.status == 403
    expect(page.locator("main")).to_contain_text("无权")
    expect(page.locator("main")).not_to_contain_text(secret.name)
    shots.take(page, "other-unit-measure-refused")
    for what in ("view", "file"):
        answer = page.goto(f"/evidence/{eid}/{what}")
        assert answer is not None and answer.status == 403
        assert b"Internal ledger".hex().encode() not in answer.body()
        expect(page.locator("main")).to_contain_text("无权")
    shots.take(page, "other-unit-evidence-refused")
    assert not outsider.problems, "the browser reported errors:\n" + "\n".join(outsider.problems)
