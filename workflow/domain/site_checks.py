"""现场核查 records: what an on-site check may say, as plain rules over plain values.

The expert panel (or the office with it) visits the zone: hears the report, checks documents,
visits key units, samples sites and writes its findings. Every list and text of a record has a
bound, checked here for every front end; a refusal names the field (and the entry) in words a
person can act on. The date is the plan's business: not before the plan started, not in the
future, and not long after the plan ended (an acceptance visit follows the plan's end, so a
window of `AFTER_END_DAYS` is allowed past it rather than the period itself).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from workflow.domain.obligations import PlanPeriod

__all__ = [
    "AFTER_END_DAYS",
    "CONCLUSIONS",
    "MAX_CAPTION",
    "MAX_CHECKS_PER_PLAN",
    "MAX_DOCUMENTS",
    "MAX_FINDINGS",
    "MAX_PARTICIPANTS",
    "MAX_PHOTO_BYTES",
    "MAX_PHOTOS",
    "MAX_ROUND",
    "MAX_SAMPLES",
    "MAX_UNITS_VISITED",
    "PHOTO_TYPES",
    "Participant",
    "Sample",
    "SiteCheckDraft",
    "SiteCheckInvalid",
    "check_date",
    "check_draft",
    "check_photo",
    "parse_participant",
    "parse_sample",
]

# The conclusions a panel usually writes; another (e.g. 基本达标,需整改) is taken as written.
CONCLUSIONS = ("达标", "基本达标", "不达标")

MAX_PLACE = 200
MAX_NAME = 50  # a participant's name, or their role (组长, 专家, 区知识产权局)
MAX_PARTICIPANTS = 50  # a panel of 5-9 with the office and the units' staff
MAX_UNITS_VISITED = 50  # key units: a handful in practice
MAX_DOCUMENTS = 100
MAX_DOCUMENT = 200  # one document's title
MAX_SAMPLES = 100
MAX_SAMPLE_FIELD = 500  # a site, what was sampled, its result
MAX_FINDINGS = 20_000
MAX_CONCLUSION = 100
MAX_CHECKS_PER_PLAN = 200  # several visits a round, a few rounds
MAX_ROUND = 20  # review rounds of one plan, as for scores: one or two in practice
MAX_PHOTOS = 50  # of one check
MAX_CAPTION = 200
MAX_PHOTO_BYTES = 20 * 1024 * 1024  # a phone photo is 2-8 MB
# What the evidence store takes as pictures (it sniffs the content); HEIC it does not know.
PHOTO_TYPES = frozenset({"jpg", "png"})
# An acceptance visit comes after the plan's end; two years past it is no longer this plan's.
AFTER_END_DAYS = 730


class SiteCheckInvalid(ValueError):
    """A record the rules refuse; the message names the field (and the entry) in Chinese."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"现场核查的“{field}”{message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class Participant:
    name: str
    role: str = ""  # 组长, 专家, 办公室, the unit they came from …

    def label(self) -> str:
        return f"{self.name}({self.role})" if self.role else self.name


@dataclass(frozen=True, slots=True)
class Sample:
    """One sampled site (抽查): where, what was looked at, what was found."""

    site: str
    what: str
    result: str


@dataclass(frozen=True, slots=True)
class SiteCheckDraft:
    """What a person hands in for one on-site check (units by number: the edges resolve names)."""

    held_on: dt.date
    place: str
    participants: Sequence[Participant] = ()
    unit_ids: Sequence[int] = ()
    documents: Sequence[str] = ()
    samples: Sequence[Sample] = ()
    findings: str = ""
    conclusion: str = ""


def _text(field: str, value: str, limit: int, *, required: bool = False, entry: int | None = None) -> str:
    where = "" if entry is None else f"第 {entry} 项"
    text = value.replace("\r\n", "\n").strip()  # a browser's textarea sends CRLF
    if required and not text:
        raise SiteCheckInvalid(field, f"{where}不能为空")
    if len(text) > limit:
        raise SiteCheckInvalid(field, f"{where}过长({len(text)} 字),不能超过 {limit} 字")
    if any(c in text for c in "\x00\r") or (limit <= MAX_SAMPLE_FIELD and "\n" in text):
        raise SiteCheckInvalid(field, f"{where}含有换行或控制字符")
    return text


def _count(field: str, items: Sequence[object], limit: int) -> None:
    if len(items) > limit:
        raise SiteCheckInvalid(field, f"至多 {limit} 项,收到 {len(items)} 项")


def check_date(field: str, day: dt.date, period: PlanPeriod, today: dt.date) -> dt.date:
    """`day` if it may be the date of an on-site check (or of its photos) of this plan."""
    if day > today:
        raise SiteCheckInvalid(field, f" {day.isoformat()} 晚于今天 {today.isoformat()}")
    if period.start is not None and day < period.start:
        raise SiteCheckInvalid(field, f" {day.isoformat()} 早于方案起始日 {period.start.isoformat()}")
    if period.end is not None and day > period.end + dt.timedelta(days=AFTER_END_DAYS):
        raise SiteCheckInvalid(
            field, f" {day.isoformat()} 晚于方案结束日 {period.end.isoformat()} 两年以上,不属于本方案的验收"
        )
    return day


def check_draft(draft: SiteCheckDraft, period: PlanPeriod, today: dt.date) -> SiteCheckDraft:
    """The draft with its texts trimmed, or SiteCheckInvalid naming the first field at fault.
    Whether the visited units are the plan's is the service's question (it knows the zone)."""
    check_date("核查日期", draft.held_on, period, today)
    _count("参加人员", draft.participants, MAX_PARTICIPANTS)
    _count("走访单位", draft.unit_ids, MAX_UNITS_VISITED)
    _count("查阅材料", draft.documents, MAX_DOCUMENTS)
    _count("抽查情况", draft.samples, MAX_SAMPLES)
    participants = tuple(
        Participant(
            _text("参加人员", p.name, MAX_NAME, required=True, entry=n),
            _text("参加人员", p.role, MAX_NAME, entry=n),
        )
        for n, p in enumerate(draft.participants, start=1)
    )
    if not participants:
        raise SiteCheckInvalid("参加人员", "至少应有一人")
    names = [p.name for p in participants]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise SiteCheckInvalid("参加人员", f"中“{twice}”重复")
    if len(set(draft.unit_ids)) != len(draft.unit_ids):
        raise SiteCheckInvalid("走访单位", "有重复")
    for n, unit_id in enumerate(draft.unit_ids, start=1):
        if not 1 <= unit_id < 2**31:  # no unit has such a number, and a query must not carry it
            raise SiteCheckInvalid("走访单位", f"第 {n} 项不是有效的单位编号")
    documents = tuple(
        _text("查阅材料", d, MAX_DOCUMENT, required=True, entry=n) for n, d in enumerate(draft.documents, start=1)
    )
    samples = tuple(
        Sample(
            _text("抽查情况", s.site, MAX_SAMPLE_FIELD, required=True, entry=n),
            _text("抽查情况", s.what, MAX_SAMPLE_FIELD, required=True, entry=n),
            _text("抽查情况", s.result, MAX_SAMPLE_FIELD, required=True, entry=n),
        )
        for n, s in enumerate(draft.samples, start=1)
    )
    return SiteCheckDraft(
        held_on=draft.held_on,
        place=_text("核查地点", draft.place, MAX_PLACE, required=True),
        participants=participants,
        unit_ids=tuple(draft.unit_ids),
        documents=documents,
        samples=samples,
        findings=_text("核查发现", draft.findings, MAX_FINDINGS),
        conclusion=_text("核查结论", draft.conclusion, MAX_CONCLUSION),
    )


def check_photo(caption: str, media_type: str, photos_before: int) -> str:
    """The photo's caption trimmed, if a photo of `media_type` may join a check that has
    `photos_before` photos already."""
    if media_type not in PHOTO_TYPES:
        raise SiteCheckInvalid("现场照片", "只接受 JPEG 或 PNG 图片")
    if photos_before >= MAX_PHOTOS:
        raise SiteCheckInvalid("现场照片", f"每次核查至多 {MAX_PHOTOS} 张,已有 {photos_before} 张")
    return _text("照片说明", caption, MAX_CAPTION, required=True)


def _parts(text: str) -> list[str]:
    return [part.strip() for part in text.replace("｜", "|").split("|")]


def parse_participant(text: str, entry: int) -> Participant:
    """`姓名` or `姓名|身份` (as the command line and the form's lines write a participant)."""
    parts = _parts(text)
    if len(parts) > 2:
        raise SiteCheckInvalid("参加人员", f"第 {entry} 项应写作“姓名”或“姓名|身份”,收到“{text[:100]}”")
    return Participant(parts[0], parts[1] if len(parts) == 2 else "")


def parse_sample(text: str, entry: int) -> Sample:
    """`地点|抽查内容|结果` (as the command line and the form's lines write a sample)."""
    parts = _parts(text)
    if len(parts) != 3:
        raise SiteCheckInvalid("抽查情况", f"第 {entry} 项应写作“地点|抽查内容|结果”(两个 | 分隔),收到“{text[:100]}”")
    return Sample(*parts)
