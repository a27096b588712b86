"""Property-based fuzzing of the page forms: every POST route of the pages, found by walking the
app, gets hypothesis-generated forms from the person who would send it.

Each declared Form or File field gets a strategy from its type and bounds (text with NUL, lone
surrogates, invalid UTF-8, Chinese and lengths around and far past the field's limit; numbers
out of range or not numbers at all; malformed dates; files of any content and name, some over
the upload limit), is sometimes left out, and sometimes comes with unknown fields; the CSRF
token is the session's own unless the case drops or forges it. Every answer must be a redirect
to a local page, or a page with a Chinese notice (4xx for bad input), or the download asked
for; never a 5xx. Afterwards the audit chain and every stored file still verify.

The table below names, per route, who sends it and which real objects the path names; a page
form without an entry fails the test, so a new one is fuzzed from the start. Both backends
(tests/conftest.py), derandomized and with a fixed number of examples per route.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args
from urllib.parse import quote_from_bytes

import annotated_types
import pytest
from fastapi import FastAPI, UploadFile
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from sqlalchemy import select, update

from tests.integration.test_expert_panels import INDEX as EXPERT_INDEX
from tests.integration.test_expert_panels import LEADER, ORG
from tests.integration.workflow_helpers import (
    ADMIN,
    COURT,
    ECONOMY,
    JIADING,
    MARKET,
    REVIEWER_A,
    actor,
    measure_id,
    pdf_bytes,
    plan_id,
    png_bytes,
    seed_path,
    write_file,
)
from tests.support.forms import Field, File, Value, multipart, raw, urlencoded
from tests.support.routes import walk_routes
from tests.web.conftest import csrf_of, page_csrf, password_hash, sign_in
from tests.web.test_office_support import drive_demo
from workflow.bootstrap import App
from workflow.domain.site_checks import Participant, SiteCheckDraft
from workflow.domain.states import Role
from workflow.models import Evidence, Person
from workflow.services import people
from workflow.services.audit_log import verify_chain
from workflow.services.evidence import verify_store
from workflow.services.experts import assign_expert
from workflow.services.index_systems import load_index
from workflow.services.site_checks import add_site_photo, record_site_check
from workflow.web.app import create_app

BYSTANDER = "吴专家"  # an expert account the 专家组 forms seat and remove
UPLOAD_LIMIT = 64 * 1024  # small, so over-limit files cost nothing to generate
CJK = re.compile(r"[\u4e00-\u9fff]")
DOWNLOADS = ("application/pdf", "application/zip", "application/vnd.openxmlformats")

# ------------------------------------------------------------------------------ field values

SPECIAL_TEXT = [
    "", " ", "\t", "a\x00b", "\x00", "\ud800", "a\udfffb", "\ufeff", "\u202e报告", "\r\n",
    "嘉定区", "区市场监管局", "<script>alert(1)</script>", "../../etc/passwd", "' OR 1=1 --",
    "%00", "1e999990", "NaN", "-1", "0", "9" * 30, "２０２４－０１－０１",
]  # fmt: skip
BAD_BYTES: list[Value] = [b"\xff\xfe\xfd", "嘉定".encode("gb18030"), b"\xed\xa0\x80", b"\xc0\xaf"]
NUMBERS = ["", "abc", "1e999990", "1e999999999", "NaN", "inf", "1.5", "-0", "１２", "٣", "0x10",
           " 1 ", "+1", str(2**63), str(-(2**63) - 1), "9" * 5000]  # fmt: skip
DATES = ["2024-02-30", "2024-13-01", "99999-01-01", "0001-01-01", "9999-12-31", "2024/01/01",
         "20240101", "0000-00-00", "二〇二四年一月一日", "2024-01-01T00:00", "2024-1-1"]  # fmt: skip
DATE_FIELDS = ("date", "due", "as_of", "since", "reply_by", "today")


def any_text(max_length: int) -> SearchStrategy[Value]:
    """Text of every kind: any code point (surrogates too), the specials, raw bytes, and
    lengths just around the field's bound and far past it."""
    lengths = st.integers(max(0, max_length - 1), max_length + 1)
    return st.one_of(
        st.text(st.characters(exclude_categories=()), max_size=30),
        st.sampled_from(SPECIAL_TEXT),
        st.sampled_from(BAD_BYTES),
        lengths.map(lambda n: "字" * n),
        st.just("长" * 100_000),
    )


def any_number(low: int | None, high: int | None) -> SearchStrategy[Value]:
    near = [v for v in (low, high) if v is not None]
    return st.one_of(
        st.integers(-3, 30).map(str),
        st.sampled_from([str(v + d) for v in near for d in (-1, 0, 1)] or ["1"]),
        st.integers(-(2**80), 2**80).map(str),
        st.sampled_from(NUMBERS),
        st.sampled_from(SPECIAL_TEXT),
    )


def any_date() -> SearchStrategy[Value]:
    return st.one_of(
        st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat),
        st.sampled_from(DATES),
        any_text(20),
    )


ZIP_HEAD = b"PK\x05\x06" + b"\x00" * 18  # an empty ZIP
CONTENTS: list[bytes] = [
    pdf_bytes("fuzz"),
    png_bytes(),
    b"%PDF-1.4\n<html><script>alert(1)</script>",
    b"<!DOCTYPE html><html><script>alert(1)</script>",
    b"MZ\x90\x00executable",
    ZIP_HEAD,
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1truncated",
    b"",
    pdf_bytes("over the limit") + b"%" + b"0" * UPLOAD_LIMIT,
]
FILE_NAMES = ["核查报告.pdf", "核查报告.html", "a.pdf.exe", ".hta", "照片.PNG", "a\x00b.pdf",
              "\ud800.pdf", "../../x.pdf", "C:\\tmp\\报告.pdf", "名" * 300 + ".pdf", "报告\u202efdp.exe"]  # fmt: skip


def any_file() -> SearchStrategy[tuple[Value, bytes]]:
    names = st.one_of(st.sampled_from(FILE_NAMES), any_text(60))
    contents = st.one_of(st.sampled_from(CONTENTS), st.binary(max_size=2048))
    return st.tuples(names, contents)


@dataclass(frozen=True)
class FieldValues:
    """What one declared body parameter is sent: anything, or (for half the cases) only
    plausible values, so that a form gets past the edge to the service often enough."""

    is_file: bool
    hostile: SearchStrategy[Any]
    plausible: SearchStrategy[Any]


PLAIN_TEXT = st.text(st.sampled_from("嘉定区市场监管局台账自查说明 abc123-"), max_size=20)
PLAIN_FILES = st.tuples(st.sampled_from(["台账.pdf", "照片.png", "说明.PDF"]), st.sampled_from(CONTENTS[:2]))


def values_of(param: Any) -> FieldValues:
    info = param.field_info
    annotation = info.annotation
    kinds = set(get_args(annotation)) | {annotation}
    if any(k is UploadFile or get_args(k) == (UploadFile,) for k in kinds):
        most = 3 if any(getattr(k, "__origin__", None) is list for k in kinds) else 1
        return FieldValues(
            True, st.lists(any_file(), max_size=most), st.lists(PLAIN_FILES, min_size=1, max_size=most)
        )
    bounds = {type(m): m for m in info.metadata}
    if int in kinds:
        low = getattr(bounds.get(annotated_types.Ge), "ge", None)
        high = getattr(bounds.get(annotated_types.Le), "le", None)
        plausible = st.integers(low if low is not None else 0, high if high is not None else 30)
        return FieldValues(False, any_number(low, high), plausible.map(str))
    max_length = getattr(bounds.get(annotated_types.MaxLen), "max_length", 100)
    if any(word in param.alias for word in DATE_FIELDS):
        dates = st.dates(dt.date(2023, 1, 1), dt.date(2031, 12, 31)).map(dt.date.isoformat)
        return FieldValues(False, any_date(), dates)
    return FieldValues(False, any_text(max_length), PLAIN_TEXT)


# ------------------------------------------------------------------------------ the routes


@dataclass
class World:
    """The real objects and signed-in browsers the forms are sent with."""

    app: FastAPI
    clients: dict[str, TestClient]
    measures: list[int]  # in every state of test_office_support's demo
    evidence: list[int]
    plan_id: int
    staged: list[str]  # import tokens of real previews
    site_checks: list[int] = field(default_factory=list)  # a 现场核查 of the plan
    site_photos: list[int] = field(default_factory=list)  # and its photo
    csrf: dict[str, str] = field(default_factory=dict)  # each signed-in person's token


@dataclass(frozen=True)
class FormRoute:
    """Who sends the form, what its path names, and sensible values to reach deeper code."""

    who: str | None  # None: nobody signed in (the login form)
    path: dict[str, Callable[[World], SearchStrategy[Any]]] = field(default_factory=dict)
    sensible: Callable[[World], dict[str, list[Value]]] = lambda w: {}
    extra: Callable[[World], SearchStrategy[list[Field]]] = lambda w: st.just([])
    examples: int = 12


def ids(real: Callable[[World], list[int]]) -> Callable[[World], SearchStrategy[Any]]:
    """Mostly real objects; sometimes ids nobody has, and ids past any integer column."""
    return lambda w: st.one_of(
        st.sampled_from(real(w)),
        st.sampled_from([0, -1, 999_999, 2**31, 2**63, 10**30]),
    )


def measures(w: World) -> list[int]:
    return w.measures


def evidence(w: World) -> list[int]:
    return w.evidence


def plans(w: World) -> list[int]:
    return [w.plan_id]


def site_checks(w: World) -> list[int]:
    return w.site_checks


def site_photos(w: World) -> list[int]:
    return w.site_photos


def ratings(w: World) -> SearchStrategy[list[Field]]:
    """The self-check form's rating_N fields, which the route reads from the raw form."""
    key = st.one_of(st.integers(-2, 12).map(lambda n: f"rating_{n}"), st.just("rating_x"))
    value = st.one_of(st.sampled_from(["完成", "部分完成", "未完成", ""]), any_text(20))
    return st.lists(st.tuples(key, value), max_size=3)


def group_fields(w: World) -> SearchStrategy[list[Field]]:
    """The group form's fields (read from the raw form): the group and its checked members."""
    groups = st.sampled_from(["区知识产权联席会议各成员单位", "", "没有这个群体"]) | any_text(200)
    members = st.lists(st.sampled_from(["区法院", "区检察院", "区经委"]) | any_text(200), max_size=4)
    return st.tuples(groups, members).map(
        lambda gm: [("group", gm[0]), *(("member", m) for m in gm[1])]
    )


def evidence_choices(w: World) -> SearchStrategy[list[Field]]:
    """The self-score form's repeated `evidence` checkboxes (read from the raw form)."""
    value = st.sampled_from([str(e) for e in w.evidence[:3]] + ["", "0", "#1", "x"]) | any_text(20)
    return st.lists(value, max_size=3).map(lambda vs: [("evidence", v) for v in vs])


# Values that reach the editor's validation: real refs, a real unit, each kind and deadline kind.
MEASURE_EDIT: dict[str, list[Value]] = {
    "ref": ["1", "2", "S1", "99"],
    "kind": ["measure", "safeguard", "outcome", "nonsense"],
    "lead": ["区市场监管局", ""],
    "deadline_kind": ["fixed", "annual", "none", "nonsense"],
    "due": ["2030-06-30", "2030-02-30"],
    "checklist": ["制度文件 | 文件、链接 | 2", "条目 | 未知 | -1"],
}
RESHAPE: dict[str, list[Value]] = {
    "action": ["merge", "split", "nonsense"],
    "refs": ["1 2", "1 1", "99 100"],
    "ref": ["1", "99"],
    "parts": ["第一部分\n第二部分", ""],
}

# Values that reach the expert scores' checks: leaves, a parent, a missing code; marks in and
# out of the points.
EXPERT_MARK: dict[str, list[Value]] = {
    "code": ["1.1", "4", "1", "99"],
    "points": ["36", "40.01", "1e3", "abc"],
    "met": ["yes", "no", ""],
    "version": ["1", "2"],
}
# Values that reach a 现场核查's validation: a date in and out of the plan's period, lines of
# participants and samples well and badly written.
SITE_CHECK: dict[str, list[Value]] = {
    "date": ["2024-04-20", "2023-01-01", "2099-01-01"],
    "place": ["区政府第一会议室"],
    "participants": ["李教授|组长\r\n陈研究员|专家", "李教授\n李教授", "甲|乙|丙"],
    "documents": ["联席会议纪要\r\n台账"],
    "samples": ["某企业|专利管理制度|已建立", "只有地点"],
    "findings": ["机制健全。\r\n台账完整。"],
    "conclusion": ["达标", "基本达标"],
}

# Addresses well and badly written, for the channels forms.
CONTACTS: dict[str, list[Value]] = {
    "email": ["zhao@jiading.gov.cn", "not-an-address", "a@b", ""],
    "dingtalk": ["zhao01", "有 空格", ""],
    "wecom": ["zhao.w", "a|b", ""],
}


ROUTES: dict[str, FormRoute] = {
    "/login": FormRoute(None, sensible=lambda w: {"name": [MARKET], "password": ["wrong-pass"], "next": ["/unit", "//evil.example"]}),
    # Someone the login form's fuzzing never names: its failures would make this sign-in wait.
    "/logout": FormRoute(ECONOMY, examples=3),
    "/measures/{measure_id}/start": FormRoute(MARKET, {"measure_id": ids(measures)}),
    "/measures/{measure_id}/part": FormRoute(MARKET, {"measure_id": ids(measures)}),
    "/measures/{measure_id}/self-check": FormRoute(
        MARKET, {"measure_id": ids(measures)}, lambda w: {"statement": ["自查情况说明"]}, ratings
    ),
    "/measures/{measure_id}/withdraw": FormRoute(MARKET, {"measure_id": ids(measures)}),
    "/measures/{measure_id}/evidence": FormRoute(
        MARKET, {"measure_id": ids(measures)},
        lambda w: {"item": ["1", "2"], "doc_date": ["2024-01-15"], "link": ["https://example.org/a"]}, examples=20,
    ),  # fmt: skip
    # 延期与申诉: a unit's request, withdrawal and appeal; the office's decision and answer.
    "/measures/{measure_id}/extension": FormRoute(
        MARKET, {"measure_id": ids(measures)}, lambda w: {"due": ["2099-01-01", "2024-04-20"], "reason": ["数据延后发布"]}
    ),
    "/measures/{measure_id}/extension/withdraw": FormRoute(
        MARKET, {"measure_id": ids(measures)}, lambda w: {"extension": ["1", "2"]}, examples=6
    ),
    "/measures/{measure_id}/appeal": FormRoute(
        MARKET, {"measure_id": ids(measures)},
        lambda w: {"ground": ["wording", "follow_up", "表述有误", "nonsense"], "reason": ["退回意见与事实不符"]},
    ),  # fmt: skip
    "/office/plans/{plan_id}/extensions/decide": FormRoute(
        REVIEWER_A, {"plan_id": ids(plans)},
        lambda w: {"extension": ["1", "2"], "decision": ["approve", "reject", "x"], "due": ["2099-01-01"], "note": ["同意"]},
    ),  # fmt: skip
    "/office/plans/{plan_id}/appeals/answer": FormRoute(
        REVIEWER_A, {"plan_id": ids(plans)},
        lambda w: {"appeal": ["1", "2"], "decision": ["uphold", "dismiss"], "due": ["2099-01-01"], "note": ["答复"]},
    ),  # fmt: skip
    "/evidence/{evidence_id}/replace": FormRoute(MARKET, {"evidence_id": ids(evidence)}),
    "/evidence/{evidence_id}/remove": FormRoute(MARKET, {"evidence_id": ids(evidence)}),
    "/office/review/{measure_id}/accept": FormRoute(
        REVIEWER_A, {"measure_id": ids(measures)}, lambda w: {"version": ["1", "2", "3"], "score": ["90"]}
    ),
    "/office/review/{measure_id}/return": FormRoute(
        REVIEWER_A, {"measure_id": ids(measures)},
        lambda w: {"version": ["1", "2", "3"], "comment": ["缺少台账"], "due": ["2030-01-01"]},
    ),  # fmt: skip
    "/office/people/add": FormRoute(
        ADMIN,
        sensible=lambda w: {"role": ["member", "reviewer", "admin", "expert"], "unit": ["区法院", ""], "organisation": ["某大学", ""]},
    ),
    # A bystander's password only: changing the fuzzing people's own would sign them out.
    "/office/people/password": FormRoute(ADMIN, sensible=lambda w: {"name": [COURT]}),
    "/office/people/unit": FormRoute(ADMIN),
    "/office/people/group": FormRoute(ADMIN, extra=group_fields),
    "/office/people/levels": FormRoute(ADMIN, sensible=lambda w: {"plan": [JIADING]}),
    "/office/people/contacts": FormRoute(ADMIN, sensible=lambda w: {"name": [COURT, "无此人"], **CONTACTS}),
    "/profile/contacts": FormRoute(MARKET, sensible=lambda w: CONTACTS, examples=10),
    "/inbox/read-all": FormRoute(MARKET, examples=4),
    "/office/people/escalation": FormRoute(
        ADMIN,
        sensible=lambda w: {
            "blue_days": ["15", "0", "91", "九"], "yellow_days": ["5", "20"], "yellow_share": ["60", "5"],
            "report_to_office": ["是", "否", "maybe"],
        },
    ),
    "/office/import": FormRoute(ADMIN, examples=8),
    "/office/import/confirm": FormRoute(ADMIN, sensible=lambda w: {"token": ["A" * 32, *w.staged]}),
    "/office/import/cancel": FormRoute(ADMIN, sensible=lambda w: {"token": ["A" * 32, *w.staged]}),
    # The plan editor (校正): in the import preview and on an imported plan.
    "/office/import/edit": FormRoute(ADMIN, sensible=lambda w: {"token": ["A" * 32, *w.staged], **MEASURE_EDIT}),
    "/office/import/reshape": FormRoute(ADMIN, sensible=lambda w: {"token": ["A" * 32, *w.staged], **RESHAPE}),
    "/office/plans/{plan_id}/corrections": FormRoute(ADMIN, {"plan_id": ids(plans)}, lambda w: MEASURE_EDIT),
    "/office/plans/{plan_id}/corrections/reshape": FormRoute(ADMIN, {"plan_id": ids(plans)}, lambda w: RESHAPE),
    "/plans/{plan_id}/site-checks": FormRoute(REVIEWER_A, {"plan_id": ids(plans)}, lambda w: SITE_CHECK),
    "/site-checks/{check_id}": FormRoute(
        REVIEWER_A, {"check_id": ids(site_checks)}, lambda w: {**SITE_CHECK, "version": ["1", "2"]}
    ),
    "/site-checks/{check_id}/photos": FormRoute(
        REVIEWER_A, {"check_id": ids(site_checks)}, lambda w: {"caption": ["查阅台账"], "taken_date": ["2024-04-21"]}
    ),
    "/site-photos/{photo_id}/remove": FormRoute(REVIEWER_A, {"photo_id": ids(site_photos)}, examples=4),
    # The last 现场核查 form in the walk (the router's order): the others keep their record.
    "/site-checks/{check_id}/delete": FormRoute(
        REVIEWER_A, {"check_id": ids(site_checks)}, lambda w: {"version": ["1", "2", "3"]}, examples=4
    ),
    "/office/plans/{plan_id}/reports/bundle": FormRoute(REVIEWER_A, {"plan_id": ids(plans)}, examples=3),
    "/office/plans/{plan_id}/reports/ledger": FormRoute(REVIEWER_A, {"plan_id": ids(plans)}, examples=4),
    # The expert's sheet, sent by the 组长 of Jiading's panel (who may do all four).
    "/expert/plans/{plan_id}/score": FormRoute(LEADER, {"plan_id": ids(plans)}, lambda w: EXPERT_MARK),
    "/expert/plans/{plan_id}/final": FormRoute(LEADER, {"plan_id": ids(plans)}, lambda w: EXPERT_MARK),
    "/expert/plans/{plan_id}/opinion": FormRoute(
        LEADER, {"plan_id": ids(plans)}, lambda w: {"panel": ["yes", ""], "text": ["专家组认为……"]}
    ),
    "/expert/plans/{plan_id}/finalise": FormRoute(LEADER, {"plan_id": ids(plans)}, examples=4),
    # The formal review: opened with any days and dates, a notice for a real unit or not, closed.
    "/office/plans/{plan_id}/formal/open": FormRoute(
        REVIEWER_A, {"plan_id": ids(plans)}, lambda w: {"days": ["5", "0", "61"], "today": ["2026-09-24", "2099-01-05"]},
        examples=6,
    ),  # fmt: skip
    "/office/plans/{plan_id}/formal/notice": FormRoute(
        REVIEWER_A, {"plan_id": ids(plans)}, lambda w: {"unit": ["区法院", "区市场监管局"]}, examples=4
    ),
    "/office/plans/{plan_id}/formal/close": FormRoute(REVIEWER_A, {"plan_id": ids(plans)}, examples=3),
    # The 评价指标体系 tab: an index file (the fuzzed upload, or the seat_leader's index
    # again), self-scores of leaves, a parent and a missing code, with evidence chosen or typed.
    "/office/plans/{plan_id}/index": FormRoute(ADMIN, {"plan_id": ids(plans)}, examples=8),
    "/office/plans/{plan_id}/index/self-score": FormRoute(
        ADMIN, {"plan_id": ids(plans)},
        lambda w: {**EXPERT_MARK, "statement": ["自评说明"], "other": ["", "1、2", "x", "999999"]}, evidence_choices,
    ),  # fmt: skip
    # The 专家组 tab: the 组长 and a bystander expert, named or not, made 组长; a new round.
    "/office/plans/{plan_id}/panel/assign": FormRoute(
        ADMIN, {"plan_id": ids(plans)}, lambda w: {"name": [LEADER, BYSTANDER, "没有这个人"], "leader": ["yes", ""]}, examples=8
    ),
    "/office/plans/{plan_id}/panel/remove": FormRoute(
        ADMIN, {"plan_id": ids(plans)}, lambda w: {"name": [BYSTANDER, LEADER]}, examples=6
    ),
    "/office/plans/{plan_id}/panel/round": FormRoute(ADMIN, {"plan_id": ids(plans)}, examples=3),
    "/office/plans/{plan_id}/reports/{kind}": FormRoute(
        REVIEWER_A,
        {
            "plan_id": ids(plans),
            "kind": lambda w: st.sampled_from(
                ["stage", "reminders", "selfassessment", "summary", "nonsense", "..", "%00", "字" * 2000]
            )
            | st.text(st.characters(exclude_categories=()), max_size=30),
        },
        lambda w: {"as_of": ["2024-03-01"], "unit": ["区法院"], "format": ["pdf", "docx", "xlsx"]},
        examples=8,
    ),
}


def page_form_routes(app: FastAPI) -> dict[str, APIRoute]:
    """Every POST route of the pages (not the JSON API), by path."""
    return {
        path: route
        for path, route in walk_routes(app.router.routes)
        if isinstance(route, APIRoute)
        if "POST" in route.methods and not path.startswith("/api/")
    }


# ------------------------------------------------------------------------------ a case


@dataclass
class Case:
    path: str
    fields: list[Field]
    files: list[File]
    as_multipart: bool
    csrf: str  # "own", "missing" or "forged"

    def __repr__(self) -> str:
        # Hypothesis prints the failing case: the 100,000-character texts shortened.
        short = [(k, v[:60] if isinstance(v, str | bytes) else v) for k, v in self.fields]
        files = [(n, name[:60], len(content)) for n, name, content in self.files]
        return f"Case({self.path[:200]!r}, fields={short!r}, files={files!r}, multipart={self.as_multipart}, csrf={self.csrf})"

    def body(self, token: str) -> tuple[bytes, str]:
        fields = list(self.fields)
        if self.csrf == "own":
            fields.append(("csrf_token", token))
        elif self.csrf == "forged":
            fields.append(("csrf_token", "x" * 43))
        if self.as_multipart or self.files:
            return multipart(fields, self.files)
        return urlencoded(fields)


def cases(route: APIRoute, spec: FormRoute, world: World) -> SearchStrategy[Case]:
    hostile, plausible = {}, {}
    file_fields = set()
    sensible = spec.sensible(world)
    for param in route.dependant.body_params:
        values = values_of(param)
        known = [st.sampled_from(sensible[param.alias])] if param.alias in sensible else []
        hostile[param.alias] = st.one_of(*known, values.hostile)
        plausible[param.alias] = st.one_of(*known, values.plausible)
        if values.is_file:
            file_fields.add(param.alias)
    path_values = {name: values(world) for name, values in spec.path.items()}
    unknown = st.lists(st.tuples(any_text(20), any_text(20)), max_size=1)

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        path = route.path
        for name, values in path_values.items():
            value = draw(values)
            path = path.replace("{" + name + "}", quote_from_bytes(raw(str(value)), safe=""))
        anything = draw(st.booleans())
        declared = hostile if anything else plausible
        present = draw(st.fixed_dictionaries({}, optional=declared))  # any field may be missing
        fields: list[Field] = [(k, v) for k, v in present.items() if k not in file_fields]
        files: list[File] = [
            (k, name, content) for k in file_fields for name, content in present.get(k, [])
        ]
        fields += draw(spec.extra(world)) + (draw(unknown) if anything else [])
        csrf = draw(st.sampled_from(["own"] * 8 + ["missing", "forged"]))
        return Case(path, fields, files, draw(st.booleans()), csrf)

    return build()


def problem_with(response: Any) -> str | None:
    """What is wrong with an answer to a form, or None."""
    status = response.status_code
    kind = response.headers.get("content-type", "")
    if status >= 500:
        return f"server error {status}: {response.text[:500]}"
    if status in (302, 303, 307):
        # Local, or (a trailing slash dropped) this very site.
        where = response.headers.get("location", "").removeprefix("https://testserver")
        return None if where.startswith("/") and not where.startswith("//") else f"redirect to {where!r}"
    if 400 <= status < 500:
        if not CJK.search(response.text):
            return f"{status} without a Chinese notice: {response.text[:300]}"
        return None
    if status == 200:
        if kind.startswith(DOWNLOADS):
            return None
        if kind.startswith("text/html") and CJK.search(response.text):
            return None
        return f"200 of {kind} without a Chinese page"
    return f"unexpected status {status}"


# ------------------------------------------------------------------------------ the test


@pytest.fixture
def zc_settings() -> dict[str, Any]:
    """A small upload limit: files over it cost nothing to generate."""
    return {"max_upload_bytes": UPLOAD_LIMIT}


def signed_in(app: FastAPI, name: str) -> TestClient:
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    client.__enter__()
    return sign_in(client, name)


def staged_import(admin: TestClient, plan_text: bytes) -> str:
    """The token of a real import preview (Jiading's plan again), so confirm and cancel are
    sometimes sent one that names a staged file."""
    csrf = page_csrf(admin, "/office/import")
    files = {"file": ("嘉定方案.txt", plan_text, "text/plain")}
    page = admin.post("/office/import", data={"csrf_token": csrf}, files=files)
    match = re.search(r'name="token" value="([^"]+)"', page.text)
    assert page.status_code == 200 and match, page.text[:500]
    return match.group(1)


@pytest.fixture
def world(zc: App, tmp_path: Path, seeds_dir: Path) -> Iterator[World]:
    drive_demo(zc, tmp_path / "files")
    seat_leader(zc)
    app = create_app(zc=zc)
    clients = {who: signed_in(app, who) for who in (MARKET, REVIEWER_A, ADMIN, LEADER)}
    staged = [staged_import(clients[ADMIN], seed_path(seeds_dir, "003").read_bytes()) for _ in range(2)]
    # The login form's fuzzing fails sign-ins from an address of its own, so the throttle it
    # sets off never makes the others wait.
    anonymous = TestClient(
        app, base_url="https://testserver", follow_redirects=False, client=("198.51.100.7", 50000)
    )
    anonymous.__enter__()
    clients[""] = anonymous
    refs = ("16", "13", "12", "19", "17", "10")
    with zc.uow() as uow:
        files = list(uow.session.scalars(select(Evidence.id).order_by(Evidence.id)))
    measures = [measure_id(zc, JIADING, ref) for ref in refs]
    check = record_site_check(
        zc.uow(), actor(zc, REVIEWER_A), plan_id(zc, JIADING),
        SiteCheckDraft(dt.date(2024, 4, 20), "区政府", (Participant("李教授", "组长"),)),
    )  # fmt: skip
    photo = add_site_photo(
        zc.uow(), zc.store, actor(zc, REVIEWER_A), check.id, write_file(tmp_path / "photos", "现场.png", png_bytes()), "台账"
    )
    yield World(app, clients, measures, files, plan_id(zc, JIADING), staged, [check.id], [photo.id])
    for client in clients.values():
        client.__exit__(None, None, None)


def seat_leader(zc: App) -> None:
    """Jiading's index system and the 组长 of its panel, signing in like everybody else."""
    jiading, admin = plan_id(zc, JIADING), actor(zc, ADMIN)
    load_index(zc.uow(), admin, jiading, "指标体系.yaml", EXPERT_INDEX.replace("RULE", "leader").encode())
    people.add_person(zc.uow(), admin, LEADER, role=Role.EXPERT, unit=None, organisation=ORG)
    assign_expert(zc.uow(), admin, jiading, LEADER, leader=True)
    people.add_person(zc.uow(), admin, BYSTANDER, role=Role.EXPERT, unit=None, organisation=ORG)
    with zc.uow() as uow:
        uow.session.execute(update(Person).where(Person.name == LEADER).values(password_hash=password_hash()))
        uow.commit()


HOMES = {MARKET: "/unit", LEADER: "/expert"}


def send(world: World, spec: FormRoute, case: Case) -> Any:
    if spec.who is None:
        client = world.clients[""]
        token = csrf_of(client.get("/login").text)  # the login form's own (pre-session) token
    elif case.path == "/logout":
        client = signed_in(world.app, spec.who)  # each sign-out ends a session of its own
        token = page_csrf(client)
    else:
        client = world.clients[spec.who]
        if spec.who not in world.csrf:  # a session keeps its token: read it once
            world.csrf[spec.who] = page_csrf(client, HOMES.get(spec.who, "/office"))
        token = world.csrf[spec.who]
    body, kind = case.body(token)
    try:
        return client.post(case.path, content=body, headers={"Content-Type": kind})
    finally:
        if case.path == "/logout":
            client.__exit__(None, None, None)


def fuzz(world: World, route: APIRoute, spec: FormRoute, statuses: Counter[str]) -> None:
    """Send `spec.examples` generated forms to one route; raises on the first bad answer."""

    @given(case=cases(route, spec, world))
    @settings(
        max_examples=spec.examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Case) -> None:
        response = send(world, spec, case)
        statuses[str(response.status_code)] += 1
        problem = problem_with(response)
        assert problem is None, f"{case!r:.1000}: {problem}"

    run()


def test_no_page_form_fails_whatever_it_is_sent(
    zc: App, world: World, record_property: Callable[[str, object], None]
) -> None:
    forms = page_form_routes(world.app)
    assert set(forms) - set(ROUTES) == set(), "page forms without a fuzzing strategy"
    assert set(ROUTES) - set(forms) == set(), "strategies for forms that no longer exist"

    statuses: Counter[str] = Counter()
    failures: dict[str, str] = {}
    seconds: dict[str, float] = {}
    for path, route in forms.items():
        start = time.perf_counter()
        try:
            fuzz(world, route, ROUTES[path], statuses)
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - reported below
            failures[path] = "\n".join(f"{type(e).__name__}: {e}" for e in leaves(failure))[:3000]
        seconds[path] = time.perf_counter() - start

    chain = verify_chain_of(zc)
    store = verify_store(zc.uow(), zc.store)
    slowest = sorted(seconds.items(), key=lambda kv: -kv[1])[:3]
    record_property(
        "figures",
        f"{len(forms)} form routes, {sum(statuses.values())} posts in {sum(seconds.values()):.0f} s, "
        f"statuses {dict(sorted(statuses.items()))}; slowest {', '.join(f'{p} {t:.1f} s' for p, t in slowest)}",
    )
    assert not failures, "\n\n".join(f"{path}:\n{text}" for path, text in failures.items())
    assert chain.ok, chain.problems
    assert store.ok, store.problems


def leaves(failure: BaseException) -> list[BaseException]:
    """The failures themselves, out of hypothesis's group of distinct ones."""
    if isinstance(failure, BaseExceptionGroup):
        return [leaf for e in failure.exceptions for leaf in leaves(e)]
    return [failure]


def verify_chain_of(zc: App) -> Any:
    with zc.uow() as uow:
        return verify_chain(uow.session)
