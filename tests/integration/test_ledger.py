"""The 工作台账 (XLSX ledger) on both backends: work driven through the services, the file read back.

Seed 003 (Jiading): 3 is led by 区市场监管局 with 区经委 as co-unit; 10, 12 and 17 belong to
区市场监管局 alone; 1, 5, 21 and 22 to the group 区知识产权联席会议各成员单位 (mapped here to
区法院 and 区检察院); 4 and 6 name units plus the unmapped group 区知识产权联席会议其他成员单位;
S1–S4 name nobody. Seed 000 (Wuhan) has the deadlines (3: 2025年12月底前完成; 7: 每年4月底前),
seed 002 (Xuchang) the numeric targets.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import event

from reports.ledger import (
    LEDGER_HEADERS,
    build_ledger,
    display_width,
    write_ledger,
)
from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.errors import InputError
from workflow.read.plans import find_plan
from workflow.services import measure_work, people
from workflow.services.evidence import NewEvidence, add_evidence, remove_evidence
from workflow.services.indicators import report_value

from .workflow_helpers import (
    ADMIN,
    COURT,
    ECONOMY,
    JIADING_PEOPLE,
    MARKET,
    REVIEWER_A,
    actor,
    add_people,
    import_seed,
    measure_id,
    pdf_bytes,
    plan_id,
    write_file,
)

SELF_CHECK_DAY = dt.date(2024, 3, 1)
LEDGER_DAY = dt.date(2024, 6, 1)  # after the rectification due date of measure 17
NOW = dt.datetime(2024, 6, 1, 9, 30, tzinfo=dt.UTC)  # 17:30 in Beijing
EACH_MEMBER = "区知识产权联席会议各成员单位"
OTHER_MEMBERS = "区知识产权联席会议其他成员单位"


def pdf(app: App, tmp_path: Path, who: str, ref: str, n: int = 1) -> NewEvidence:
    path = write_file(tmp_path / "uploads", f"{ref}-{who}-{n}.pdf", pdf_bytes(f"{ref} {who} {n}"))
    return NewEvidence(files=[path], doc_date=dt.date(2024, 1, 10))


def self_checked(app: App, tmp_path: Path, plan: str, ref: str) -> None:
    """A measure of 区市场监管局 alone: started, evidenced, part done, self-checked."""
    m = measure_id(app, plan, ref)
    measure_work.start(app.uow(), actor(app, MARKET), m)
    add_evidence(app.uow(), app.store, actor(app, MARKET), m, item=1, new=pdf(app, tmp_path, MARKET, ref))
    measure_work.set_part(app.uow(), actor(app, MARKET), m)
    measure_work.submit_self_check(
        app.uow(), actor(app, MARKET), m, statement="已完成", today=SELF_CHECK_DAY
    )


@pytest.fixture
def jiading(app: App, seeds_dir: Path, tmp_path: Path) -> str:
    """Jiading with work on five measures: in progress, self-checked, accepted, returned."""
    plan = import_seed(app, seeds_dir, "003")
    add_people(app, JIADING_PEOPLE)
    people.set_group_members(app.uow(), actor(app, ADMIN), EACH_MEMBER, add=["区法院", "区检察院"])

    # 3: in progress; evidence from both units, one more added by mistake and taken back.
    m3 = measure_id(app, plan, "3")
    measure_work.start(app.uow(), actor(app, MARKET), m3)
    add_evidence(app.uow(), app.store, actor(app, MARKET), m3, item=1, new=pdf(app, tmp_path, MARKET, "3"))
    add_evidence(app.uow(), app.store, actor(app, ECONOMY), m3, item=1, new=pdf(app, tmp_path, ECONOMY, "3"))
    [mistake] = add_evidence(
        app.uow(), app.store, actor(app, MARKET), m3, item=1, new=pdf(app, tmp_path, MARKET, "3", 2)
    )
    remove_evidence(app.uow(), actor(app, MARKET), mistake.id)
    measure_work.set_part(app.uow(), actor(app, MARKET), m3)

    self_checked(app, tmp_path, plan, "10")

    self_checked(app, tmp_path, plan, "12")
    measure_work.accept(app.uow(), actor(app, REVIEWER_A), measure_id(app, plan, "12"), score=92, comment="材料齐全")

    self_checked(app, tmp_path, plan, "17")
    measure_work.return_for_rectification(
        app.uow(), actor(app, REVIEWER_A), measure_id(app, plan, "17"), comment="缺少台账", score=60,
        due=dt.date(2024, 3, 15), today=SELF_CHECK_DAY,
    )  # fmt: skip

    # 1: the mapped group; the court works on it.
    measure_work.start(app.uow(), actor(app, COURT), measure_id(app, plan, "1"))
    add_evidence(
        app.uow(), app.store, actor(app, COURT), measure_id(app, plan, "1"), item=1, new=pdf(app, tmp_path, COURT, "1")
    )
    return plan


def read_sheet(path: Path, name: str) -> tuple[Any, list[dict[str, Any]]]:
    """The worksheet and its rows as {header: value}."""
    ws = openpyxl.load_workbook(path)[name]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, values, strict=True)) for values in ws.iter_rows(min_row=2, values_only=True)]
    return ws, rows


def by_ref_and_unit(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["编号"], r["责任单位"]): r for r in rows}


# ------------------------------------------------------------------------------ the ledger


def test_the_ledger_has_one_row_per_measure_and_responsible_unit(
    app: App, jiading: str, tmp_path: Path
) -> None:
    out = tmp_path / "工作台账.xlsx"
    summary = write_ledger(app.uow(), None, plan_id(app, jiading), out, today=LEDGER_DAY, now=NOW)
    ws, rows = read_sheet(out, "工作台账")

    assert [c.value for c in ws[1]] == list(LEDGER_HEADERS)
    assert LEDGER_HEADERS[:6] == ("章节", "编号", "措施", "责任单位", "角色", "本单位部分")
    per_measure = Counter(r["编号"] for r in rows)
    assert len(per_measure) == 26 and summary.measures == 26
    # Named units one row each; the mapped group as its two members; the unmapped group and
    # a safeguard without units one row each.
    assert per_measure["3"] == 2  # 区市场监管局, 区经委
    assert per_measure["1"] == 2  # 区法院, 区检察院 (各成员单位 mapped)
    assert per_measure["4"] == 5  # 区市场监管局, 公安嘉定分局, 区法院, 区检察院, 其他成员单位
    assert per_measure["6"] == 6
    assert per_measure["S1"] == 1
    assert len(rows) == summary.rows == 52  # 48 before the mapping, +1 for each of 1, 5, 21, 22
    units_of = {ref: [r["责任单位"] for r in rows if r["编号"] == ref] for ref in per_measure}
    assert sorted(units_of["1"]) == ["区检察院", "区法院"]  # members in the database's name order
    assert units_of["3"] == ["区市场监管局", "区经委"]  # lead first
    assert units_of["4"][0] == "区市场监管局" and units_of["4"][-1] == OTHER_MEMBERS
    assert units_of["S1"] == ["(未写明责任单位)"]
    # Document order: the measures appear as the plan lists them.
    assert list(dict.fromkeys(r["编号"] for r in rows))[:4] == ["1", "2", "3", "4"]
    assert list(dict.fromkeys(r["编号"] for r in rows))[-4:] == ["S1", "S2", "S3", "S4"]


def test_the_ledger_shows_state_parts_evidence_reviews_and_lateness(
    app: App, jiading: str, tmp_path: Path
) -> None:
    out = tmp_path / "台账.xlsx"
    write_ledger(app.uow(), None, plan_id(app, jiading), out, today=LEDGER_DAY, now=NOW)
    _ws, rows = read_sheet(out, "工作台账")
    row = by_ref_and_unit(rows)

    market3, economy3 = row[("3", "区市场监管局")], row[("3", "区经委")]
    assert (market3["角色"], market3["本单位部分"], market3["状态"]) == ("牵头", "已完成", "推进中")
    assert (economy3["角色"], economy3["本单位部分"]) == ("配合", "未完成")
    # Current evidence only: the removed one does not count.
    assert (market3["佐证材料数"], market3["本单位提交数"]) == (2, 1)
    assert (economy3["佐证材料数"], economy3["本单位提交数"]) == (2, 1)
    assert market3["自查轮次"] == 0 and market3["审核结论"] is None and market3["是否逾期"] == "否"

    m10 = row[("10", "区市场监管局")]
    assert (m10["状态"], m10["自查轮次"], m10["审核结论"], m10["评分"]) == ("已自查", 1, None, None)

    m12 = row[("12", "区市场监管局")]
    assert (m12["状态"], m12["审核结论"], m12["审核意见"], m12["评分"]) == (
        "已验收",
        "领导小组办公室审核:通过",
        "材料齐全",
        92,
    )
    assert m12["是否逾期"] == "否"

    m17 = row[("17", "区市场监管局")]
    assert (m17["状态"], m17["审核结论"], m17["审核意见"], m17["评分"]) == (
        "整改中",
        "领导小组办公室审核:退回整改",
        "缺少台账",
        60,
    )
    assert m17["整改期限"] == dt.datetime(2024, 3, 15)
    assert m17["是否逾期"] == "是"
    assert m17["逾期说明"] == "整改期限 2024-03-15 已过 78 天"

    court1, procuratorate1 = row[("1", "区法院")], row[("1", "区检察院")]
    assert (court1["角色"], procuratorate1["角色"]) == ("牵头", "牵头")  # each member leads its share
    assert (court1["本单位提交数"], procuratorate1["本单位提交数"], court1["佐证材料数"]) == (1, 0, 1)
    other4 = row[("4", OTHER_MEMBERS)]
    assert (other4["角色"], other4["本单位部分"]) == ("配合", "未指定成员单位")
    s1 = row[("S1", "(未写明责任单位)")]
    assert (s1["状态"], s1["角色"], s1["佐证材料数"]) == ("未启动", None, 0)

    # Only measure 17 is late on that day; before its rectification due date nothing is.
    assert {r["编号"] for r in rows if r["是否逾期"] == "是"} == {"17"}
    early = tmp_path / "早.xlsx"
    write_ledger(app.uow(), None, plan_id(app, jiading), early, today=dt.date(2024, 3, 10), now=NOW)
    assert all(r["是否逾期"] == "否" for r in read_sheet(early, "工作台账")[1])


def test_the_ledger_is_formatted_for_excel_and_print(
    app: App, jiading: str, tmp_path: Path
) -> None:
    out = tmp_path / "台账.xlsx"
    summary = write_ledger(app.uow(), None, plan_id(app, jiading), out, today=LEDGER_DAY, now=NOW)
    ws, rows = read_sheet(out, "工作台账")
    headers = list(LEDGER_HEADERS)
    col = {h: openpyxl.utils.get_column_letter(headers.index(h) + 1) for h in headers}

    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{col['评分']}{summary.rows + 1}"
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert all(c.font.bold for c in ws[1])
    assert ws["A1"].fill.fgColor.rgb.endswith("DDEBF7")

    # Widths count a Chinese character as two columns.
    widest_unit = max((r["责任单位"] for r in rows), key=display_width)
    assert widest_unit == OTHER_MEMBERS
    assert ws.column_dimensions[col["责任单位"]].width == 2 * len(OTHER_MEMBERS) + 2
    assert ws.column_dimensions[col["措施"]].width == 40  # capped; the text wraps
    assert ws.column_dimensions[col["编号"]].width < ws.column_dimensions[col["责任单位"]].width
    n17 = next(i for i, r in enumerate(rows, start=2) if r["编号"] == "17")
    assert ws[f"{col['措施']}{n17}"].alignment.wrap_text

    # Dates are dates, numbers numbers; the late row is light red, the others are not.
    cell = ws[f"{col['整改期限']}{n17}"]
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"
    assert isinstance(ws[f"{col['佐证材料数']}{n17}"].value, int)
    assert ws[f"A{n17}"].fill.fgColor.rgb.endswith("FFC7CE")
    assert not ws["A2"].fill.fgColor.rgb.endswith("FFC7CE")

    info = {r[0]: r[1] for r in openpyxl.load_workbook(out)["说明"].iter_rows(values_only=True)}
    assert info["方案"] == "嘉定区建设上海市知识产权保护示范区实施方案"
    assert info["文号"] == "嘉府发〔2023〕18号"
    assert info["统计日期"] == dt.datetime(2024, 6, 1)
    assert info["生成时间(北京时间)"] == dt.datetime(2024, 6, 1, 17, 30)
    assert (info["措施数"], info["台账行数"], info["逾期措施数"]) == (26, 52, 1)
    assert (info["状态:已验收"], info["状态:整改中"], info["状态:推进中"]) == (1, 1, 2)


def test_reading_the_ledger_takes_the_same_queries_however_much_work_there_is(
    app: App, jiading: str, tmp_path: Path
) -> None:
    def queries() -> int:
        statements: list[str] = []

        def seen(*args: Any) -> None:
            statements.append(args[2])

        event.listen(app.engine, "before_cursor_execute", seen)
        try:
            with app.uow() as uow:
                build_ledger(uow.session, find_plan(uow.session, jiading, None), today=LEDGER_DAY)
        finally:
            event.remove(app.engine, "before_cursor_execute", seen)
        return len(statements)

    before = queries()
    # About 30 bulk queries for 26 measures: one query per measure would add 26.
    assert before <= 40
    for ref in ("19", "20"):
        self_checked(app, tmp_path, jiading, ref)
    measure_work.accept(app.uow(), actor(app, REVIEWER_A), measure_id(app, jiading, "19"), score=80)
    assert queries() == before


# ------------------------------------------------------------------------ dates, indicators


def test_deadlines_are_excel_dates_and_missed_ones_are_explained(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    plan = import_seed(app, seeds_dir, "000")
    out = tmp_path / "武汉.xlsx"
    write_ledger(app.uow(), None, plan_id(app, plan), out, today=dt.date(2026, 1, 15), now=NOW)
    ws, rows = read_sheet(out, "工作台账")
    row = by_ref_and_unit(rows)
    lead, co = row[("3", "区市场监管局")], row[("3", "区司法局")]
    assert lead["截止日期"] == co["截止日期"] == dt.datetime(2025, 12, 31)
    assert (lead["时限"], lead["是否逾期"], co["是否逾期"]) == ("2025年12月底前完成", "是", "是")
    assert lead["逾期说明"] == "2025-12-31 到期,已逾期 15 天"
    annual = row[("7", "区知识产权工作领导小组办公室")]
    assert annual["截止日期"] is None
    assert annual["逾期说明"] == (
        "2024年度(每年4月底前)未提交佐证材料,已逾期 625 天;"
        "2025年度(每年4月底前)未提交佐证材料,已逾期 260 天"
    )
    n3 = next(i for i, r in enumerate(rows, start=2) if r["编号"] == "3")
    due = ws.cell(row=n3, column=LEDGER_HEADERS.index("截止日期") + 1)
    assert due.is_date and due.number_format == "yyyy-mm-dd"


def test_the_indicator_sheet_lists_targets_and_reported_values(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    plan = import_seed(app, seeds_dir, "002")
    add_people(app, [("许昌监管局李", Role.MEMBER, "市市场监督管理局")])
    report_value(
        app.uow(), app.store, actor(app, "许昌监管局李"), plan_id(app, plan), 1, "3700",
        evidence=NewEvidence(links=["https://example.gov.cn/tj/2024.html"]),
        as_of=dt.date(2024, 12, 31),
    )  # fmt: skip
    report_value(
        app.uow(), app.store, actor(app, "许昌监管局李"), plan_id(app, plan), 8, "299.5万",
        evidence=NewEvidence(links=["https://example.gov.cn/tj/2024.html"]),
        as_of=dt.date(2024, 12, 31),
    )  # fmt: skip
    out = tmp_path / "许昌.xlsx"
    write_ledger(app.uow(), None, plan_id(app, plan), out, today=dt.date(2025, 1, 10), now=NOW)
    ws, rows = read_sheet(out, "指标")
    assert [c.value for c in ws[1]][:9] == [
        "序号", "指标", "要求", "目标", "目标上限", "单位", "实际值", "截至", "是否达标",
    ]  # fmt: skip
    by_metric = {r["指标"]: r for r in rows}
    patents = by_metric["有效发明专利拥有量"]
    assert (patents["目标"], patents["单位"], patents["实际值"], patents["是否达标"]) == (
        3600, "件", 3700, "是",
    )  # fmt: skip
    assert patents["截至"] == dt.datetime(2024, 12, 31)
    funds = next(r for r in rows if r["序号"] == 8)
    assert (funds["实际值"], funds["是否达标"]) == (2995000, "否")
    assert sum(1 for r in rows if r["是否达标"] == "未填报") == len(rows) - 2
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:J{len(rows) + 1}"


# --------------------------------------------------------------------------------- writing


def test_a_missing_output_folder_is_a_clear_error_and_nothing_is_written(
    app: App, jiading: str, tmp_path: Path
) -> None:
    missing = tmp_path / "没有这个文件夹"
    with pytest.raises(InputError, match="输出文件夹不存在:.*没有这个文件夹"):
        write_ledger(app.uow(), None, plan_id(app, jiading), missing / "台账.xlsx", today=LEDGER_DAY)
    assert not missing.exists()


def test_rewriting_the_ledger_replaces_the_file_and_leaves_no_temporary_file(
    app: App, jiading: str, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "台账.xlsx"
    out.write_bytes(b"old")
    write_ledger(app.uow(), None, plan_id(app, jiading), out, today=LEDGER_DAY, now=NOW)
    write_ledger(app.uow(), None, plan_id(app, jiading), out, today=LEDGER_DAY, now=NOW)
    assert [p.name for p in folder.iterdir()] == ["台账.xlsx"]
    assert openpyxl.load_workbook(out).sheetnames == ["工作台账", "指标", "说明"]
