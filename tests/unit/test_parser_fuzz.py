"""Fuzzing the plan parser: whatever the text, it returns a catalog or refuses with its own error.

Two sources of text (hypothesis, derandomized and bounded so CI is repeatable and fast):

* random text: lines drawn from fragments of plan syntax (headings, numbered measures,
  clauses, dates, table rows, brackets, page furniture, full-width punctuation, NUL) and
  from any Unicode;
* the five seed plans, mutated: lines dropped, duplicated, swapped or shuffled, characters
  inserted (NUL, full-width punctuation, brackets, syntax fragments), lines cut, very long
  lines added (some over the line bound).

No exception other than `PlanTextError` (`NotAPlanError`, `PlanTooLarge`) may escape, and a
catalog must hold together: every warning and skipped span within the text's lines, and
the catalog written to YAML and read back unchanged (what `zonecheck import` stores).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from checklists.catalog import Catalog
from checklists.catalog_yaml import dump_catalog, load_catalog
from checklists.limits import MAX_LINE_CHARS
from checklists.parser import PlanTextError, PlanTooLarge, parse_document

SEEDS_DIR = Path(
    os.environ.get("ZONECHECK_SEEDS") or Path(__file__).resolve().parents[3] / "shared" / "seeds"
)

FUZZ = settings(
    derandomize=True,
    database=None,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

FRAGMENTS = [
    "一、",
    "二、重点任务",
    "十一、",
    "二一、",
    "(一)",
    "(三)加强执法。",
    "一是",
    "1.",
    "12。",
    "999.",
    "(区市场监管局;持续推进)",
    "(区市场监管局、区司法局按职责分工负责;2025年12月底前完成)",
    "(区委办(区委外办)牵头,各成员单位配合;每年4月底前完成)",
    "(区局和区局和区局和区局和区局和区局和区局和区局和区局和某某)",
    "责任单位:区法院",
    "完成时限:2024年6月底前完成并持续推进",
    "到2025年,全区有效发明专利拥有量达到3600件",
    "建设2-3家商标品牌指导站",
    "较2022年增长20%",
    "2023年4月至5月",
    "2023年9月至2024年4月",
    "进度安排",
    "保障措施",
    "指导思想",
    "标志性成果",
    "任务措施 | 具体任务 | 责任单位 |",
    "类别 | 3.任务 | 区司法局 |",
    "|",
    "附件",
    "附件1:",
    "扫一扫",
    "上一篇",
    "果博东方(中国)官方网站",
    "关于印发《方案》的通知",
    "嘉府发〔2023〕18号",
    "发文日期:",
    "2024年1月31日",
    "。",
    ";",
    ",",
    "、",
    "及",
    "和",
    "“",
    "”",
    "《",
    "》",
    "(",
    ")",
    "〔",
    "〕",
    "【",
    "】",
    "-",
    "•",
    "\x00",
    "\u3000",
    "\t",
    " ",
    ",",
    ";",
    ":",
    "(",
    ")",
    "1",
    "9",
]

PREFIXES = ["", "", "1.", "12。", "3、", "一、", "十一、", "(一)", "(二十)", "一是", "附件2:", "责任单位:"]
CLAUSES = ["", "", "。", ";", "(区市场监管局;持续推进)", "(试行)", "(2021-2035年)", ")"]

fragment = st.sampled_from(FRAGMENTS)
body = st.lists(fragment | st.text(max_size=6), max_size=8).map("".join)
# A line shaped like one of a plan: a number or heading, words, a closing clause.
plan_line = st.builds(
    lambda prefix, words, clause: prefix + words + clause,
    st.sampled_from(PREFIXES),
    body,
    st.sampled_from(CLAUSES),
)
random_text = st.one_of(
    st.lists(plan_line, max_size=40).map("\n".join),
    st.text(max_size=400),
    st.lists(st.text(max_size=30), max_size=30).map("\r\n".join),
)


def _seed_texts() -> list[str]:
    paths = sorted(SEEDS_DIR.glob("*.txt"))
    return [p.read_text(encoding="utf-8") for p in paths]


SEED_TEXTS = _seed_texts()


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    """A seed plan after a handful of random edits of the kinds a copy-paste makes."""
    lines = draw(st.sampled_from(SEED_TEXTS)).splitlines()
    for _ in range(draw(st.integers(1, 8))):
        if not lines:
            lines = [""]
        at = draw(st.integers(0, len(lines) - 1))
        edit = draw(
            st.sampled_from(["drop", "duplicate", "swap", "shuffle", "insert", "cut", "long", "new"])
        )
        if edit == "drop":
            del lines[at]
        elif edit == "duplicate":
            lines.insert(at, lines[draw(st.integers(0, len(lines) - 1))])
        elif edit == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif edit == "shuffle":
            end = min(len(lines), at + draw(st.integers(2, 10)))
            lines[at:end] = draw(st.permutations(lines[at:end]))
        elif edit == "insert":
            pos = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:pos] + draw(fragment | st.text(max_size=3)) + lines[at][pos:]
        elif edit == "cut":
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
        elif edit == "long":
            width = draw(st.sampled_from([2_000, MAX_LINE_CHARS, MAX_LINE_CHARS + 1]))
            unit = draw(fragment) or "字"
            lines.insert(at, (unit * (width // len(unit) + 1))[:width])
        else:
            lines.insert(at, draw(plan_line))
    return "\n".join(lines)


def parses_or_refuses(text: str, *, via_yaml: bool) -> Catalog | None:
    """The catalog, or None when the parser refused the text with its own error.

    A catalog must validate again as a whole; `via_yaml` also writes it to YAML and reads it
    back (a tenth of a second for a seed plan, so only for the small random texts).
    """
    try:
        catalog = parse_document(text, source_name="fuzz.txt")
    except PlanTextError as exc:
        assert str(exc), "a refusal says why"
        return None
    last = max(1, len(text.splitlines()))
    assert all(1 <= w.line <= last for w in catalog.warnings)
    assert all(1 <= s.start <= s.end <= last for s in catalog.skipped)
    assert Catalog.model_validate(catalog.model_dump()) == catalog
    if via_yaml:
        assert load_catalog(dump_catalog(catalog), source="fuzz.yaml") == catalog
    return catalog


@FUZZ
@given(random_text)
@example("一、任务\n1.(区市场监管局;持续推进)")  # nothing but the clause: skipped, with a warning
@example("一、任务\n1." + "," * 50 + "。")  # a long title of separators only
@example("一、任务\n二一、任务")  # not a Chinese number
@example("一、任务\n一、任务")  # the same section twice
@example("一、。\n1.任务")  # a heading without a title
@example("一、任务\n1.任务(" + "区局和" * 40 + "某某)")  # 40 places to split a unit name
def test_random_text_gives_a_catalog_or_a_refusal(text: str) -> None:
    parses_or_refuses(text, via_yaml=True)


@pytest.mark.skipif(not SEED_TEXTS, reason=f"no seed plans in {SEEDS_DIR}")
@FUZZ
@given(mutated_seed())
def test_mutated_seed_plans_give_a_catalog_or_a_refusal(text: str) -> None:
    parses_or_refuses(text, via_yaml=False)


def test_a_line_over_the_bound_is_refused_naming_the_file_and_the_line() -> None:
    text = "一、重点任务\n1." + "加" * MAX_LINE_CHARS + "\n"
    with pytest.raises(PlanTooLarge, match=r"^方案\.txt:第2行过长"):
        parse_document(text, source_name="方案.txt")
