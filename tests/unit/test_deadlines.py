from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from checklists.catalog import DeadlineKind
from checklists.deadlines import (
    find_date_span,
    find_target_dates,
    governing_deadline,
    month_end,
    parse_date_span,
    parse_deadline,
    parse_target_date,
)
from checklists.text import clean_line, trailing_group

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def seed_lines(prefix: str) -> list[str]:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return [clean_line(line) for line in path.read_text(encoding="utf-8").splitlines()]


D = dt.date


# --- month_end ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2025, 12, D(2025, 12, 31)),
        (2025, 6, D(2025, 6, 30)),
        (2026, 2, D(2026, 2, 28)),
        (2024, 2, D(2024, 2, 29)),
        (2100, 2, D(2100, 2, 28)),
        (2000, 2, D(2000, 2, 29)),
    ],
)
def test_month_end_is_the_last_day_including_leap_februaries(
    year: int, month: int, expected: dt.date
) -> None:
    assert month_end(year, month) == expected


# --- parse_deadline ----------------------------------------------------------------------


@pytest.mark.parametrize("phrase", ["持续推进", "长期坚持", "持续开展", "长期推进", "常态化推进"])
def test_ongoing_phrases_are_ongoing_deadlines(phrase: str) -> None:
    deadline = parse_deadline(phrase)
    assert deadline is not None
    assert deadline.kind is DeadlineKind.ONGOING
    assert deadline.due is None
    assert deadline.text == phrase


@pytest.mark.parametrize(
    ("phrase", "month", "day"),
    [
        ("每年4月底前完成", 4, None),
        ("每年4月前", 4, None),
        ("每年年底前完成", 12, None),
        ("每年12月底前", 12, None),
        ("每年4月26日前", 4, 26),
        ("每年2月29日前", 2, 29),
    ],
)
def test_annual_phrases_carry_the_month_and_the_day_when_given(
    phrase: str, month: int, day: int | None
) -> None:
    deadline = parse_deadline(phrase)
    assert deadline is not None
    assert deadline.kind is DeadlineKind.ANNUAL
    assert (deadline.month, deadline.day) == (month, day)
    assert deadline.due is None


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("2025年12月底前完成", D(2025, 12, 31)),
        ("2024年12月底前完成", D(2024, 12, 31)),
        ("2025年底前完成", D(2025, 12, 31)),
        ("2025年年底前", D(2025, 12, 31)),
        ("2025年末", D(2025, 12, 31)),
        ("2025年6月30日前", D(2025, 6, 30)),
        ("2025年上半年", D(2025, 6, 30)),
        ("2025年下半年", D(2025, 12, 31)),
        ("2025年第三季度", D(2025, 9, 30)),
        ("2025年三季度", D(2025, 9, 30)),
        ("2025年第1季度", D(2025, 3, 31)),
        ("2025年6月", D(2025, 6, 30)),
        ("2024年2月底前完成", D(2024, 2, 29)),
        ("2025年2月底前完成", D(2025, 2, 28)),
        ("2025年", D(2025, 12, 31)),
        ("2025 年 6 月底前", D(2025, 6, 30)),
    ],
)
def test_fixed_phrases_are_due_on_the_last_day_they_name(phrase: str, due: dt.date) -> None:
    deadline = parse_deadline(phrase)
    assert deadline is not None
    assert deadline.kind is DeadlineKind.FIXED
    assert deadline.due == due


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("2024年6月底前完成并持续推进", D(2024, 6, 30)),
        ("2025年底前完成并长期坚持", D(2025, 12, 31)),
        ("2024年6月底前完成后持续推进", D(2024, 6, 30)),
        ("2025年6月30日前完成,持续推进", D(2025, 6, 30)),
    ],
)
def test_a_fixed_date_followed_by_an_ongoing_tail_is_fixed_then_ongoing(
    phrase: str, due: dt.date
) -> None:
    deadline = parse_deadline(phrase)
    assert deadline is not None
    assert deadline.kind is DeadlineKind.FIXED_THEN_ONGOING
    assert deadline.due == due


def test_the_deadline_text_is_the_phrase_as_given_stripped() -> None:
    deadline = parse_deadline("  2025年12月底前完成 ")
    assert deadline is not None
    assert deadline.text == "2025年12月底前完成"


def test_full_width_digits_are_read() -> None:
    deadline = parse_deadline("２０２５年６月底前完成")
    assert deadline is not None
    assert deadline.due == D(2025, 6, 30)


@pytest.mark.parametrize(
    "phrase",
    [
        "",
        "   ",
        "区市场监管局",
        "区知识产权工作领导小组按职责分工负责",
        "持续推进知识产权保护",
        "2023-2025年",
        "2021-2035年",
        "武办发〔2020〕16号",
        "每年2月30日前",
        "2025年13月底前",
        "2025年2月30日前",
        "每季度",
        "建设期满",
        "1000年底前",
    ],
)
def test_a_phrase_that_is_not_a_deadline_returns_none(phrase: str) -> None:
    assert parse_deadline(phrase) is None


def test_every_deadline_in_seed_000_is_read() -> None:
    measures = [line for line in seed_lines("000") if re.match(r"^\d+\.", line)]
    assert len(measures) == 70
    kinds = []
    for line in measures:
        group = trailing_group(line)
        assert group is not None, line
        piece = re.split("[;,]", group[1])[-1]
        deadline = parse_deadline(piece)
        assert deadline is not None, line
        kinds.append(deadline.kind)
    assert kinds.count(DeadlineKind.ONGOING) == 62
    assert kinds.count(DeadlineKind.FIXED) == 5
    assert kinds.count(DeadlineKind.FIXED_THEN_ONGOING) == 2
    assert kinds.count(DeadlineKind.ANNUAL) == 1


# --- parse_date_span / find_date_span ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2023年4月至5月", D(2023, 4, 1), D(2023, 5, 31)),
        ("2023年9月至2024年4月", D(2023, 9, 1), D(2024, 4, 30)),
        ("2024年8月", D(2024, 8, 1), D(2024, 8, 31)),
        ("2024年9月—2025年12月", D(2024, 9, 1), D(2025, 12, 31)),
        ("2024年9月-2025年12月", D(2024, 9, 1), D(2025, 12, 31)),
        ("2024年9月–2025年12月", D(2024, 9, 1), D(2025, 12, 31)),
        ("2024年9月~2025年12月", D(2024, 9, 1), D(2025, 12, 31)),
        ("2024年9月到2025年12月", D(2024, 9, 1), D(2025, 12, 31)),
        ("2024年9月——2025年12月", D(2024, 9, 1), D(2025, 12, 31)),
        ("2026年2月", D(2026, 2, 1), D(2026, 2, 28)),
        ("2024年2月", D(2024, 2, 1), D(2024, 2, 29)),
        ("2024年8月3日", D(2024, 8, 3), D(2024, 8, 3)),
        ("2024年8月3日至10日", D(2024, 8, 3), D(2024, 8, 10)),
        ("2023年4-5月", D(2023, 4, 1), D(2023, 5, 31)),
        ("2023-2025年", D(2023, 1, 1), D(2025, 12, 31)),
        ("2023年至2025年", D(2023, 1, 1), D(2025, 12, 31)),
        ("2023年12月至2月", D(2023, 12, 1), D(2024, 2, 29)),
        ("2025年上半年", D(2025, 1, 1), D(2025, 6, 30)),
    ],
)
def test_date_spans_cover_whole_months_and_years(text: str, start: dt.date, end: dt.date) -> None:
    assert parse_date_span(text) == (start, end)


def test_a_span_is_found_at_the_start_of_a_longer_phrase() -> None:
    text = "2023年6月至9月,按照任务分工,推进各项举措落地"
    span = find_date_span(text)
    assert span is not None
    assert (span.start, span.end) == (D(2023, 6, 1), D(2023, 9, 30))
    assert text[span.begin : span.stop] == "2023年6月至9月"


def test_a_span_is_found_after_a_phase_name_with_its_offsets() -> None:
    text = "二是推进实施。2023年6月至9月,按照任务分工"
    span = find_date_span(text)
    assert span is not None
    assert text[span.begin : span.stop] == "2023年6月至9月"


def test_open_spans_leave_the_missing_end_as_none() -> None:
    assert parse_date_span("2024年起") == (D(2024, 1, 1), None)
    assert parse_date_span("至2025年底") == (None, D(2025, 12, 31))


@pytest.mark.parametrize("text", ["", "推进各项举措落地", "第2阶段", "81787730", "12月"])
def test_text_without_a_date_span_returns_none(text: str) -> None:
    assert parse_date_span(text) is None
    assert find_date_span(text) is None


def test_schedule_phases_of_seeds_003_and_004_are_read() -> None:
    phases_003 = [line for line in seed_lines("003") if line.startswith(("一是", "二是", "三是"))]
    spans_003 = [parse_date_span(line) for line in phases_003[:3]]
    assert spans_003 == [
        (D(2023, 4, 1), D(2023, 5, 31)),
        (D(2023, 6, 1), D(2023, 9, 30)),
        (D(2023, 9, 1), D(2024, 4, 30)),
    ]
    lines_004 = seed_lines("004")
    start = lines_004.index("五、进度安排")
    spans_004 = [parse_date_span(line) for line in lines_004[start + 1 : start + 4]]
    assert spans_004 == [
        (D(2024, 8, 1), D(2024, 8, 31)),
        (D(2024, 9, 1), D(2025, 12, 31)),
        (D(2026, 2, 1), D(2026, 2, 28)),
    ]


# --- parse_target_date -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("到2024年年底", D(2024, 12, 31)),
        ("到2025年", D(2025, 12, 31)),
        ("到2022年", D(2022, 12, 31)),
        ("到2025年6月", D(2025, 6, 30)),
        ("到2025年,力争建成3个以上国家级知识产权保护中心", D(2025, 12, 31)),
        ("2025年底前,建成知识产权保护中心", D(2025, 12, 31)),
        ("截至2024年6月底", D(2024, 6, 30)),
    ],
)
def test_target_dates_are_due_at_the_end_of_what_they_name(text: str, due: dt.date) -> None:
    assert parse_target_date(text) == due


@pytest.mark.parametrize(
    "text",
    ["力争到建设期满", "", "2023年年底提出申请", "2023年9月至2024年4月", "较2022年增长20%"],
)
def test_text_without_a_target_date_returns_none(text: str) -> None:
    assert parse_target_date(text) is None


def test_target_dates_are_listed_with_their_offsets_in_order() -> None:
    text = "到2022年,侵权现象得到有效遏制。到2025年,力争建成3个以上国家级知识产权保护中心"
    found = find_target_dates(text)
    assert [d for _, d in found] == [D(2022, 12, 31), D(2025, 12, 31)]
    assert [text[pos : pos + 3] for pos, _ in found] == ["到20", "到20"]
    assert found[1][0] == text.index("到2025")


# ------------------------------------------------------------------ deadlines set in a measure's text


@pytest.mark.parametrize(
    ("text", "phrase", "due"),
    [
        ("建设OPC实体社区。每年给予补助。到2028年底，打造市级OPC社区10个以上。", "到2028年底", D(2028, 12, 31)),
        ("2025年6月底前，建成知识产权公共服务平台。", "2025年6月底前", D(2025, 6, 30)),
        ("建成平台；在2026年上半年，完成验收。", "在2026年上半年", D(2026, 6, 30)),
        # Of several, the one the measure works to last.
        ("到2028年，培育企业100家。到2026年底，建成平台。", "到2028年", D(2028, 12, 31)),
    ],
)
def test_a_sentence_opening_with_its_date_sets_the_measures_deadline(text: str, phrase: str, due: dt.date) -> None:
    deadline = governing_deadline(text)
    assert deadline is not None
    assert (deadline.kind, deadline.text, deadline.due) == (DeadlineKind.FIXED, phrase, due)


@pytest.mark.parametrize(
    "text",
    [
        "认真贯彻落实《上海市知识产权强市建设纲要（2021—2035年）》。",  # a year in a name
        "专利授权量较2020年增长10%。",  # a baseline inside a sentence
        "2023年，我市知识产权工作取得明显成效。",  # a past fact: no 到…, no …前
        "持续推进知识产权保护，力争2025年底前完成。",  # inside a sentence, not governing it
        "到2028年底打造社区。",  # no comma hands the date the rest of a sentence
    ],
)
def test_a_year_that_does_not_open_a_sentence_as_a_target_sets_no_deadline(text: str) -> None:
    assert governing_deadline(text) is None
