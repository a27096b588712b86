"""The read side asks the one visibility rule: another zone's objects are refused like missing
ones (and the attempt audited), lists leave them out, and a unit member lists only what their
unit may open. A walk over `workflow.read` fails when a read taking a unit of work has no
viewer or is not tried here.

The two zones of tests/support/two_zones.py: zone A (嘉定区, Jiading's plan) and zone B
(武汉市某区, Wuhan's plan with measure 13 self-checked with a file, and Xuchang's targets with a
reported file); both have a unit named 区市场监管局.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import workflow.read
from reports.export import plan_export
from tests.integration.workflow_helpers import actor, audit_entries, make_app, plan_id
from tests.support.two_zones import (
    A_ADMIN,
    A_MEMBER,
    A_REVIEWER,
    B_ADMIN,
    B_MEMBER,
    B_REVIEWER,
    JIADING,
    MISSING,
    World,
    build_world,
    fingerprint,
)
from workflow.clock import office_today
from workflow.domain.permissions import Actor
from workflow.domain.states import Role
from workflow.errors import NotFound, Refused
from workflow.models import Person
from workflow.notify.outbox import enqueue
from workflow.notify.rules import Channel, MessageStatus
from workflow.read import (
    evidence,
    expert_sheet,
    extensions_appeals,
    formal_review,
    history,
    inbox,
    indicators,
    measures,
    overdue,
    panel,
    plan_evidence,
    progress,
    render_jobs,
    review_queue,
    scores,
    self_assessment,
    site_checks,
    worklist,
)
from workflow.read.messages import list_messages
from workflow.read.plans import plan_summaries
from workflow.services import access, people
from workflow.services.contacts import Contacts, set_contacts
from workflow.services.experts import assign_expert
from workflow.services.plan_catalog import plan_catalog

# Each read that takes ids: which of zone B's objects it is tried with, and how it is called.
Read = Callable[[World, Actor, int], Any]

READS: dict[str, tuple[str, Read]] = {
    "read.render_jobs.get_job": ("render_job_b", lambda w, a, n: render_jobs.get_job(w.app.uow(), a, n)),
    "read.evidence.list_evidence": (
        "measure_b",
        lambda w, a, n: evidence.list_evidence(w.app.uow(), a, n, include_old=True),
    ),
    "read.indicators.plan_indicators": ("xuchang", lambda w, a, n: indicators.plan_indicators(w.app.uow(), a, n)),
    "read.progress.plan_measures": ("plan_b", lambda w, a, n: progress.plan_measures(w.app.uow(), a, n)),
    "read.measures.plan_works": ("plan_b", lambda w, a, n: measures.plan_works(w.app.uow(), a, n)),
    "read.measures.one_work": ("measure_b", lambda w, a, n: measures.one_work(w.app.uow(), a, n)),
    "read.plan_evidence.plan_evidence": ("plan_b", lambda w, a, n: plan_evidence.plan_evidence(w.app.uow(), a, n)),
    # None when the plan has no index system, as zone B's has not: wrapped, so that zone B's
    # own read below counts as an answer.
    "read.scores.score_summary": ("plan_b", lambda w, a, n: (scores.score_summary(w.app.uow(), a, n),)),
    # None while no formal review is open, as for zone B's plan: wrapped like the scores.
    "read.formal_review.formal_status": (
        "plan_b",
        lambda w, a, n: (formal_review.formal_status(w.app.uow(), a, n),),
    ),
    "read.progress.plan_status": ("plan_b", lambda w, a, n: progress.plan_status(w.app.uow(), a, n)),
    "read.panel.expert_panel": ("plan_b", lambda w, a, n: panel.expert_panel(w.app.uow(), a, n)),
    "read.expert_sheet.expert_sheet": ("plan_b", lambda w, a, n: expert_sheet.expert_sheet(w.app.uow(), a, n)),
    "read.self_assessment.self_assessment": ("plan_b", lambda w, a, n: self_assessment.self_assessment(w.app.uow(), a, n)),
    "read.panel.panel_seats": ("plan_b", lambda w, a, n: panel.panel_seats(w.app.uow(), a, n)),
    "read.overdue.overdue_list": ("plan_b", lambda w, a, n: overdue.overdue_list(w.app.uow(), a, n)),
    "read.history.measure_history": ("measure_b", lambda w, a, n: history.measure_history(w.app.uow(), a, n)),
    "read.worklist.measure_detail": (
        "measure_b",
        lambda w, a, n: worklist.measure_detail(w.app.uow(), a, n, office_today()),
    ),
    "read.review_queue.review_detail": ("measure_b", lambda w, a, n: review_queue.review_detail(w.app.uow(), a, n)),
    # 现场核查: zone B's plan has a check with a photo.
    "read.site_checks.site_checks_of": ("plan_b", lambda w, a, n: site_checks.site_checks_of(w.app.uow(), a, n)),
    "read.site_checks.site_check_view": ("site_check_b", lambda w, a, n: site_checks.site_check_view(w.app.uow(), a, n)),
    "read.site_checks.site_check_page": ("site_check_b", lambda w, a, n: site_checks.site_check_page(w.app.uow(), a, n)),
    "read.site_checks.site_photo": ("site_photo_b", lambda w, a, n: site_checks.site_photo(w.app.uow(), a, n)),
    "read.site_checks.visitable_units": ("plan_b", lambda w, a, n: site_checks.visitable_units(w.app.uow(), a, n)),
    "read.site_checks.unit_ids_named": (
        "plan_b",
        lambda w, a, n: site_checks.unit_ids_named(w.app.uow(), a, n, ["区市场监管局"]),
    ),
    # 延期与申诉: a plan's requests and appeals (the office's tab) and one measure's.
    "read.extensions_appeals.plan_requests": ("plan_b", lambda w, a, n: extensions_appeals.plan_requests(w.app.uow(), a, n)),
    "read.extensions_appeals.measure_requests": (
        "measure_b",
        lambda w, a, n: extensions_appeals.measure_requests(w.app.uow(), a, n),
    ),
    # The exports, read the same way.
    "reports.export.plan_export": ("plan_b", lambda w, a, n: plan_export(w.app.uow(), a, n)),
    "services.plan_catalog.plan_catalog": ("plan_b", lambda w, a, n: plan_catalog(w.app.uow(), a, n)),
    # The services' single-object reads, built on the same rows.
    "access.open_evidence (measure)": ("evidence_b", lambda w, a, n: access.open_evidence(w.app.uow(), a, n)),
    "access.open_evidence (indicator)": (
        "indicator_evidence_b",
        lambda w, a, n: access.open_evidence(w.app.uow(), a, n),
    ),
}
# The office's own pages: an expert, even of the plan's panel, is refused them (they list the
# zone's expert accounts, and the self-assessment is the office's to work on).
OFFICE_ONLY = {"read.self_assessment.self_assessment", "read.panel.panel_seats"}
# The reads that list across plans take no id: the test of lists below tries them.
LISTS = {
    "read.worklist.unit_worklist",
    "read.review_queue.review_queue",
    "read.expert_sheet.panel_plans",
    # The notices of the viewer's own unit (tests/integration/test_formal_review.py), and the
    # register looked up by a file's sha256 (tests/e2e/test_cli_signed_reports.py: another
    # zone's issue reads as none).
    "read.formal_review.unit_notices",
    "read.issued.issued_by_sha256",
    # Outgoing messages, and render jobs with their files (the tests below; a job's file is
    # the job read above and then the file, which an unrendered job has not).
    "read.messages.list_messages",
    "read.render_jobs.list_jobs",
    "read.render_jobs.job_file",
    # The in-app inbox: a person's own messages only, across zones too (the test below;
    # tests/integration/test_inbox.py within a zone).
    "read.inbox.inbox",
    "read.inbox.unread_count",
    "read.inbox.inbox_message",
}


@pytest.fixture
def world(db_url: str, tmp_path: Path, seeds_dir: Path) -> Iterator[World]:
    app = make_app(db_url, tmp_path / "home")
    yield build_world(app, seeds_dir, tmp_path / "up")
    app.close()


def _refusal(call: Read, world: World, who: Actor, number: int) -> NotFound:
    with pytest.raises(NotFound) as caught:
        call(world, who, number)
    return caught.value


def test_every_read_refuses_another_zones_object_in_the_words_of_a_missing_one(world: World) -> None:
    before = fingerprint(world.app)
    for name in (A_MEMBER, A_REVIEWER, A_ADMIN):
        who = actor(world.app, name)
        for read, (attr, call) in READS.items():
            number = int(getattr(world, attr))
            seen = len(audit_entries(world.app))
            hidden = _refusal(call, world, who, number)
            entries = audit_entries(world.app)[seen:]
            assert any(e.refused and e.actor == name for e in entries), (name, read, "not audited")
            missing = _refusal(call, world, who, MISSING)
            # Nothing tells zone B's object from a number nobody uses, but the number itself.
            said = str(missing).replace(str(MISSING), str(number))
            assert (str(hidden), hidden.code) == (said, missing.code), (name, read)
    assert fingerprint(world.app) == before


def test_zone_bs_own_people_read_the_same_objects(world: World) -> None:
    # The refusals above are about zones, not broken reads: zone B's office reads them all.
    who = actor(world.app, B_REVIEWER)
    for read, (attr, call) in READS.items():
        assert call(world, who, int(getattr(world, attr))) is not None, read


def test_lists_leave_out_other_zones_and_a_member_lists_only_what_their_unit_may_open(world: World) -> None:
    app = world.app
    a_member, a_reviewer, b_member = (actor(app, n) for n in (A_MEMBER, A_REVIEWER, B_MEMBER))
    with app.uow() as uow:
        keys = {s.key for s in plan_summaries(uow.session, a_reviewer)}
    assert keys == {JIADING}
    assert review_queue.review_queue(app.uow(), a_reviewer) == []  # zone B's measure 13 waits in B's queue
    assert [r.measure_id for r in review_queue.review_queue(app.uow(), actor(app, B_REVIEWER))] == [world.measure_b]
    assert {i.plan_key for i in worklist.unit_worklist(app.uow(), a_member, office_today())} == {JIADING}

    jiading = plan_id(app, JIADING)
    _, every = progress.plan_measures(app.uow(), a_reviewer, jiading)
    _, mine = progress.plan_measures(app.uow(), a_member, jiading)
    assert 0 < len(mine) < len(every)
    # The member's list is exactly the measures their unit may open one by one.
    for row in every:
        opened = True
        try:
            worklist.measure_detail(app.uow(), a_member, row.id, office_today())
        except Refused:  # not the member's unit
            opened = False
        assert opened is (row in mine), row.ref
    _, wuhan_rows = progress.plan_measures(app.uow(), b_member, world.plan_b)
    assert world.measure_b in {r.id for r in wuhan_rows}
    assert all("区市场监管局" in r.units for r in wuhan_rows)


def test_an_expert_reads_every_object_of_its_plan_and_none_of_another_plan_of_its_zone(world: World) -> None:
    """Zone B's experts: one on Xuchang's panel, one on Wuhan's. Wuhan's plan, measure and
    evidence are refused to Xuchang's expert exactly as missing ones (and audited), read by
    Wuhan's; neither lists the zone's people or units."""
    app = world.app
    admin = actor(app, B_ADMIN)
    for name, plan in (("许昌评审专家", world.xuchang), ("武汉评审专家", world.plan_b)):
        people.add_person(app.uow(), admin, name, role=Role.EXPERT, unit=None, organisation="某大学知识产权学院")
        assign_expert(app.uow(), admin, plan, name, leader=True)
    other, own = actor(app, "许昌评审专家"), actor(app, "武汉评审专家")
    wuhans = {read: entry for read, entry in READS.items() if entry[0] in ("plan_b", "measure_b", "evidence_b")}
    before = fingerprint(app)
    for read, (attr, call) in wuhans.items():
        number = int(getattr(world, attr))
        seen = len(audit_entries(app))
        hidden = _refusal(call, world, other, number)
        assert any(e.refused and e.actor == other.name for e in audit_entries(app)[seen:]), (read, "not audited")
        missing = _refusal(call, world, other, MISSING)
        assert (str(hidden), hidden.code) == (str(missing).replace(str(MISSING), str(number)), missing.code), read
        if read in OFFICE_ONLY:
            with pytest.raises(Refused):
                call(world, own, number)
        else:
            assert call(world, own, number) is not None, read
    assert fingerprint(app) == before
    # Xuchang's reported evidence is its expert's to read, not Wuhan's.
    assert access.open_evidence(app.uow(), other, world.indicator_evidence_b) is not None
    with pytest.raises(NotFound):
        access.open_evidence(app.uow(), own, world.indicator_evidence_b)
    with app.uow() as uow:
        assert {s.id for s in plan_summaries(uow.session, own)} == {world.plan_b}
    assert review_queue.review_queue(app.uow(), own) == []
    assert [p.plan_id for p in expert_sheet.panel_plans(app.uow(), own)] == [world.plan_b]
    for listing in (people.list_people, people.list_units):
        with pytest.raises(Refused):
            listing(app.uow(), own)


def _read_functions() -> dict[str, inspect.Signature]:
    found = {}
    for info in pkgutil.iter_modules(workflow.read.__path__):
        module = importlib.import_module(f"workflow.read.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                found[f"read.{info.name}.{name}"] = inspect.signature(fn)
    return found


def test_every_read_of_the_package_that_opens_a_transaction_takes_a_viewer_and_is_tried_above() -> None:
    reads = {name: sig for name, sig in _read_functions().items() if "uow" in sig.parameters}
    assert reads, "the walk found no reads: has the package moved?"
    without_viewer = [name for name, sig in reads.items() if "viewer" not in sig.parameters]
    assert without_viewer == []
    tried = set(READS) | LISTS
    assert set(reads) <= tried, f"not tried across zones: {sorted(set(reads) - tried)}"



def test_messages_list_only_the_viewers_zone_and_a_member_only_their_own(world: World) -> None:
    app = world.app
    for admin, name in ((A_ADMIN, A_MEMBER), (B_ADMIN, B_MEMBER)):
        set_contacts(app.uow(), actor(app, admin), name, Contacts(email="someone@example.org"))
    with app.uow() as uow:
        for name in (A_MEMBER, B_MEMBER):
            person = uow.session.scalars(select(Person).where(Person.name == name)).one()
            enqueue(
                uow.session, person, event_kind="due_soon", event_key="due_soon:1", subject="临近提醒", body="请按期完成",
                channels=[Channel.EMAIL],  # the in-app copies: test_inbox_lists_only_the_viewers_own below
            )
        uow.commit()
    assert [m.person for m in list_messages(app.uow(), actor(app, A_REVIEWER))] == [A_MEMBER]
    assert [m.person for m in list_messages(app.uow(), actor(app, B_ADMIN))] == [B_MEMBER]
    assert [m.person for m in list_messages(app.uow(), actor(app, B_MEMBER))] == [B_MEMBER]
    assert list_messages(app.uow(), actor(app, A_ADMIN), statuses=(MessageStatus.SENT,)) == []


def test_the_inbox_lists_only_the_viewers_own_and_another_zones_message_reads_as_missing(world: World) -> None:
    app = world.app
    with app.uow() as uow:
        for name in (A_MEMBER, B_MEMBER, B_ADMIN):
            person = uow.session.scalars(select(Person).where(Person.name == name)).one()
            enqueue(uow.session, person, event_kind="returned", event_key="returned:1", subject=f"给{name}", body="正文")
        uow.commit()
    for name in (A_MEMBER, B_MEMBER, B_ADMIN):
        listing = inbox.inbox(app.uow(), actor(app, name))
        assert [m.subject for m in listing.items] == [f"给{name}"]
        assert inbox.unread_count(app.uow(), actor(app, name)) == 1
    theirs = inbox.inbox(app.uow(), actor(app, B_MEMBER)).items[0].id
    for name in (A_MEMBER, A_ADMIN, B_ADMIN):  # the office of B's own zone included
        with pytest.raises(NotFound, match=f"找不到编号为 {theirs} 的消息"):
            inbox.inbox_message(app.uow(), actor(app, name), theirs)


def test_render_jobs_are_listed_to_their_zones_office_and_their_files_refused_across_zones(world: World) -> None:
    app, job = world.app, world.render_job_b
    assert render_jobs.list_jobs(app.uow(), actor(app, A_REVIEWER)) == []
    assert [j.id for j in render_jobs.list_jobs(app.uow(), actor(app, B_ADMIN))] == [job]
    assert render_jobs.list_jobs(app.uow(), actor(app, B_MEMBER)) == []  # a unit's member: not the office
    before = fingerprint(app)
    for name in (A_REVIEWER, A_ADMIN, B_MEMBER):
        seen = len(audit_entries(app))
        hidden = _refusal(lambda w, a, n: render_jobs.job_file(w.app.uow(), w.app.settings.home, a, n), world, actor(app, name), job)
        assert any(e.refused and e.actor == name for e in audit_entries(app)[seen:]), name
        assert hidden.code == "render_job_missing"
    with pytest.raises(NotFound) as unrendered:  # zone B's office: seen, but nothing to download yet
        render_jobs.job_file(app.uow(), app.settings.home, actor(app, B_REVIEWER), job)
    assert unrendered.value.code == "render_job_not_done"
    assert fingerprint(app) == before
