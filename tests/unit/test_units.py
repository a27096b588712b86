from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from checklists.catalog import DeadlineKind, UnitRole
from checklists.text import clean_line, split_sentences, trailing_group
from checklists.unit_names import is_group, normalise_unit_name
from checklists.units import Responsibility, looks_like_units, parse_responsibility

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

LEAD, CO, GROUP = UnitRole.LEAD, UnitRole.CO, UnitRole.GROUP


def seed_lines(prefix: str) -> list[str]:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return [clean_line(line) for line in path.read_text(encoding="utf-8").splitlines()]


def roles(resp: Responsibility) -> list[tuple[str, UnitRole]]:
    return [(u.name, u.role) for u in resp.units]


def measure_clauses(prefix: str) -> list[str]:
    clauses = []
    for line in seed_lines(prefix):
        group = trailing_group(line)
        if re.match(r"^\d+\.", line) and group is not None:
            clauses.append(group[1])
    return clauses


# --- normalise_unit_name / is_group ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("各县〔市、区〕政府〔管委会〕", "各县(市、区)政府(管委会)"),
        ("区委办(区委外办)", "区委办(区委外办)"),
        ("区委办(区委外办)", "区委办(区委外办)"),
        ("区 市场 监管局", "区市场监管局"),
        ("［示范区］管委会", "(示范区)管委会"),
        ("【园区】办", "(园区)办"),
    ],
)
def test_normalised_names_fold_width_drop_spaces_and_unify_brackets(
    name: str, expected: str
) -> None:
    assert normalise_unit_name(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "区知识产权工作领导小组各成员单位",
        "区知识产权工作领导小组有关成员单位",
        "市知识产权战略实施工作联席会议成员单位",
        "区知识产权联席会议其他成员单位",
        "各县〔市、区〕政府〔管委会〕",
        "各县(市、区)人民政府(管委会)",
        "有关部门",
        "相关部门",
        "有关单位",
        "相关单位",
        "其他成员单位",
    ],
)
def test_names_standing_for_several_units_are_groups(name: str) -> None:
    assert is_group(name)


@pytest.mark.parametrize(
    "name", ["区知识产权工作领导小组", "区知识产权工作领导小组办公室", "区市场监管局", "许昌海关"]
)
def test_named_bodies_and_offices_are_not_groups(name: str) -> None:
    assert not is_group(name)


# --- parse_responsibility ----------------------------------------------------------------


def test_the_first_listed_unit_leads_when_none_is_marked() -> None:
    resp = parse_responsibility("区市场监管局、区司法局按职责分工负责;2025年12月底前完成")
    assert roles(resp) == [("区市场监管局", LEAD), ("区司法局", CO)]
    assert resp.deadline is not None
    assert resp.deadline.kind is DeadlineKind.FIXED
    assert resp.deadline.due == dt.date(2025, 12, 31)
    assert resp.rest == []


def test_a_comma_may_stand_for_the_semicolon_before_the_deadline() -> None:
    resp = parse_responsibility("区科经局,持续推进")
    assert roles(resp) == [("区科经局", LEAD)]
    assert resp.deadline is not None
    assert resp.deadline.kind is DeadlineKind.ONGOING


def test_units_marked_lead_lead_and_groups_are_groups() -> None:
    resp = parse_responsibility(
        "区市场监管局、区委宣传部牵头,区知识产权工作领导小组各成员单位按职责分工负责;持续推进"
    )
    assert roles(resp) == [
        ("区市场监管局", LEAD),
        ("区委宣传部", LEAD),
        ("区知识产权工作领导小组各成员单位", GROUP),
    ]
    assert resp.deadline is not None
    assert resp.deadline.kind is DeadlineKind.ONGOING


def test_when_some_units_lead_the_unmarked_ones_are_co() -> None:
    resp = parse_responsibility("区市场监管局牵头,区财政局、区司法局按职责分工负责;持续推进")
    assert roles(resp) == [("区市场监管局", LEAD), ("区财政局", CO), ("区司法局", CO)]


def test_nested_brackets_belong_to_the_unit_name() -> None:
    resp = parse_responsibility("区委办(区委外办);持续推进")
    assert roles(resp) == [("区委办(区委外办)", LEAD)]


def test_a_leading_group_body_alone_is_a_lead_unit() -> None:
    resp = parse_responsibility("区知识产权工作领导小组按职责分工负责;持续推进")
    assert roles(resp) == [("区知识产权工作领导小组", LEAD)]


def test_a_clause_naming_only_a_group_has_no_lead() -> None:
    resp = parse_responsibility("区知识产权工作领导小组有关成员单位按职责分工负责;持续推进")
    assert roles(resp) == [("区知识产权工作领导小组有关成员单位", GROUP)]


def test_county_governments_in_square_brackets_are_not_split_and_keep_their_brackets() -> None:
    resp = parse_responsibility(
        "市委宣传部、市市场监督管理局、市农业农村局、市自然资源和规划局,"
        "各县〔市、区〕政府〔管委会〕按分工负责"
    )
    assert roles(resp) == [
        ("市委宣传部", LEAD),
        ("市市场监督管理局", CO),
        ("市农业农村局", CO),
        ("市自然资源和规划局", CO),
        ("各县〔市、区〕政府〔管委会〕", GROUP),
    ]
    assert resp.deadline is None
    assert resp.rest == []


def test_two_groups_and_no_deadline() -> None:
    resp = parse_responsibility(
        "市知识产权战略实施工作联席会议成员单位,各县〔市、区〕人民政府〔管委会〕按分工负责"
    )
    assert roles(resp) == [
        ("市知识产权战略实施工作联席会议成员单位", GROUP),
        ("各县〔市、区〕人民政府〔管委会〕", GROUP),
    ]
    assert resp.deadline is None


def test_ji_joins_a_group_to_a_unit_list_in_a_task_table_cell() -> None:
    resp = parse_responsibility(
        "区委宣传部、区市场监管局、公安嘉定分局、区法院、区检察院及区知识产权联席会议其他成员单位"
    )
    assert roles(resp) == [
        ("区委宣传部", LEAD),
        ("区市场监管局", CO),
        ("公安嘉定分局", CO),
        ("区法院", CO),
        ("区检察院", CO),
        ("区知识产权联席会议其他成员单位", GROUP),
    ]


@pytest.mark.parametrize(
    "name", ["市自然资源和规划局", "市发展和改革委员会", "市卫生和健康委员会", "市文化广电和旅游局"]
)
def test_he_inside_a_unit_name_does_not_split_it(name: str) -> None:
    assert roles(parse_responsibility(name)) == [(name, LEAD)]


def test_he_and_yiji_split_two_whole_unit_names() -> None:
    assert roles(parse_responsibility("区委宣传部和区市场监管局")) == [
        ("区委宣传部", LEAD),
        ("区市场监管局", CO),
    ]
    assert roles(parse_responsibility("区法院以及区检察院")) == [("区法院", LEAD), ("区检察院", CO)]


def test_units_marked_to_assist_are_never_the_default_lead() -> None:
    resp = parse_responsibility("区财政局配合,区市场监管局负责")
    assert roles(resp) == [("区财政局", CO), ("区市场监管局", LEAD)]


def test_trailing_deng_and_deng_bumen_are_dropped() -> None:
    resp = parse_responsibility("区市场监管局、区司法局等部门按职责分工负责")
    assert roles(resp) == [("区市场监管局", LEAD), ("区司法局", CO)]


def test_full_width_separators_are_split_and_names_kept_as_written() -> None:
    resp = parse_responsibility("区委办(区委外办)、区司法局;持续推进")
    assert roles(resp) == [("区委办(区委外办)", LEAD), ("区司法局", CO)]
    assert resp.deadline is not None


def test_a_unit_named_twice_is_listed_once() -> None:
    resp = parse_responsibility("区市场监管局牵头,区市场监管局、区司法局配合")
    assert roles(resp) == [("区市场监管局", LEAD), ("区司法局", CO)]


def test_pieces_that_are_neither_units_nor_a_deadline_go_to_rest() -> None:
    resp = parse_responsibility("区市场监管局;每季度报送进展;持续推进")
    assert roles(resp) == [("区市场监管局", LEAD)]
    assert resp.deadline is not None
    assert resp.rest == ["每季度报送进展"]


def test_a_second_deadline_goes_to_rest() -> None:
    resp = parse_responsibility("区市场监管局;2024年底前完成;持续推进")
    assert resp.deadline is not None
    assert resp.deadline.kind is DeadlineKind.FIXED
    assert resp.rest == ["持续推进"]


def test_a_deadline_alone_has_no_units() -> None:
    resp = parse_responsibility("持续推进")
    assert resp.units == []
    assert resp.deadline is not None


def test_an_empty_clause_has_nothing() -> None:
    assert parse_responsibility("") == Responsibility()


def test_labelled_table_cells_are_read() -> None:
    resp = parse_responsibility("牵头单位:区市场监管局;配合单位:区司法局;完成时限:2024年底前")
    assert roles(resp) == [("区市场监管局", LEAD), ("区司法局", CO)]
    assert resp.deadline is not None
    assert resp.deadline.due == dt.date(2024, 12, 31)


def test_every_measure_of_seed_000_has_a_lead_and_a_deadline_and_nothing_left_over() -> None:
    clauses = measure_clauses("000")
    assert len(clauses) == 70
    for clause in clauses:
        resp = parse_responsibility(clause)
        assert resp.deadline is not None, clause
        assert resp.rest == [], clause
        assert resp.units, clause
        if "有关成员单位" not in clause:
            assert any(u.role is LEAD for u in resp.units), clause


def test_every_measure_of_seed_002_ends_with_the_county_governments_group() -> None:
    clauses = measure_clauses("002")
    assert len(clauses) == 17
    for clause in clauses:
        resp = parse_responsibility(clause)
        assert resp.deadline is None
        assert resp.rest == [], clause
        assert resp.units[-1].role is GROUP, clause
        assert normalise_unit_name(resp.units[-1].name).startswith("各县(市、区)")
    measure_13 = parse_responsibility(clauses[12])
    assert [u.name for u in measure_13.units if u.role is CO][-2:] == [
        "中国人民银行许昌市分行",
        "国家金融监督管理总局许昌监管分局",
    ]


def test_the_units_cells_of_the_jiading_task_table_are_read() -> None:
    rows = [
        line for line in seed_lines("003") if line.count("|") >= 2 and re.search(r"\d+\.", line)
    ]
    cells = [[c.strip() for c in row.split("|")] for row in rows]
    units = [next(c for c in reversed(row) if c) for row in cells]
    assert len(units) == 22
    for cell in units:
        assert looks_like_units(cell), cell
        resp = parse_responsibility(cell)
        assert resp.units and resp.rest == [], cell
    assert roles(parse_responsibility(units[3]))[-1] == ("区知识产权联席会议其他成员单位", GROUP)


# --- looks_like_units --------------------------------------------------------------------


@pytest.mark.parametrize(
    "clause",
    [
        "区市场监管局;持续推进",
        "区科经局,持续推进",
        "区委办(区委外办);持续推进",
        "持续推进",
        "2025年底前完成",
        "区市场监管局牵头",
        "市知识产权战略实施工作联席会议成员单位,各县〔市、区〕政府〔管委会〕按分工负责",
        "区市场监管局、公安嘉定分局、区法院、区检察院及区知识产权联席会议其他成员单位",
        "区市场监管局、嘉定海关",
        "区委、区政府",
    ],
)
def test_responsibility_clauses_look_like_units(clause: str) -> None:
    assert looks_like_units(clause)


@pytest.mark.parametrize(
    "clause",
    [
        "武办发〔2020〕16号",
        "武知战办〔2023〕4号",
        "国知发保字〔2022〕27号",
        "2021-2035年",
        "2021—2035年",
        "2025年",
        "技术",
        "齐鲁号",
        "南昌",
        "钧瓷",
        "TISC",
        "功能区",
        "市、区",
        "单位",
        "管委会",
        "试行",
        "此件公开发布",
        "联系电话:市市场监管局知识产权保护处,81787730",
        "",
    ],
)
def test_asides_do_not_look_like_units(clause: str) -> None:
    assert not looks_like_units(clause)


@pytest.mark.parametrize(("prefix", "count"), [("000", 70), ("002", 17)])
def test_every_measure_clause_of_the_seeds_with_units_is_recognised(
    prefix: str, count: int
) -> None:
    clauses = measure_clauses(prefix)
    assert len(clauses) == count
    assert all(looks_like_units(c) for c in clauses)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_no_aside_in_any_seed_is_taken_for_units(prefix: str) -> None:
    """Every trailing parenthetical of a line or sentence that is not a measure's clause."""
    measure_clauses_ = set(measure_clauses(prefix)) if prefix in ("000", "002") else set()
    for line in seed_lines(prefix):
        candidates = {trailing_group(line)}
        candidates |= {trailing_group(s.rstrip("。;!?")) for s in split_sentences(line)}
        for group in candidates - {None}:
            assert group is not None
            if group[1] in measure_clauses_:
                continue
            assert not looks_like_units(group[1]), (line, group[1])


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("广州、深圳市政府,横琴粤澳深度合作区执委会按职责分工负责",
         [("广州市政府", LEAD), ("深圳市政府", CO), ("横琴粤澳深度合作区执委会", CO)]),
        ("省发展改革委、广州、深圳、东莞市人民政府",
         [("省发展改革委", LEAD), ("广州市人民政府", CO), ("深圳市人民政府", CO), ("东莞市人民政府", CO)]),
        ("佛山市、中山市政府负责", [("佛山市政府", LEAD), ("中山市政府", CO)]),
    ],
)  # fmt: skip
def test_places_listed_bare_share_the_body_the_last_one_names(
    clause: str, expected: list[tuple[str, UnitRole]]
) -> None:
    assert roles(parse_responsibility(clause)) == expected


def test_a_list_of_bare_words_without_a_body_after_them_stays_as_it_is() -> None:
    # Not places sharing a government: nothing is added to any name.
    assert roles(parse_responsibility("有关设区市、县〔区〕人民政府")) == [("有关设区市、县〔区〕人民政府", GROUP)]
    resp = parse_responsibility("技术、人才、资金")
    assert resp.units == [] and resp.rest == ["技术、人才、资金"]
