"""Deadlines and dates as Chinese plans write them.

Three readers share one grammar of "date points" (`2025年`, `2025年6月`, `2025年12月底`,
`2025年6月30日`, `2025年上半年`, `2025年第三季度`, `2025年底`):

* `parse_deadline` reads the deadline piece of a responsibility clause (`2025年12月底前完成`,
  `持续推进`, `每年4月底前完成`, `2024年6月底前完成并持续推进`). It reads the whole phrase or
  nothing, so a unit name never passes for a deadline.
* `find_date_span` / `parse_date_span` find the period of a schedule phase anywhere in a line
  (`2023年9月至2024年4月,推进...`).
* `find_target_dates` / `parse_target_date` find the due date of a target (`到2025年`).
* `governing_deadline` reads the deadline a measure's own text sets for it, where a sentence
  opens with its date (`到2028年底,打造…`, `2025年6月底前,建成…`).

Everything works on width-folded text; folding maps one character to one, so offsets found in
the folded text are offsets in the text as given.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from checklists.catalog import Deadline, DeadlineKind
from checklists.memo import remembered
from checklists.records import fresh_copy
from checklists.text import fold_width

__all__ = [
    "DateSpan",
    "find_date_span",
    "find_target_dates",
    "governing_deadline",
    "month_end",
    "parse_date_span",
    "parse_deadline",
    "parse_target_date",
]

# Years outside this window are not dates in a plan; the bound keeps `1000年` or a stray
# four-digit number from being read as one.
_MIN_YEAR = 1949
_MAX_YEAR = 2199

_CN_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4}

_YEAR_RE = re.compile(r"(\d{4})\s*年")
_HALF_RE = re.compile(r"(上|下)半年")
_QUARTER_RE = re.compile(r"第?\s*([一二三四1-4])\s*季度(?:末|底)?")
# After `2025年`: `年底`, `年末`, `底`, `末` all mean the end of that year.
_YEAR_END_RE = re.compile(r"年?(?:底|末)")
_MONTH_RE = re.compile(r"(\d{1,2})\s*月份?")
_DAY_RE = re.compile(r"(\d{1,2})\s*[日号]")
_TEN_DAYS_RE = re.compile(r"(上旬|中旬|下旬|底|末)")

# Separators between the two ends of a span: `至`, `到`, hyphens and dashes of all widths
# (fold_width already turned `－` and `～` into `-` and `~`).
_SEP = r"\s*(?:——|—|–|-|~|〜|至|到)\s*"
_SEP_RE = re.compile(_SEP)
# `2023-2025年`: the first year carries no `年`, so the point grammar cannot read it.
_YEAR_RANGE_RE = re.compile(r"(\d{4})\s*年?" + _SEP + r"(\d{4})\s*年")
# `2023年4-5月`: the first month carries no `月`.
_MONTH_RANGE_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月?" + _SEP + r"(\d{1,2})\s*月")
_YEAR_START_RE = re.compile(r"(?<!\d)\d{4}(?!\d)")
_OPEN_END_RE = re.compile(r"\s*(?:起|开始|以来|以后)")
_OPEN_START_RE = re.compile(r"(?:到|至|截至|截止到|截止)\s*$")

# A `至` or `到` right after a date joins the ends of a span (`2023年9月至2024年4月`); it does
# not open a target.
_SPAN_END_CHARS = tuple("0123456789年月日号底末旬度")
_BEFORE_RE = re.compile(r"\s*(?:以前|之前|前)")

_ONGOING_RE = re.compile(r"(?:持续|长期|常态化)(?:推进|坚持|开展|实施|落实)?")
# What may join a fixed date to an ongoing tail: `2024年6月底前完成并持续推进`. Two-character
# words first, so `之后` is not read as `后` with a stray `之` left behind.
_THEN_WORDS = ("并且", "之后", "以后", "并", "后", "且", ",", "、")
_ANNUAL_RE = re.compile(
    r"每年(?:度)?(?:(?P<m>\d{1,2})月份?(?:(?P<d>\d{1,2})[日号])?(?:底|末)?|(?P<ye>年底|年末|底|末))"
    r"(?:以前|之前|前)?(?:完成)?"
)
_FIXED_PREFIX_RE = re.compile(r"(?:于|在|到|截至|截止到|截止)")
_FIXED_SUFFIX_RE = re.compile(r"(?:内)?(?:以前|之前|前|为止)?(?:完成|办结|落实)?")
_TRIM = " \t\r\n。.;;,,、"
_SPACES = re.compile(r"\s+")


def month_end(year: int, month: int) -> dt.date:
    """The last day of a month; February follows the leap-year rule via `calendar`."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class _Point:
    """One date point: the first and last day it covers, where it stopped, and its context."""

    start: dt.date
    end: dt.date
    stop: int
    year: int
    month: int | None


def _quarter(year: int, q: int) -> tuple[dt.date, dt.date]:
    first = 3 * q - 2
    return dt.date(year, first, 1), month_end(year, first + 2)


def _month_part(year: int, month: int, s: str, pos: int) -> tuple[dt.date, dt.date, int]:
    """Read what may follow `N月`: a day, `底`/`末`, or a ten-day period."""
    day = _DAY_RE.match(s, pos)
    if day:
        d = dt.date(year, month, int(day.group(1)))
        return d, d, day.end()
    part = _TEN_DAYS_RE.match(s, pos)
    last = month_end(year, month)
    if part:
        word = part.group(1)
        if word == "上旬":
            return dt.date(year, month, 1), dt.date(year, month, 10), part.end()
        if word == "中旬":
            return dt.date(year, month, 11), dt.date(year, month, 20), part.end()
        if word == "下旬":
            return dt.date(year, month, 21), last, part.end()
        return last, last, part.end()  # 底 / 末: a moment, the last day
    return dt.date(year, month, 1), last, pos


def _match_point(
    s: str, pos: int, year: int | None = None, month: int | None = None
) -> _Point | None:
    """Read a date point at `pos`; `year`/`month` fill in what the second end of a span omits."""
    try:
        return _match_point_unchecked(s, pos, year, month)
    except ValueError:  # 13月, 2月30日: not a date
        return None


def _match_point_unchecked(s: str, pos: int, year: int | None, month: int | None) -> _Point | None:
    ym = _YEAR_RE.match(s, pos)
    if ym:
        year = int(ym.group(1))
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            return None
        pos = ym.end()
        if half := _HALF_RE.match(s, pos):
            if half.group(1) == "上":
                return _Point(dt.date(year, 1, 1), dt.date(year, 6, 30), half.end(), year, None)
            return _Point(dt.date(year, 7, 1), dt.date(year, 12, 31), half.end(), year, None)
        if quarter := _QUARTER_RE.match(s, pos):
            q = _CN_DIGIT.get(quarter.group(1)) or int(quarter.group(1))
            start, end = _quarter(year, q)
            return _Point(start, end, quarter.end(), year, None)
        if year_end := _YEAR_END_RE.match(s, pos):
            last = dt.date(year, 12, 31)
            return _Point(last, last, year_end.end(), year, None)
    elif year is None:
        return None
    mm = _MONTH_RE.match(s, pos)
    if mm:
        m = int(mm.group(1))
        start, end, stop = _month_part(year, m, s, mm.end())
        return _Point(start, end, stop, year, m)
    if not ym and month is not None and (day := _DAY_RE.match(s, pos)):
        d = dt.date(year, month, int(day.group(1)))
        return _Point(d, d, day.end(), year, month)
    if ym:
        return _Point(dt.date(year, 1, 1), dt.date(year, 12, 31), pos, year, None)
    return None


def _parse_fixed(key: str) -> dt.date | None:
    """The due date of a whole fixed-date phrase (`2025年12月底前完成`), else None."""
    pos = 0
    if prefix := _FIXED_PREFIX_RE.match(key):
        pos = prefix.end()
    point = _match_point(key, pos)
    if point is None:
        return None
    suffix = _FIXED_SUFFIX_RE.match(key, point.stop)
    if suffix is None or suffix.end() != len(key):
        return None
    return point.end


def parse_deadline(text: str) -> Deadline | None:
    """Read a deadline phrase; None when the text is not one (so a unit name comes back None).

    The whole phrase must be a deadline: `持续推进知识产权保护` is not. `Deadline.text` is the
    phrase as given, stripped. A bare span (`2023-2025年`) is not a deadline; callers that want
    its end use `parse_date_span`.
    """
    read = _read_deadline(text.strip())
    return None if read is None else fresh_copy(read)


@remembered  # plans repeat their deadline phrases (持续推进) in clause after clause
def _read_deadline(stripped: str) -> Deadline | None:
    key = _SPACES.sub("", fold_width(stripped)).strip(_TRIM)
    if not key:
        return None
    if _ONGOING_RE.fullmatch(key):
        return Deadline(kind=DeadlineKind.ONGOING, text=stripped)
    if annual := _ANNUAL_RE.fullmatch(key):
        return _annual(annual, stripped)
    if due := _parse_fixed(key):
        return Deadline(kind=DeadlineKind.FIXED, text=stripped, due=due)
    for ongoing in _ONGOING_RE.finditer(key):
        if ongoing.end() != len(key) or ongoing.start() == 0:
            continue
        head = _without_then(key[: ongoing.start()])
        if due := _parse_fixed(head):
            return Deadline(kind=DeadlineKind.FIXED_THEN_ONGOING, text=stripped, due=due)
    return None


def _without_then(head: str) -> str:
    """`head` less the joining words at its end (`完成并` → `完成`), taken off one at a time
    from the end, so a long run of them costs its length and not its square."""
    end = len(head)
    while True:
        for word in _THEN_WORDS:
            if head.endswith(word, 0, end):
                end -= len(word)
                break
        else:
            return head[:end]


def _annual(match: re.Match[str], text: str) -> Deadline | None:
    if match.group("ye"):
        return Deadline(kind=DeadlineKind.ANNUAL, text=text, month=12)
    month = int(match.group("m"))
    day = int(match.group("d")) if match.group("d") else None
    try:
        # 2024 is a leap year, so 每年2月29日 passes and 每年2月30日 does not.
        dt.date(2024, month, day or 1)
    except ValueError:
        return None
    return Deadline(kind=DeadlineKind.ANNUAL, text=text, month=month, day=day)


@dataclass(frozen=True)
class DateSpan:
    """A period found in a text.

    `start`/`end` are the first and last day covered; either is None for an open span
    (`2024年起` has no end, `至2025年底` no start). `begin`/`stop` are character offsets of
    the span's phrase in the text searched (`text[begin:stop]`).
    """

    start: dt.date | None
    end: dt.date | None
    begin: int
    stop: int


def _span_at(s: str, i: int) -> DateSpan | None:
    """Read a span whose first year starts at offset `i`."""
    if years := _YEAR_RANGE_RE.match(s, i):
        y1, y2 = int(years.group(1)), int(years.group(2))
        if _MIN_YEAR <= y1 <= y2 <= _MAX_YEAR:
            return DateSpan(dt.date(y1, 1, 1), dt.date(y2, 12, 31), i, years.end())
    if months := _MONTH_RANGE_RE.match(s, i):
        y, m1, m2 = (int(g) for g in months.groups())
        if _MIN_YEAR <= y <= _MAX_YEAR and 1 <= m1 <= m2 <= 12:
            return DateSpan(dt.date(y, m1, 1), month_end(y, m2), i, months.end())
    first = _match_point(s, i)
    if first is None:
        return None
    if sep := _SEP_RE.match(s, first.stop):
        second = _match_point(s, sep.end(), first.year, first.month)
        if second is not None:
            end = second.end
            if end < first.start and not _YEAR_RE.match(s, sep.end()):
                # `2023年12月至2月`: the second end without a year runs into the next year.
                bumped = _match_point(s, sep.end(), first.year + 1, first.month)
                end = bumped.end if bumped else end
            if end >= first.start:
                return DateSpan(first.start, end, i, second.stop)
    if opened := _OPEN_END_RE.match(s, first.stop):
        return DateSpan(first.start, None, i, opened.end())
    if closed := _OPEN_START_RE.search(s, 0, i):
        return DateSpan(None, first.end, closed.start(), first.stop)
    return DateSpan(first.start, first.end, i, first.stop)


def find_date_span(text: str) -> DateSpan | None:
    """The first date span anywhere in `text`, with its offsets; None when there is none.

    `2023年4月至5月` → 2023-04-01..2023-05-31; `2024年8月` → the whole month;
    `2024年8月3日` → that day twice; `2023-2025年` → 2023-01-01..2025-12-31.
    """
    s = fold_width(text)
    for candidate in _YEAR_START_RE.finditer(s):
        span = _span_at(s, candidate.start())
        if span is not None:
            return span
    return None


def parse_date_span(text: str) -> tuple[dt.date | None, dt.date | None] | None:
    """(start, end) of the first date span in `text`, or None; see `find_date_span`."""
    span = find_date_span(text)
    return None if span is None else (span.start, span.end)


def find_target_dates(text: str) -> list[tuple[int, dt.date]]:
    """Every target date in `text` as (offset of its phrase, due date), in order.

    A target date is `到|至|截至 + date point` (`到2024年年底`, `到2025年`) or a date point
    followed by `前` (`2025年底前`). A year alone is due on 31 December.
    """
    s = fold_width(text)
    found: list[tuple[int, dt.date]] = []
    for candidate in _YEAR_START_RE.finditer(s):
        i = candidate.start()
        point = _match_point(s, i)
        if point is None:
            continue
        prefix = _OPEN_START_RE.search(s, max(0, i - 8), i)
        if prefix is not None and not _ends_a_date(s, prefix.start()):
            found.append((prefix.start(), point.end))
        elif _BEFORE_RE.match(s, point.stop):
            found.append((i, point.end))
    return found


def _ends_a_date(s: str, end: int) -> bool:
    """Whether `s[:end]`, white space aside, ends like a date (`2023年9月` before `至`)."""
    while end and s[end - 1].isspace():
        end -= 1
    return end > 0 and s[end - 1] in _SPAN_END_CHARS


def parse_target_date(text: str) -> dt.date | None:
    """The due date of the first target date in `text` (`到2025年6月` → 2025-06-30), else None."""
    found = find_target_dates(text)
    return found[0][1] if found else None


# A date that governs its sentence: at the sentence's start, introduced by `到/至/截至/于/在`
# or closed by `前`, and followed by the comma that hands it the rest of the sentence.
_OPENS_SENTENCE_RE = re.compile(r"(?:^|(?<=[。;!?]))\s*(?P<by>到|至|截至|截止到|截止|于|在)?\s*(?=\d{4}\s*年)")
_GOVERNS_RE = re.compile(r"\s*(?P<before>以前|之前|前)?\s*[,,]")


def governing_deadline(text: str) -> Deadline | None:
    """The deadline a measure's text sets for itself: a sentence that opens with a date to
    work to (`到2028年底,打造市级OPC社区10个以上`, `2025年6月底前,建成…`); of several, the
    latest. A year inside a sentence (a name such as `《纲要(2021—2035年)》`, a baseline
    `较2020年`) or one that opens a sentence without `到…`/`…前` (`2023年,我市…`, a past
    fact) sets nothing."""
    s = fold_width(text)
    found: list[tuple[dt.date, str]] = []
    for opening in _OPENS_SENTENCE_RE.finditer(s):
        point = _match_point(s, opening.end())
        if point is None:
            continue
        governs = _GOVERNS_RE.match(s, point.stop)
        if governs is None or not (opening.group("by") or governs.group("before")):
            continue
        phrase = text[opening.start() : governs.end() - 1].strip()
        found.append((point.end, phrase))
    if not found:
        return None
    due, phrase = max(found, key=lambda f: f[0])
    return Deadline(kind=DeadlineKind.FIXED, text=phrase, due=due)
