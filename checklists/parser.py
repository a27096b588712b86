"""Plan document → catalog.

Rules go by the structure Chinese government plans share, never by document:
a notice and page chrome first, the plan's title, a preamble, then sections `一、`,
subsections `(一)`, and measures numbered `1.` / `1。` or written as unnumbered paragraphs;
a trailing `(units;deadline)` clause; an optional task table `category | N.task | units |`;
page furniture after the text. Every non-blank line ends up placed, skipped as furniture
(with a reason), or reported as a warning with its line number.

The work is split along those seams, each step linear in the length of the text:

* `checklists.lines`: what each line is, read from the line alone (the classifier);
* `checklists.header`: title, issuer, document number, date and preamble above the body;
* `checklists.body`: the body's sections and items, line by line;
* `checklists.tables`: task-table rows and their merge with the body's paragraphs;
* `checklists.assembly`: measures, phases, targets and section text from what was read;
* `checklists.junk`: text a hijacked web site injected.

Bounds (`checklists.limits`), checked before anything is parsed: at most 20 MB of text,
200,000 lines and 10,000 characters per line; a text over one is refused with
`PlanTooLarge`, naming the file. A text without a plan's structure, or whose section
numbers contradict each other, is refused with `NotAPlanError`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import PurePath

from checklists.assembly import build_measures, build_phases, context_indicators, fill_section_text
from checklists.body import read_body
from checklists.catalog import Catalog, PlanInfo, Skipped, Warning_
from checklists.draft import Draft
from checklists.errors import NotAPlanError, PlanTextError, PlanTooLarge
from checklists.header import find_signature, read_header
from checklists.junk import flag_junk
from checklists.limits import check_text_size
from checklists.lines import ARTICLE, NUMBERED, TOP_HEADING, TRAILER, Line
from checklists.text import clean_line

__all__ = [
    "NotAPlanError",
    "PlanTextError",
    "PlanTooLarge",
    "iter_warnings",
    "parse_document",
    "plan_key",
]


def parse_document(text: str, *, source_name: str, key: str | None = None) -> Catalog:
    """Read a plan document (UTF-8 text as published) into a catalog."""
    data = text.encode("utf-8")
    raw_lines = text.splitlines()
    check_text_size(len(data), raw_lines, source_name=source_name)
    sha = hashlib.sha256(data).hexdigest()
    lines = [Line(i + 1, clean_line(raw)) for i, raw in enumerate(raw_lines)]
    body_start = _find_body_start(lines)
    if body_start is None:
        raise NotAPlanError("未识别到方案结构:没有“一、”式章节标题,也没有“1.”式编号措施")
    body_end = _find_body_end(lines, body_start)
    signed_at, closing = find_signature(lines, body_start, body_end)

    draft = Draft()
    header = read_header(lines[:body_start], draft, closing)
    read_body(lines[body_start:signed_at], draft)
    if signed_at < body_end:
        end = lines[body_end - 1].no
        draft.skipped.append(Skipped(start=lines[signed_at].no, end=end, reason="落款(发文机关与日期)"))
    if body_end < len(lines):
        last = lines[-1].no
        draft.skipped.append(Skipped(start=lines[body_end].no, end=last, reason="正文后的网页内容"))

    measures, indicators = build_measures(draft)
    phases = build_phases(draft)
    indicators.extend(context_indicators(draft))
    fill_section_text(draft)
    indicators.sort(key=lambda i: i.line or 0)  # document order
    draft.warnings.extend(flag_junk(lines, draft.skipped))

    if not header.title:
        header.title = PurePath(source_name).stem
        draft.warnings.append(Warning_(line=1, message="未找到方案标题,暂以文件名代替"))
    plan = PlanInfo(
        key=key or plan_key(source_name, sha),
        title=header.title,
        issuer=header.issuer,
        doc_number=header.doc_number,
        issued_on=header.issued_on,
        preamble=header.preamble,
        source_file=PurePath(source_name).name,
        source_sha256=sha,
    )
    draft.warnings.sort(key=lambda w: w.line)
    return Catalog(
        plan=plan,
        sections=draft.sections,
        measures=measures,
        phases=phases,
        indicators=indicators,
        warnings=draft.warnings,
        skipped=sorted(draft.skipped, key=lambda s: s.start),
    )


def plan_key(source_name: str, sha: str) -> str:
    """A short, typeable key for the plan: the file's stem made ASCII-safe."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", PurePath(source_name).stem).strip("-.")
    return stem or f"plan-{sha[:8]}"


def _find_body_start(lines: list[Line]) -> int | None:
    for i, line in enumerate(lines):
        if TOP_HEADING.match(line.text):
            return i
    for i, line in enumerate(lines):
        if NUMBERED.match(line.text) or ARTICLE.match(line.text):
            return i
    return None


def _find_body_end(lines: list[Line], start: int) -> int:
    for i in range(start, len(lines)):
        if TRAILER.match(lines[i].text):
            return i
    return len(lines)


def iter_warnings(catalog: Catalog) -> Iterator[str]:
    """Warnings as one-line Chinese messages: `第12行:message:text`."""
    for w in catalog.warnings:
        suffix = f":{w.text}" if w.text else ""
        yield f"第{w.line}行:{w.message}{suffix}"
