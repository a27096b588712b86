"""Numeric targets in plan text: `全市有效发明专利拥有量达到3600件`, `建设2-3家商标品牌指导站`.

Rules go by sentence structure, not by document. A number with a measure unit is a target when
its clause puts a target verb (`达到`, `建成`, `新增`, ...) before it, or when it closes a
`METRIC NUMBER UNIT` clause in a sentence that states a target (`技术合同成交额35亿元` after
`...达到1亿元,`). Numbers inside brackets or quotes (`“双30条”`, `〔2023〕34号`), years and
numbers without a unit (`17部门`) are never targets.

The metric is the noun phrase the number measures: the clause text before the number, less
subjects (`全市`), adverbs (`力争`) and verbs (`达到`); or the noun after the number
(`建成3个以上国家级知识产权保护中心`); or both when both are there. A clause with no subject of
its own (`较2022年增长20%`) borrows the metric of the sentence's previous target.

All reading is done on width-folded text, which keeps offsets, so the `text` of an indicator is
cut from the paragraph as given. Each clause and sentence is examined once, whatever number of
numbers it holds, so a paragraph costs time in proportion to its length.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal, localcontext

from checklists import amounts
from checklists.catalog import Comparator, Indicator
from checklists.deadlines import find_target_dates
from checklists.text import depth_map, fold_width, top_level_offsets

__all__ = ["extract_indicators"]

_MAGNITUDES = {"千万": 10**7, "百万": 10**6, "亿": 10**8, "万": 10**4, "千": 10**3}
# Longest first, so `个百分点` is not read as `个`.
_UNITS = (
    "个百分点",
    "平方米",
    "人次",
    "家次",
    "件次",
    "户次",
    "公里",
    "件",
    "个",
    "家",
    "项",
    "所",
    "元",
    "人",
    "名",
    "次",
    "户",
    "条",
    "座",
    "套",
    "场",
    "批",
    "台",
    "种",
    "篇",
    "亩",
    "吨",
    "处",
    "支",
    "期",
    "倍",
    "%",
)
_NUMBER_RE = re.compile(
    # Not the tail of a longer number, a date (`2024-12-23`), a formula (`1+6`) or an ordinal.
    r"(?<![\d.\-/:+·第])"
    r"(?P<a>\d+(?:\.\d+)?)"
    r"(?:\s*(?:-|~|〜|—|–|至|到)\s*(?P<b>\d+(?:\.\d+)?))?"
    r"\s*(?P<mag>" + "|".join(_MAGNITUDES) + r")?"
    r"(?P<approx>余|多)?"
    r"(?P<unit>" + "|".join(re.escape(u) for u in _UNITS) + r")?"
    r"(?P<qual>及以上|或以上|以上|以内|以下|左右)?"
)

# Verbs that make a number in the same clause a target.
_TARGET_VERBS = (
    "达到",
    "建成",
    "新增",
    "建设",
    "培育",
    "争取",
    "突破",
    "超过",
    "实现",
    "力争",
    "增长",
    "提高到",
    "提高至",
    "提升至",
    "提升到",
    "不少于",
    "不低于",
    "累计",
    "打造",
    "培养",
    "发展",
    "新建",
    "创建",
    "引进",
    "增加",
    "提高",
    "提升",
    "达",
)
# Leading words that are not part of the metric. Verbs are here too: `新增各级知识产权强企`.
_LEADING_WORDS = tuple(
    sorted(
        {
            *_TARGET_VERBS,
            "全市",
            "全省",
            "全区",
            "全县",
            "全国",
            "我市",
            "我省",
            "我区",
            "我县",
            "本市",
            "本区",
            "本省",
            "确保",
            "努力",
            "力求",
            "预计",
            "其中",
            "同时",
            "以及",
            "和",
            "及",
            "并",
            "且",
            "、",
        },
        key=len,
        reverse=True,
    )
)
# Trailing words between the metric and its number: `拥有量达到3600件`. Change verbs
# (`增长`, `提高`) are not here: `专利授权量增长20%` measures the growth, not the amount.
_TRAILING_WORDS = tuple(
    sorted(
        {
            "达到",
            "达至",
            "达",
            "为",
            "突破",
            "超过",
            "提高到",
            "提高至",
            "提升至",
            "提升到",
            "增加到",
            "增加至",
            "增至",
            "不少于",
            "不低于",
            "不超过",
            "不高于",
            "保持在",
            "控制在",
            "稳定在",
            "至少",
            "约",
            "累计",
            "新增",
            "总计",
            "合计",
            "实现",
            "、",
            "和",
            "及",
        },
        key=len,
        reverse=True,
    )
)
_GE_WORDS = ("不少于", "不低于", "超过", "突破", "至少", "高于")
_LE_WORDS = ("不超过", "不高于", "低于", "控制在")
# A clause opening on these has no subject of its own: `较2022年增长20%`.
_COMPARISON_RE = re.compile(r"^(?:较|比|同比|相比|年均|增长|提高|提升|下降|减少)")
# Framing phrases: `围绕16个重点产业链` names a scope, not a target.
_FRAMING = ("围绕", "聚焦", "依托", "按照", "根据", "针对", "结合")
_LEADING_DATE_RE = re.compile(  # used with match() at an offset, hence no `^`
    r"(?:到|至|截至|截止到|截止)?\d{4}年(?:年底|年末|底|末|\d{1,2}月(?:底|末)?)?(?:以前|之前|前)?"
)
_CLAUSE_STOPS = ",;。!?:\n"
_SENTENCE_STOPS = ";。!?\n"
_AFTER_TRIM = " \t、和及与或的,;。!?:"
_EDGE_TRIM = " \t、,;。!?:"


@dataclass(frozen=True)
class _Number:
    match: re.Match[str]

    @property
    def start(self) -> int:
        return self.match.start()

    @property
    def end(self) -> int:
        return self.match.end()


def _exact(value: Decimal) -> Decimal:
    """Integral values as plain integers (68000, not 6.8E+4); others without trailing zeros."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


def _amount(number: str, magnitude: str | None) -> Decimal:
    return _exact(Decimal(number) * _MAGNITUDES.get(magnitude or "", 1))


def _stops(text: str, stops: str) -> list[int]:
    """Offsets of top-level stop characters, with -1 and len(text) as sentinels."""
    return [-1, *top_level_offsets(text, stops), len(text)]


def _enclosing(bounds: list[int], pos: int) -> tuple[int, int]:
    """The (start, end) of the piece between stops that contains offset `pos`."""
    k = bisect_right(bounds, pos)
    if 0 < k < len(bounds) and bounds[k - 1] < pos:
        return bounds[k - 1] + 1, bounds[k]
    return 0, bounds[-1]


def _trim_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """`text[start:end].strip(_EDGE_TRIM)` as offsets."""
    while start < end and text[start] in _EDGE_TRIM:
        start += 1
    while end > start and text[end - 1] in _EDGE_TRIM:
        end -= 1
    return start, end


def _strip_leading(text: str) -> str:
    # Offsets move instead of the text being copied at each word taken off.
    start, end = 0, len(text)
    while True:
        start, end = _trim_edges(text, start, end)
        if (date := _LEADING_DATE_RE.match(text, start, end)) and date.end() > start:
            start = date.end()
            continue
        for word in _LEADING_WORDS:
            if text.startswith(word, start, end):
                if end - start > len(word):
                    start += len(word)
                    break
                return ""  # the text is the word itself
        else:
            return text[start:end]


def _strip_trailing(text: str) -> str:
    start, end = 0, len(text)
    while True:
        start, end = _trim_edges(text, start, end)
        for word in _TRAILING_WORDS:
            if text.endswith(word, start, end):
                end -= len(word)
                break
        else:
            return text[start:end]


def _comparator(before: str, match: re.Match[str]) -> Comparator:
    if match.group("b"):
        return Comparator.RANGE
    qual = match.group("qual") or ""
    if qual in ("以下", "以内"):
        return Comparator.LE
    if qual.endswith("以上") or match.group("approx"):
        return Comparator.GE
    tail = before.rstrip()
    if tail.endswith(_LE_WORDS):
        return Comparator.LE
    if tail.endswith(_GE_WORDS):
        return Comparator.GE
    return Comparator.EQ


def _numbers(folded: str) -> list[_Number]:
    """Numbers with a unit or magnitude, outside every bracket and quote."""
    depths = depth_map(folded)
    found: list[_Number] = []
    for m in _NUMBER_RE.finditer(folded):
        if m.group("unit") is None and m.group("mag") is None:
            continue
        if depths[m.start()] != 0:
            continue
        if not _within_bounds(m):
            continue  # an ID or account number, not a target; and int() of it could take minutes
        found.append(_Number(m))
    return found


def _within_bounds(m: re.Match[str]) -> bool:
    digits = len(m.group("a")) + len(m.group("b") or "")
    if digits > amounts.MAX_TEXT_LENGTH:
        return False
    scale = _MAGNITUDES.get(m.group("mag") or "", 1)
    with localcontext(prec=2 * amounts.MAX_TEXT_LENGTH):  # exact: no rounding into bounds
        values = [Decimal(n) * scale for n in (m.group("a"), m.group("b")) if n]
    return all(amounts.problem(v) is None for v in values)


def _is_target_sentence(sentence: str) -> bool:
    return any(v in sentence for v in _TARGET_VERBS) or bool(find_target_dates(sentence))


def extract_indicators(
    text: str,
    *,
    due: dt.date | None = None,
    line: int | None = None,
    measure: str | None = None,
) -> list[Indicator]:
    """Numeric targets in one paragraph or measure text, in reading order.

    `due` of each indicator is the last `到YYYY年...` target date before its number in the
    paragraph, else the `due` given. `line` and `measure` are passed through.
    """
    folded = fold_width(text)
    targets = find_target_dates(folded)
    target_offsets = [pos for pos, _ in targets]  # increasing: dates are found left to right
    clause_bounds = _stops(folded, _CLAUSE_STOPS)
    sentence_bounds = _stops(folded, _SENTENCE_STOPS)

    by_clause: dict[tuple[int, int], list[_Number]] = {}
    for number in _numbers(folded):
        by_clause.setdefault(_enclosing(clause_bounds, number.start), []).append(number)

    indicators: list[Indicator] = []
    # The last metric read in each sentence, for clauses without a subject of their own.
    sentence_metric: dict[tuple[int, int], str] = {}
    target_sentence: dict[tuple[int, int], bool] = {}
    for (c_start, c_end), numbers in by_clause.items():
        sentence = _enclosing(sentence_bounds, c_start)
        clause_text = text[c_start:c_end].strip(_EDGE_TRIM)
        # Read once per clause, compared with each number's offsets below.
        verb_end = _first_verb_end(folded, c_start, c_end)
        clause_last = c_start + len(folded[c_start:c_end].rstrip(_EDGE_TRIM))
        seg_start = c_start
        for k, number in enumerate(numbers):
            seg_end = numbers[k + 1].start if k + 1 < len(numbers) else c_end
            before = folded[seg_start : number.start]
            after = folded[number.end : seg_end].strip(_AFTER_TRIM)
            seg_start = number.end
            if _COMPARISON_RE.match(after):
                after = ""  # `...3600件较2022年增长20%`: the tail belongs to the next number
            elif after:
                seg_start = seg_end  # the noun after this number is used up here

            has_verb = verb_end <= number.start  # a target verb between clause start and number
            lead = _strip_leading(before)
            if not has_verb:
                closes_clause = number.end >= clause_last  # only stops and spaces after it
                framed = lead.startswith(_FRAMING)
                if sentence not in target_sentence:
                    target_sentence[sentence] = _is_target_sentence(folded[slice(*sentence)])
                in_target = target_sentence[sentence]
                if not (closes_clause and lead and in_target and not framed):
                    continue

            metric = _metric(lead, after, sentence_metric.get(sentence))
            if metric is None:
                metric = clause_text
            elif not _COMPARISON_RE.match(lead):
                sentence_metric[sentence] = metric

            match = number.match
            value = _amount(match.group("a"), match.group("mag"))
            value_max = _amount(match.group("b"), match.group("mag")) if match.group("b") else None
            if value_max is not None and value_max < value:
                value, value_max = value_max, value
            earlier = bisect_left(target_offsets, number.start)  # targets before the number
            indicators.append(
                Indicator(
                    text=clause_text,
                    metric=metric,
                    comparator=_comparator(before, match),
                    value=value,
                    value_max=value_max,
                    unit=match.group("unit") or "",
                    due=targets[earlier - 1][1] if earlier else due,
                    measure=measure,
                    line=line,
                )
            )
    return indicators


def _first_verb_end(folded: str, start: int, end: int) -> int:
    """Where the first target verb wholly inside `folded[start:end]` ends; `end + 1` if none."""
    first = end + 1
    for verb in _TARGET_VERBS:
        at = folded.find(verb, start, end)
        if at >= 0:
            first = min(first, at + len(verb))
    return first


def _metric(lead: str, after: str, previous: str | None) -> str | None:
    """The metric from the words before and after a number; None when there are none."""
    if _COMPARISON_RE.match(lead):
        return f"{previous}{lead}" if previous else lead
    noun = _strip_trailing(lead)
    metric = f"{noun}{after}"
    return metric or None
