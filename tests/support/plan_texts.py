"""Long plan texts for the parser's linearity test and its benchmark, made deterministically.

* `renumbered(seed, lines)`: a seed plan's header, then its numbered measures repeated in
  sections of 20 (`一、` … `九十九、`, the last one taking the rest), renumbered 1-999 in turn
  (the numbers the parser reads; past 999 they repeat, and the repeats are reported and
  skipped, as in a real plan).
  `distinct_clauses=True` makes every `(units;deadline)` clause different (`(第12区市场监管局;…)`),
  so nothing read once can be reused.
* `long_paragraph(lines)`: one measure continued over every line, a target on each.
* `long_lines(count, width)`: measures of `width` characters each, full of units and targets.
* `many_sections(lines)`: context sections of 99 subsections, a paragraph in each (9,801
  sections at most; the last one then takes the remaining paragraphs).
* `task_table(lines)`: unnumbered paragraphs, then a task table listing each of them.
* `schedule(lines)`: a schedule section of dated phases.

Pure functions of their arguments (no randomness), so counts and timings compare across runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = [
    "SHAPES",
    "cn",
    "long_lines",
    "long_paragraph",
    "many_sections",
    "renumbered",
    "schedule",
    "task_table",
]

_CN_DIGITS = "一二三四五六七八九十"
_TOP = re.compile(r"^[一二三四五六七八九十]+、")
_MEASURE = re.compile(r"^\d+[.。]")

HEADER = [
    "关于印发《某区知识产权保护示范区建设方案》的通知",
    "各成员单位:",
    "现将《某区知识产权保护示范区建设方案》印发给你们,请认真贯彻执行。",
    "某区人民政府",
    "2024年1月31日",
    "某区知识产权保护示范区建设方案",
    "为加强知识产权保护,制定本方案。",
]


def cn(n: int) -> str:
    """1 → 一, 12 → 十二, 99 → 九十九 (section numbers)."""
    if not 1 <= n <= 99:
        raise ValueError(n)
    if n < 10:
        return _CN_DIGITS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens - 1]) + "十" + (_CN_DIGITS[ones - 1] if ones else "")


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def renumbered(seed: str, lines: int, *, distinct_clauses: bool = False) -> str:
    """`seed`'s header and measures, grown to `lines` lines (see the module docstring)."""
    seed_lines = seed.splitlines()
    first = next(i for i, line in enumerate(seed_lines) if _TOP.match(line))
    titles = [_TOP.sub("", line) for line in seed_lines if _TOP.match(line)]
    measures = [_MEASURE.sub("", line) for line in seed_lines if _MEASURE.match(line)]
    out = seed_lines[:first]
    per_section = 20
    section = 0
    k = 0
    while len(out) < lines:
        if k % per_section == 0 and section < 99:
            section += 1
            out.append(f"{cn(section)}、{titles[section % len(titles)]}")
        text = measures[k % len(measures)]
        if distinct_clauses and text.endswith(")") and "(" in text:
            at = text.rindex("(")
            text = f"{text[: at + 1]}第{k}{text[at + 1 :]}"
        out.append(f"{k % 999 + 1}.{text}")
        k += 1
    return _text(out)


def long_paragraph(lines: int) -> str:
    out = [*HEADER, "一、重点任务", "1.加强知识产权保护,"]
    i = 0
    while len(out) < lines - 1:
        i += 1
        out.append(f"推进第{i}项工作,到2025年新增{i}件发明专利,完善“一站式”服务(含{i}个窗口),")
    out.append("全面完成各项任务。(区市场监管局牵头,区司法局配合;2025年12月底前完成)")
    return _text(out)


def long_lines(count: int, width: int) -> str:
    piece = (
        "到2025年全区有效发明专利拥有量达到3600件,建设2-3家商标品牌指导站"
        "(区市场监管局、区司法局按职责分工负责),"
    )
    body = (piece * (width // len(piece) + 1))[: max(0, width - 40)]
    out = [*HEADER, "一、重点任务"]
    out += [f"{k % 999 + 1}.{body}。(区市场监管局;2025年12月底前完成)" for k in range(count)]
    return _text(out)


def many_sections(lines: int) -> str:
    out = [*HEADER, "一、指导思想"]
    top, sub = 1, 0
    while len(out) < lines:
        if sub == 99 and top < 99:
            top, sub = top + 1, 0
            out.append(f"{cn(top)}、指导思想")
        if sub < 99:  # past 99 x 99 sections, the last one takes the remaining paragraphs
            sub += 1
            out.append(f"({cn(sub)})坚持系统观念")
        target = f",到2025年专利拥有量达到{sub}件" if sub % 10 == 0 else ""
        out.append(f"坚持以习近平新时代中国特色社会主义思想为指导{target}。")
    return _text(out[:lines])


def task_table(lines: int) -> str:
    tasks = max(1, (lines - len(HEADER) - 2) // 2)
    out = [*HEADER, "一、任务措施"]
    out += [f"完善第{i}类知识产权纠纷多元化调解机制,推进专利纠纷行政调解。" for i in range(tasks)]
    out.append("任务措施 | 具体任务 | 责任单位 |")
    out += [
        f"类别{i // 50} | {i % 999 + 1}.完善第{i}类知识产权纠纷多元化调解机制,推进专利纠纷行政调解。 | 区司法局 |"
        for i in range(tasks)
    ]
    return _text(out + [""] * (lines - len(out)))  # a blank line to even the count


def schedule(lines: int) -> str:
    out = [*HEADER, "一、进度安排"]
    i = 0
    while len(out) < lines:
        out.append(f"{i % 999 + 1}.第{i}阶段。2023年4月至5月,形成方案,并予以印发,开展自查。")
        i += 1
    return _text(out)


# The shapes that do not need a seed, by name: lines → text.
SHAPES: dict[str, Callable[[int], str]] = {
    "long_paragraph": long_paragraph,
    "long_lines": lambda lines: long_lines(lines, 2_000),
    "many_sections": many_sections,
    "task_table": task_table,
    "schedule": schedule,
}
