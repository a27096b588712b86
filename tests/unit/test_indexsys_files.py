"""Index system files: the example of each seed, YAML and XLSX read or refused clearly.

Error cases edit a written example as text (YAML) or build a real workbook with openpyxl
(XLSX), the way an office would, and check that the message names the file, the line or row,
the indicator and the field.
"""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checklists.catalog import Catalog, ChecklistItem, EvidenceKind, MeasureKind
from checklists.indexsys.example import EXAMPLE_TOTAL, example_index, spread_evenly
from checklists.indexsys.model import Consolidation, Grade, GradeLines, IndicatorType, Level
from checklists.indexsys.reading import IndexFileError
from checklists.indexsys.xlsx_file import (
    MAX_ROWS,
    MAX_ZIP_ENTRIES,
    load_index_xlsx,
    read_index_xlsx,
)
from checklists.indexsys.yaml_file import (
    MAX_INDEX_BYTES,
    dump_index,
    load_index_yaml,
    read_index_yaml,
)
from tests.support.seed_catalogs import PREFIXES, seed_catalog

D = Decimal
SOURCE = "指标.yaml"


# --- the example index system of each seed ----------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_each_seed_has_an_example_that_sums_to_100_and_round_trips(prefix: str) -> None:
    catalog = seed_catalog(prefix)
    system = example_index(catalog)
    assert "示例" in system.name and system.plan == catalog.plan.key
    assert sum(r.points for r in system.roots) == EXAMPLE_TOTAL
    # every measure is one 二级 indicator mapped to it, under its section's 一级 indicator
    second = [i for i in system.indicators if i.level == Level.SECOND and i.measures]
    assert [i.measures for i in second] == [(m.ref,) for m in _in_section_order(catalog)]
    for indicator, measure in zip(second, _in_section_order(catalog), strict=True):
        assert indicator.type is (IndicatorType.MET if measure.kind is MeasureKind.OUTCOME else IndicatorType.SCORED)
        assert [s.what for s in indicator.evidence] == [c.text for c in measure.checklist][:20]
        parent = system.indicator(indicator.parent or "")
        assert parent.name == next(s.title for s in catalog.sections if s.ref == measure.section)
    points = [i.points for i in system.indicators if i.level == Level.SECOND]
    assert max(points) - min(points) <= D("0.1")
    text = dump_index(system)
    assert load_index_yaml(text, source=SOURCE, catalog=catalog) == system


def _in_section_order(catalog: Catalog) -> list:  # type: ignore[type-arg]
    order = [s.ref for s in catalog.sections]
    return sorted(catalog.measures, key=lambda m: order.index(m.section) if m.section else len(order))


def test_plan_wide_numeric_targets_become_met_indicators_under_their_own_heading() -> None:
    catalog = seed_catalog("002")  # 8 targets not tied to a measure, 2 tied to measures 4 and 14
    system = example_index(catalog)
    (targets,) = [r for r in system.roots if r.name == "量化目标"]
    children = system.children(targets.code)
    assert [c.metrics for c in children] == [
        (i.metric,) for i in catalog.indicators if i.measure is None
    ]
    assert all(c.type is IndicatorType.MET for c in children)
    tied = [i for i in system.indicators if i.measures == ("4",)]
    assert tied[0].metrics == ("各级知识产权强企",)


def test_a_measure_of_many_checklist_items_keeps_the_slot_bound() -> None:
    catalog = seed_catalog("003").model_copy(deep=True)
    measure = catalog.measures[0]
    measure.checklist = [ChecklistItem(text=f"材料{n}") for n in range(25)]
    slots = example_index(catalog).indicator("1.1").evidence
    assert len(slots) == 20
    assert slots[-1].what == "其余 6 项材料(见方案目录中该措施的自查清单)"


@given(total_tenths=st.integers(1, 10_000), count=st.integers(1, 1000))
def test_even_spread_sums_exactly_and_differs_by_one_step_at_most(total_tenths: int, count: int) -> None:
    total = D(total_tenths) / 10
    if count > total_tenths:
        with pytest.raises(ValueError):
            spread_evenly(total, count)
        return
    shares = spread_evenly(total, count)
    assert sum(shares) == total and len(shares) == count
    assert max(shares) - min(shares) in (D(0), D("0.1"))
    assert shares == sorted(shares, reverse=True)


# --- YAML -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jiading_text() -> str:
    return dump_index(example_index(seed_catalog("003")))


def _edit(text: str, old: str, new: str, count: int = 1) -> str:
    assert old in text, old
    return text.replace(old, new, count)


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


def _refused(text: str, catalog: Catalog | None = None) -> str:
    with pytest.raises(IndexFileError) as err:
        load_index_yaml(text, source=SOURCE, catalog=catalog)
    return str(err.value)


def test_points_not_adding_up_name_the_parent_line(jiading_text: str) -> None:
    text = _edit(jiading_text, "points: 3.9\n", "points: 4.9\n")  # 1.1, the first 二级
    line = _line_of(text, "points: 23.4")  # the parent's own points field
    assert _refused(text).splitlines() == [
        f"{SOURCE} 第 {line} 行: 指标 1 字段 points: 一级指标 1 注重统筹协调,完善知识产权保护体系 为 23.4 分,"
        "其下级指标合计 24.4 分,二者应相等",
    ]


def test_a_wrong_declared_total_is_named_at_its_line(jiading_text: str) -> None:
    text = _edit(jiading_text, "total: 100", "total: 90")
    assert _refused(text) == f"{SOURCE} 第 {_line_of(text, 'total: 90')} 行: 字段 total: 一级指标合计 100 分(加分项除外),与总分 90 分不符"


def test_duplicate_code_and_cycle_are_named(jiading_text: str) -> None:
    text = _edit(jiading_text, "code: '1.2'", "code: '1.1'")
    first, second = [n for n, line in enumerate(text.splitlines(), start=1) if "code: '1.1'" in line]
    assert _refused(text) == f"{SOURCE} 第 {second} 行: 指标 1.1 字段 code: 指标编号 1.1 重复(第 {first} 行已有)"
    cyclic = _edit(jiading_text, "  - code: '1'\n    name", "  - code: '1'\n    parent: '1.1'\n    name")
    assert "上级关系成环: 1 → 1.1 → 1" in _refused(cyclic)


def test_mapping_to_a_missing_measure_is_refused_against_the_catalog(jiading_text: str) -> None:
    catalog = seed_catalog("003")
    text = _edit(jiading_text, "measures:\n      - '1'\n", "measures:\n      - '99'\n")
    line = _line_of(text, "- '99'") - 1
    assert _refused(text, catalog) == f"{SOURCE} 第 {line} 行: 指标 1.1 字段 measures: 方案 003_ae6539458f46096d 中没有措施 99"
    assert load_index_yaml(text, source=SOURCE).indicator("1.1").measures == ("99",)  # no catalog: no check
    other = seed_catalog("004")
    assert "指标体系属于方案 003_ae6539458f46096d,不是方案 004_118eb60ae0313b36" in _refused(jiading_text, other)


def test_field_errors_are_all_listed_with_lines(jiading_text: str) -> None:
    text = _edit(jiading_text, "points: 3.9\n", "points: 四点八\n")
    text = _edit(text, "level: 2\n", "level: 7\n")
    text = _edit(text, "    guidance:", "    colour: red\n    guidance:")
    lines = _refused(text).splitlines()
    assert len(lines) == 3
    assert any("字段 points: 应为数字: '四点八'" in m for m in lines)
    assert any("字段 level: 取值无效 '7',可选: 1 / 2 / 3(一级 / 二级 / 三级)" in m for m in lines)
    assert any("字段 colour: 不认识的字段(拼写错误?)" in m for m in lines)


def test_chinese_values_and_optional_fields_are_read() -> None:
    text = """\
name: 某区指标体系
plan: p1
total: 100
bonus_total: 5
grades: {合格: 70, 优秀: 90}
consolidation: 去掉最高分和最低分
indicators:
  - {code: A, name: 制度建设, level: 一级, points: 100, type: 评分}
  - code: A1
    name: 出台文件
    level: 二级
    parent: A
    points: 100
    evidence:
      - 政策文件
      - {what: 新闻报道, kinds: [链接, note], required: 否}
    measures: 1、S1
  - {code: B, name: 加分项, level: 1, points: 5, bonus: 是}
  - {code: V, name: 重大事件, level: 1, points: 0, type: 达标, veto: true}
"""
    system = load_index_yaml(text, source=SOURCE)
    assert system.grades == GradeLines(D(70), None, D(90))
    assert system.consolidation is Consolidation.TRIMMED_MEAN
    a1 = system.indicator("A1")
    assert a1.measures == ("1", "S1")
    assert [(s.what, s.kinds, s.required) for s in a1.evidence] == [
        ("政策文件", (EvidenceKind.FILE,), True),
        ("新闻报道", (EvidenceKind.LINK, EvidenceKind.NOTE), False),
    ]
    assert system.indicator("V").veto and system.bonus == {"B"}
    assert load_index_yaml(dump_index(system), source=SOURCE) == system
    assert system.grades.grade(D(85)) is Grade.PASS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x 1\nb: *x\n", "指标体系文件中不能使用 YAML 锚点(&)或别名(*)"),
        ("name: !!set x\n", "指标体系文件中不能使用 YAML 标签"),
        ("- 1\n", "不是指标体系文件"),
        ("name: x\nindicators: 3\n", "字段 indicators: 应为指标列表"),
        ("name: x\nplan: p\ntotal: 100\nformat: 2\nindicators: []\n", "不支持的格式版本 2"),
        ("name: x\nplan: p\ntotal: 100\nindicators: []\n", "指标体系中没有任何指标"),
        ("name: 'x\n", "YAML 格式错误"),
    ],
)
def test_hostile_or_broken_yaml_is_refused(text: str, message: str) -> None:
    assert message in _refused(text)


def test_files_over_the_size_bound_are_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * MAX_INDEX_BYTES + b"\n")
    with pytest.raises(IndexFileError, match="文件超过 2 MB"):
        read_index_yaml(big)
    bad = tmp_path / "gbk.yaml"
    bad.write_bytes("name: 指标\n".encode("gb18030"))
    with pytest.raises(IndexFileError, match="第 1 行: 不是 UTF-8 编码的文本"):
        read_index_yaml(bad)


# --- XLSX -------------------------------------------------------------------------------------

HEADER = ["编号", "指标名称", "级别", "上级指标编号", "分值", "指标类型", "一票否决", "评分标准", "佐证材料", "佐证形式", "是否必需", "对应措施", "对应数值指标"]


def _workbook(rows: list[list[object]], *, settings: list[list[object]] | None = None, merges: tuple[str, ...] = ()) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "指标体系"
    sheet.append(["嘉定区知识产权保护示范区评价指标体系"])  # a title row above the header
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    for ref in merges:
        sheet.merge_cells(ref)
    if settings is not None:
        extra = book.create_sheet("设置")
        for row in settings:
            extra.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ROWS: list[list[object]] = [
    ["1", "统筹协调", "一级", None, 60],
    ["1.1", "工作机制", "二级", "1", 35.5, "评分", None, "有机制得满分", "会议纪要\n工作方案", "文件", None, "1"],
    ["1.2", "部署落实", "二级", "1", 24.5, None, None, None, "新闻链接", "链接", "否", "2、S1"],
    ["2", "无重大事件", "一级", None, 40, "达标", "是", None, None, None, None, None, "有效发明专利拥有量"],
]


def test_a_workbook_is_read_by_its_header_with_merged_cells_filled(tmp_path: Path) -> None:
    catalog = seed_catalog("002")
    rows = [list(r) for r in ROWS]
    rows[2][5] = None  # type taken from the merged cell above (F4:F5)
    data = _workbook(rows, merges=("F4:F5",), settings=[["名称", "许昌测试体系"], ["合格", 70], ["汇总方式", "平均分"]])
    path = tmp_path / "许昌指标.xlsx"
    path.write_bytes(data)
    system = read_index_xlsx(path, catalog=catalog)
    assert system.name == "许昌测试体系" and system.plan == catalog.plan.key
    assert system.total == D(100) and system.grades == GradeLines(D(70))
    assert system.consolidation is Consolidation.MEAN
    assert system.indicator("1.1").points == D("35.5")
    assert [(s.what, s.required) for s in system.indicator("1.1").evidence] == [("会议纪要", True), ("工作方案", True)]
    assert system.indicator("1.2").type is IndicatorType.SCORED
    assert system.indicator("1.2").evidence[0].kinds == (EvidenceKind.LINK,)
    assert not system.indicator("1.2").evidence[0].required
    assert system.indicator("1.2").measures == ("2", "S1")
    assert system.indicator("2").veto and system.indicator("2").metrics == ("有效发明专利拥有量",)
    with pytest.raises(IndexFileError, match="“方案”: 缺少必填字段"):
        read_index_xlsx(path)  # without a catalog the plan must come from the 设置 sheet

def test_workbook_errors_name_sheet_row_and_column() -> None:
    rows = [list(r) for r in ROWS]
    rows[1][4] = 45.5  # 1.1 now 45.5: 1 adds up to 70
    rows[2][11] = "2、99"
    with pytest.raises(IndexFileError) as err:
        load_index_xlsx(_workbook(rows), source="表.xlsx", catalog=seed_catalog("002"))
    assert str(err.value).splitlines() == [
        "表.xlsx 工作表“指标体系”第 3 行 指标 1“分值”列: 一级指标 1 统筹协调 为 60 分,其下级指标合计 70 分,二者应相等",
        "表.xlsx 工作表“指标体系”第 5 行 指标 1.2“对应措施”列: 方案 002_6c8dfd04ca7988e4 中没有措施 99",
    ]


def test_workbook_field_errors_and_missing_columns() -> None:
    rows = [list(r) for r in ROWS]
    rows[1][4] = 99999
    rows[2][6] = "也许"
    with pytest.raises(IndexFileError) as err:
        load_index_xlsx(_workbook(rows, settings=[["方案", "p"]]), source="表.xlsx")
    assert str(err.value).splitlines() == [
        "表.xlsx 工作表“指标体系”第 4 行 指标 1.1“分值”列: 不能超过 1000 分: 99999",
        "表.xlsx 工作表“指标体系”第 5 行 指标 1.2“一票否决”列: 应为 是/否(true/false): '也许'",
    ]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "指标名称", "分值"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(IndexFileError, match="工作表“Sheet”第 1 行的表头缺少 “级别” 列"):
        load_index_xlsx(out.getvalue(), source="表.xlsx")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip at all", "不是有效的 .xlsx 文件"),
        (b"PK\x03\x04" + b"\0" * 100, "不是有效的 .xlsx 文件"),
    ],
)
def test_broken_workbooks_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(IndexFileError, match=message):
        load_index_xlsx(data, source="表.xlsx")


def test_a_workbook_without_an_index_table_or_over_the_row_bound_is_refused() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["序号", "任务", "牵头单位"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(IndexFileError, match="没有找到指标表"):
        load_index_xlsx(out.getvalue(), source="表.xlsx")
    rows: list[list[object]] = [["1", "甲", 1, None, 100]] + [[None, "备注"]] * MAX_ROWS
    with pytest.raises(IndexFileError, match=f"超过 {MAX_ROWS} 行的上限"):
        load_index_xlsx(_workbook(rows), source="表.xlsx")


@settings(max_examples=25, deadline=None)
@given(points=st.lists(st.integers(1, 2000).map(lambda n: D(n) / 4), min_size=1, max_size=12))
def test_quarter_points_from_a_workbook_keep_every_digit(points: list[Decimal]) -> None:
    total = sum(points)
    rows: list[list[object]] = [["1", "总", 1, None, float(total)]]
    rows += [[f"1.{i}", f"项{i}", 2, "1", float(p)] for i, p in enumerate(points)]
    settings_rows: list[list[object]] = [["方案", "p"], ["总分", float(total)]]
    if total > 1000:
        with pytest.raises(IndexFileError):
            load_index_xlsx(_workbook(rows, settings=settings_rows), source="t.xlsx")
        return
    system = load_index_xlsx(_workbook(rows, settings=settings_rows), source="t.xlsx")
    assert [i.points for i in system.children("1")] == points


def test_the_readme_example_loads_against_its_plan() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("An index system is YAML", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    system = load_index_yaml(block, source="README.md", catalog=seed_catalog("002"))
    assert system.top_bonus == D(5) and system.indicator("4").veto


def test_counts_are_refused_before_each_record_is_read() -> None:
    many = "name: x\nplan: p\ntotal: 100\nindicators:\n" + "  - {code: a}\n" * 1001
    assert _refused(many) == f"{SOURCE} 第 4 行: 字段 indicators: 指标共 1001 项,超过 1000 项的上限"
    slots = "".join(f"      - 材料{n}\n" for n in range(21))
    text = f"name: x\nplan: p\ntotal: 100\nindicators:\n  - code: '1'\n    name: 甲\n    level: 1\n    points: 100\n    evidence:\n{slots}"
    assert _refused(text) == f"{SOURCE} 第 9 行: 指标 1 字段 evidence: 佐证材料最多 20 项,此处有 21 项"


def test_a_workbook_of_too_many_parts_is_refused_before_openpyxl_reads_it() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(MAX_ZIP_ENTRIES + 1):
            archive.writestr(f"xl/part{n}.xml", "")
    with pytest.raises(IndexFileError, match=f"工作簿内含 {MAX_ZIP_ENTRIES + 1} 个部件,超过 {MAX_ZIP_ENTRIES} 个的上限"):
        load_index_xlsx(out.getvalue(), source="表.xlsx")


def _tree_workbook(first_points: str = "60") -> bytes:
    """The layout of most published index tables: a name column per level, merged down."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "指标"
    sheet.append(["知识产权保护示范区评价指标体系"])
    sheet.append(["一级指标", "二级指标", "三级指标", "分值", "评分标准", "佐证材料", "对应措施"])
    sheet.append([f"保护体系({first_points}分)", "行政保护", "执法办案", 20, "办案数量", "案件台账", "1"])
    sheet.append([None, None, "行政裁决", 10])
    sheet.append([None, "司法保护", "审判质效", 30])
    sheet.append(["宣传(40分)", "宣传活动", None, 40, None, None, "2"])
    sheet.merge_cells("A3:A5")
    sheet.merge_cells("B3:B4")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_table_of_name_columns_per_level_becomes_a_tree_with_codes_by_position() -> None:
    system = load_index_xlsx(_tree_workbook(), source="表.xlsx", catalog=seed_catalog("003"))
    assert [(i.code, i.name, int(i.level), i.points) for i in system.indicators] == [
        ("1", "保护体系", 1, D(60)),
        ("1.1", "行政保护", 2, D(30)),
        ("1.1.1", "执法办案", 3, D(20)),
        ("1.1.2", "行政裁决", 3, D(10)),
        ("1.2", "司法保护", 2, D(30)),
        ("1.2.1", "审判质效", 3, D(30)),
        ("2", "宣传", 1, D(40)),
        ("2.1", "宣传活动", 2, D(40)),
    ]
    assert system.indicator("1.1.1").evidence[0].what == "案件台账"
    assert system.indicator("2.1").measures == ("2",)
    assert system.name == "表"  # no 设置 sheet: the file's name


def test_points_written_in_a_name_cell_are_checked_against_the_children() -> None:
    with pytest.raises(IndexFileError) as err:
        load_index_xlsx(_tree_workbook("50"), source="表.xlsx", catalog=seed_catalog("003"))
    assert str(err.value).splitlines() == [
        "表.xlsx 工作表“指标”第 3 行 指标 1“一级指标”列: 一级指标 1 保护体系 为 50 分,其下级指标合计 60 分,二者应相等",
        "表.xlsx “总分”: 一级指标合计 90 分(加分项除外),与总分 100 分不符",
    ]
