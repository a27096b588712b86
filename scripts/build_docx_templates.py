"""Build the Word templates of the reports (reports/templates/docx/KIND.docx) with python-docx.

    .venv/bin/python scripts/build_docx_templates.py [--out DIR]

The templates hold docxtpl's Jinja tags and read the same context as the HTML templates
(reports/data.py); they are committed, and rebuilt with this script after a change here
(tests/reports/test_docx.py checks the committed ones are what it builds). Layout after
GB/T 9704-2012 as far as a Word style sheet goes: A4, margins 37/26/35/28 mm, title 22 pt in
小标宋, body 16 pt 仿宋, headings 黑体 and 楷体, tables 10.5 pt, page numbers "— 1 —".
An office that wants its own wording edits a copy in Word or WPS and puts it under
ZONECHECK_HOME/templates/docx/ with the same name.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import BaseStyle

OUT = Path(__file__).resolve().parent.parent / "reports" / "templates" / "docx"

SONG = "方正小标宋简体"
FANG = "仿宋_GB2312"
HEI = "黑体"
KAI = "楷体_GB2312"
# The five display states, in the order of `reports.data.DISPLAY_STATES`.
STATES = ("planned", "in_progress", "rectifying", "self_checked", "accepted")


def _fonts(style: BaseStyle, east_asia: str, size: float, latin: str = "Times New Roman") -> None:
    font = style.font  # type: ignore[attr-defined]
    font.name = latin
    font.size = Pt(size)
    font.bold = False
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), east_asia)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


class Builder:
    """A document under construction, with the few kinds of block the reports need."""

    def __init__(self) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        styles = self.doc.styles
        normal = styles["Normal"]
        _fonts(normal, FANG, 16)
        fmt = normal.paragraph_format  # type: ignore[attr-defined]
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(28)
        fmt.space_after = Pt(0)
        fmt.first_line_indent = Pt(32)
        for name, face, size in (("Title", SONG, 22), ("Heading 1", HEI, 16), ("Heading 2", KAI, 16), ("Heading 3", HEI, 14)):
            style = styles[name]
            _fonts(style, face, size)
            pf = style.paragraph_format  # type: ignore[attr-defined]
            pf.first_line_indent = Pt(0) if name == "Title" else Pt(32)
            pf.space_before = Pt(6)
            pf.space_after = Pt(6 if name == "Title" else 0)
            pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            pf.line_spacing = Pt(36 if name == "Title" else 28)
            pf.keep_with_next = True
        styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER  # type: ignore[attr-defined]
        # The Title style's bottom border is Word's, not an official document's.
        ppr = styles["Title"].element.find(qn("w:pPr"))
        if ppr is not None and (border := ppr.find(qn("w:pBdr"))) is not None:
            ppr.remove(border)
        cell = styles.add_style("表格文字", 1)
        cell.base_style = normal  # type: ignore[attr-defined]
        _fonts(cell, FANG, 10.5)
        cf = cell.paragraph_format  # type: ignore[attr-defined]
        cf.first_line_indent = Pt(0)
        cf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        self._page_numbers(section)

    def _page_numbers(self, section: WD_SECTION) -> None:
        para = section.footer.paragraphs[0]  # type: ignore[attr-defined]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.paragraph_format.first_line_indent = Pt(0)
        para.add_run("— ").font.size = Pt(14)
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        run.append(text)
        field.append(run)
        para._p.append(field)
        para.add_run(" —").font.size = Pt(14)

    def title(self, text: str) -> None:
        self.doc.add_paragraph(text, style="Title")

    def h1(self, text: str) -> None:
        self.doc.add_paragraph(text, style="Heading 1")

    def h2(self, text: str) -> None:
        self.doc.add_paragraph(text, style="Heading 2")

    def h3(self, text: str) -> None:
        self.doc.add_paragraph(text, style="Heading 3")

    def p(self, text: str, *, flush: bool = False, align: str = "", size: float | None = None) -> None:
        para = self.doc.add_paragraph()
        run = para.add_run(text)
        if size:  # a measure's facts: smaller, and as close as the PDF sets them
            run.font.size = Pt(size)
            para.paragraph_format.line_spacing = Pt(size * 1.6)
        if flush or align:
            para.paragraph_format.first_line_indent = Pt(0)
        if align == "center":
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif align == "right":
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    def tag(self, text: str) -> None:
        """A paragraph holding only a docxtpl paragraph tag (`{%p if … %}`); docxtpl removes
        the paragraph and keeps the tag."""
        self.doc.add_paragraph(text)

    def page_break(self) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def table(
        self, headers: Sequence[str], cells: Sequence[str], loop: str = "", widths: Sequence[float] = (), *, head: bool = True
    ) -> None:
        """A ruled table: a header row (unless not `head`), then one row of `cells` repeated by
        `loop` (`for m in measures`) or, without a loop, `cells` as rows of len(headers)."""
        columns = len(headers)
        rows = [list(cells[i : i + columns]) for i in range(0, len(cells), columns)]
        if loop:
            rows = [[f"{{%tr {loop} %}}"] + [""] * (columns - 1), rows[0], ["{%tr endfor %}"] + [""] * (columns - 1)]
        table = self.doc.add_table(rows=int(head) + len(rows), cols=columns)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for row_cells, texts in zip(table.rows, [list(headers), *rows] if head else rows, strict=True):
            for cell, text in zip(row_cells.cells, texts, strict=True):
                para = cell.paragraphs[0]
                para.style = self.doc.styles["表格文字"]
                run = para.add_run(text)
                if head and row_cells is table.rows[0]:
                    run.font.bold = True
                    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if head:  # the header row repeats on every page
            table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        if widths:
            # Word reads the cells' widths, LibreOffice the grid's: both are set.
            table.autofit = False
            total = sum(widths)
            for column, share in zip(table.columns, widths, strict=True):
                column.width = Mm(156 * share / total)
            for row in table.rows:
                for cell, share in zip(row.cells, widths, strict=True):
                    cell.width = Mm(156 * share / total)
        self.doc.add_paragraph().paragraph_format.first_line_indent = Pt(0)

    def save(self, path: Path) -> None:
        self.doc.save(str(path))


# ------------------------------------------------------------------------ shared blocks


def cover(b: Builder, kind: str, facts: Sequence[tuple[str, str]]) -> None:
    b.p("{{ plan.report_number }}", align="right")
    for _ in range(3):
        b.p("", flush=True)
    b.title("{{ plan.title }}")
    b.title(kind)
    for _ in range(2):
        b.p("", flush=True)
    b.table(["项目", "内容"], [text for pair in facts for text in pair], widths=(1, 3), head=False)
    b.page_break()


def tally_table(b: Builder, first: str, rows: str, *, with_rate: bool = True) -> None:
    headers = [first] + [f"{{{{ states[{i}][1] }}}}" for i in range(len(STATES))] + ["合计"]
    cells = ["{{ row.label }}"] + [f"{{{{ row.counts.{s} }}}}" for s in STATES] + ["{{ row.total }}"]
    if with_rate:
        headers.append("验收率")
        cells.append("{{ row.accepted_rate | percent }}")
    b.table(headers, cells, f"for row in {rows}", widths=(4, 1, 1, 1, 1, 1, 1, 1.3)[: len(headers)])


INDICATOR_NAME = "{{ s.name }}{{ '(加分项)' if s.bonus }}{{ '(一票否决)' if s.veto }}{{ ' 达标类' if s.kind == '达标' }}"


def score_tables(b: Builder) -> None:
    """The 验收报告's totals and score table, self and panel side by side."""
    b.table(
        ["项目", "自评", "专家合议"],
        ["{{ level }}指标合计", "{{ value }}", "{{ scores.panel.by_level[loop.index0][1] if scores.panel else '—' }}"],
        "for level, value in scores.own.by_level",
        widths=(3, 1.5, 1.5),
    )
    b.table(
        ["项目", "自评", "专家合议"],
        [
            "基本分", "{{ scores.own.base }}", "{{ scores.panel.base if scores.panel else '—' }}",
            "加分", "{{ scores.own.bonus }}", "{{ scores.panel.bonus if scores.panel else '—' }}",
            "总分", "{{ scores.own.total }}", "{{ scores.panel.total if scores.panel else '—' }}",
            "一票否决", "{{ scores.own.vetoed | join('、') or '无' }}", "{{ (scores.panel.vetoed | join('、') or '无') if scores.panel else '—' }}",
            "未评指标", "{{ scores.own.unscored }}", "{{ scores.panel.unscored if scores.panel else '—' }}",
            "等次", "{{ scores.own.grade }}", "{{ scores.panel.grade if scores.panel else '—' }}",
        ],
        widths=(3, 1.5, 1.5),
    )
    b.table(
        ["编号", "指标", "级别", "分值", "自评分", "自评达标", "专家合议分", "专家达标"],
        ["{{ s.code }}", INDICATOR_NAME, "{{ s.level_name }}", "{{ s.points }}", "{{ s.self_score }}", "{{ s.self_met }}",
         "{{ s.panel_score }}", "{{ s.panel_met }}"],
        "for s in scores.lines",
        widths=(1, 4, 1, 1.1, 1.1, 1, 1.2, 1.2),
    )


MEASURE_KIND = "{{ '保障措施' if m.kind == 'safeguard' else ('标志性成果' if m.kind == 'outcome' else '措施') }}"


def measures(b: Builder, *, self_check_only: bool) -> None:
    b.tag("{%p for s in sections %}")
    b.h2("{{ s.title }}")
    b.tag("{%p for m in s.measures %}")
    b.h3(MEASURE_KIND + " {{ m.ref }}  {{ m.title }}")
    b.p("责任单位:{{ m | units_text }}", flush=True, size=12)
    b.p("完成时限:{{ m.deadline.text or '未写明' }}{{ ('(截止 ' ~ m.due_shown ~ ')') if m.deadline.due }}", flush=True, size=12)
    b.p(
        "当前状态:{{ m.state_label }}{{ (' · 整改期限 ' ~ m.rectification_shown) if m.rectification_due }}"
        "{% for o in m.overdue %}\n逾期:{{ o }}{% endfor %}",
        flush=True,
        size=12,
    )
    b.p(
        "自查情况:{% set sc = m.latest_self_check %}{% if sc %}{{ sc.statement }}(第 {{ sc.round }} 轮自查,"
        "{{ sc.by }}{{ ('(' ~ sc.unit ~ ')') if sc.unit }},{{ sc.at | local_time }}){% else %}尚未提交自查{% endif %}",
        flush=True,
        size=12,
    )
    b.p(
        "自查清单:{% for item in m.checklist %}{{ item.number }}. {{ item.text }}{{ ('【' ~ item.rating_label ~ '】') if item.rating_label }}"
        "(佐证 {{ item.evidence | selectattr('current') | list | length }}/{{ item.min_evidence }}){{ '\\n' if not loop.last }}{% endfor %}",
        flush=True,
        size=12,
    )
    b.tag("{%p if m.evidence_current %}")
    b.table(
        ["清单项", "材料名称 · 类型 · 大小", "SHA-256 · 提交人 · 时间"],
        [
            "{{ e.item }}",
            "{% if e.kind == 'file' %}{{ e.file_name }}{% elif e.kind == 'link' %}链接:{{ e.url }}{% else %}说明:{{ e.note }}{% endif %}"
            "{{ (' 成文日期 ' ~ e.doc_date) if e.doc_date }} · {% if e.kind == 'file' %}{{ e.media_type | media_label }} {{ e.size | file_size }}"
            "{% else %}{{ e.kind | kind_label }}{% endif %}",
            "{{ e.sha256[:16] if e.sha256 else '—' }} · {{ e.person }}{{ ('(' ~ e.unit ~ ')') if e.unit }} {{ e.uploaded_at | local_time }}",
        ],
        "for e in m.evidence_current",
        widths=(1, 5, 4),
    )
    b.tag("{%p else %}")
    b.p("尚无佐证材料。", flush=True, size=12)
    b.tag("{%p endif %}")
    b.tag("{%p if m.evidence_superseded %}")
    b.p(
        "已被替换的材料(保留备查):{% for e in m.evidence_superseded %}{{ e.file_name or e.url or e.note }}"
        "(sha256 {{ e.sha256[:16] if e.sha256 else '—' }}){{ ';' if not loop.last }}{% endfor %}",
        flush=True,
        size=12,
    )
    b.tag("{%p endif %}")
    if not self_check_only:
        b.tag("{%p if m.reviews %}")
        b.table(
            ["审核层级", "结论", "审核意见", "评分", "审核人 · 时间"],
            [
                "{{ r.level_name }}",
                "{{ r.verdict_label }}",
                "{{ r.comment or '—' }}{{ ('\\n整改期限 ' ~ r.rectification_due) if r.rectification_due }}",
                "{{ r.score if r.score is not none else '—' }}",
                "{{ r.by }}\n{{ r.at | local_time }}",
            ],
            "for r in m.reviews",
            widths=(2, 1.2, 4, 0.8, 2.2),
        )
        b.tag("{%p endif %}")
    b.tag("{%p endfor %}")
    b.tag("{%p endfor %}")


def closing(b: Builder, who: str, when: str) -> None:
    b.p("", flush=True)
    b.p(who, align="right")
    b.p(when, align="right")


# ------------------------------------------------------------------------------ reports

NUMBERED = "{{ cn[parts.index('%s')] }}、"


def acceptance() -> Builder:
    b = Builder()
    cover(b, "验收报告", [
        ("方案文号", "{{ plan.doc_number }}"),
        ("发文机关", "{{ plan.issuer }}"),
        ("示范区", "{{ plan.zone }}"),
        ("审核机关", "{{ plan.office }}"),
        ("报告日期", "{{ plan.report_date | chinese_date }}"),
    ])
    b.tag("{%p set cn = ['一', '二', '三', '四', '五', '六', '七'] %}")
    b.tag(
        "{%p set parts = ['overview', 'indicators'] + (['scores'] if scores else []) + ['measures', 'late']"
        " + (['panel'] if panel_opinion else []) + ['signoff'] %}"
    )
    b.title("{{ plan.title }}验收报告")
    b.h1(NUMBERED % "overview" + "总体情况")
    b.p(
        "{{ plan.title }}{{ ('(' ~ plan.doc_number ~ ')') if plan.doc_number }}共列明任务措施 {{ overall.total }} 项。"
        "截至 {{ today | chinese_date }},已验收 {{ overall.counts.accepted }} 项,验收率 {{ overall.accepted_rate | percent }};"
        "已自查待审核 {{ overall.counts.self_checked }} 项,推进中 {{ overall.counts.in_progress }} 项,"
        "整改中 {{ overall.counts.rectifying }} 项,未启动 {{ overall.counts.planned }} 项{{ (';逾期 ' ~ (overdue | length) ~ ' 项') if overdue }}。"
        "各责任单位共提交佐证材料 {{ evidence_count }} 份{{ (',已验收措施平均评分 ' ~ average_score ~ ' 分') if average_score is not none }}。"
    )
    b.h2("(一)按状态统计")
    tally_table(b, "范围", "[overall]")
    b.h2("(二)按章节统计")
    tally_table(b, "章节", "by_section")
    b.h2("(三)按责任单位统计")
    tally_table(b, "责任单位", "by_unit")
    b.h1(NUMBERED % "indicators" + "量化指标完成情况")
    b.tag("{%p if indicators %}")
    b.table(
        ["序号", "指标", "目标值", "实际值", "是否达标", "佐证材料"],
        [
            "{{ loop.index }}",
            "{{ i.text }}{{ ('\\n期限 ' ~ i.due) if i.due }}",
            "{{ i.target | number }}{{ ('–' ~ (i.target_max | number)) if i.target_max is not none }}{{ i.unit }}",
            "{% if i.reported is not none %}{{ i.reported | number }}{{ i.unit }}\n截至 {{ i.as_of }}{% else %}未填报{% endif %}",
            "{{ '—' if i.met is none else ('达标' if i.met else '未达标') }}",
            "{% for e in i.evidence %}{{ e.file_name or e.url or e.note }}{{ (' ' ~ e.sha256[:16]) if e.sha256 }}{{ '\\n' if not loop.last }}{% else %}—{% endfor %}",
        ],
        "for i in indicators",
        widths=(0.6, 3.4, 1.3, 1.3, 0.9, 2.5),
    )
    b.tag("{%p else %}")
    b.p("本方案未列明量化指标。")
    b.tag("{%p endif %}")
    b.tag("{%p if scores %}")
    b.h1(NUMBERED % "scores" + "评价指标评分情况")
    b.p(
        "按照《{{ scores.name }}》(满分 {{ scores.total }} 分{{ (',另设加分 ' ~ scores.bonus_total ~ ' 分') if scores.bonus_total != '0' }}),"
        "自评总分 {{ scores.own.total }} 分{{ (',专家合议总分 ' ~ scores.panel.total ~ ' 分(' ~ scores.consolidation ~ ')') if scores.panel }},"
        "等次:{{ scores.grade }}。"
    )
    score_tables(b)
    b.tag("{%p endif %}")
    b.h1(NUMBERED % "measures" + "逐项验收情况")
    measures(b, self_check_only=False)
    b.h1(NUMBERED % "late" + "逾期与退回整改情况")
    b.h2("(一)逾期措施")
    b.tag("{%p if overdue %}")
    b.table(
        ["编号", "措施", "责任单位", "逾期事项"],
        ["{{ m.ref }}", "{{ m.title }}", "{{ m | units_text }}", "{{ m.overdue | lines }}"],
        "for m in overdue",
        widths=(0.8, 3, 2.4, 3.8),
    )
    b.tag("{%p else %}")
    b.p("截至 {{ today | chinese_date }},无逾期措施。")
    b.tag("{%p endif %}")
    b.h2("(二)退回整改")
    b.tag("{%p if returns %}")
    b.table(
        ["编号", "措施", "退回意见", "整改期限", "退回人", "当前状态"],
        [
            "{{ r.measure.ref }}",
            "{{ r.measure.title }}",
            "{{ r.review.level_name }}(第 {{ r.round }} 轮):{{ r.review.comment }}",
            "{{ r.review.rectification_due or '—' }}",
            "{{ r.review.by }}\n{{ r.review.at | local_time }}",
            "{{ r.measure.state_label }}",
        ],
        "for r in returns",
        widths=(0.8, 2.4, 3.2, 1.3, 1.1, 1.2),
    )
    b.tag("{%p else %}")
    b.p("无退回整改的措施。")
    b.tag("{%p endif %}")
    b.tag("{%p if panel_opinion %}")
    b.h1(NUMBERED % "panel" + "专家组评审意见")
    b.p("{{ panel_opinion.text }}")
    b.p(
        "专家组组长:{{ panel_opinion.leader }}{{ (';成员:' ~ (panel_opinion.members | join('、'))) if panel_opinion.members }}"
        "{{ (';' ~ (panel_opinion.signed_on | chinese_date)) if panel_opinion.signed_on }}",
        flush=True,
    )
    b.tag("{%p endif %}")
    b.h1(NUMBERED % "signoff" + "审核意见")
    b.p("{{ opinion if opinion else '(由审核机关填写)' }}")
    b.p("", flush=True)
    signatures = ["审核人(签字):", "负责人(签字):", "日期:    年  月  日", "日期:    年  月  日"]
    b.table(signatures[:2], signatures, widths=(1, 1), head=False)
    b.p("(盖章)", align="right")
    closing(b, "{{ plan.office }}", "{{ plan.report_date | chinese_date }}")
    return b


def selfcheck() -> Builder:
    b = Builder()
    cover(b, "自查报告", [
        ("方案文号", "{{ plan.doc_number }}"),
        ("发文机关", "{{ plan.issuer }}"),
        ("自查单位", "{{ unit or '全部责任单位' }}"),
        ("报告日期", "{{ plan.report_date | chinese_date }}"),
    ])
    b.title("{{ plan.title }}{{ (' ' ~ unit) if unit }}自查报告")
    b.h1("一、自查总体情况")
    b.p(
        "{{ (unit ~ '作为责任单位(牵头或配合)承担') if unit else '本方案共列明' }}任务措施 {{ overall.total }} 项。"
        "截至 {{ today | chinese_date }},已提交自查 {{ overall.counts.self_checked + overall.counts.accepted }} 项"
        "(其中已验收 {{ overall.counts.accepted }} 项),推进中 {{ overall.counts.in_progress }} 项,"
        "整改中 {{ overall.counts.rectifying }} 项,未启动 {{ overall.counts.planned }} 项{{ (',逾期 ' ~ (overdue | length) ~ ' 项') if overdue }}。"
        "共提交佐证材料 {{ evidence_count }} 份。"
    )
    tally_table(b, "范围", "[overall] + ([] if unit else by_unit)")
    b.h1("二、逐项自查情况")
    measures(b, self_check_only=True)
    b.h1("三、存在的问题")
    b.tag("{%p if overdue or rectifying %}")
    b.table(
        ["编号", "措施", "状态", "问题"],
        [
            "{{ m.ref }}",
            "{{ m.title }}",
            "{{ m.state_label }}",
            "{% for o in m.overdue %}逾期:{{ o }}\n{% endfor %}{{ ('退回整改,整改期限 ' ~ m.rectification_due) if m.display_state == 'rectifying' }}",
        ],
        "for m in measures if m.overdue or m.display_state == 'rectifying'",
        widths=(0.8, 3.2, 1.2, 4.8),
    )
    b.tag("{%p else %}")
    b.p("截至 {{ today | chinese_date }},无逾期或待整改的措施。")
    b.tag("{%p endif %}")
    closing(b, "{{ unit or plan.office }}", "{{ plan.report_date | chinese_date }}")
    return b


def selfassessment() -> Builder:
    b = Builder()
    cover(b, "自评报告", [
        ("方案文号", "{{ plan.doc_number }}"),
        ("发文机关", "{{ plan.issuer }}"),
        ("示范区", "{{ plan.zone }}"),
        ("评价指标体系", "{{ scores.name }}"),
        ("报告日期", "{{ plan.report_date | chinese_date }}"),
    ])
    b.title("{{ plan.title }}自评报告")
    b.h1("一、自评总体情况")
    b.p(
        "按照《{{ scores.name }}》(满分 {{ scores.total }} 分{{ (',另设加分 ' ~ scores.bonus_total ~ ' 分') if scores.bonus_total != '0' }}),"
        "截至 {{ today | chinese_date }},自评总分 {{ scores.own.total }} 分(基本分 {{ scores.own.base }} 分,加分 {{ scores.own.bonus }} 分)"
        "{{ (',尚有 ' ~ scores.own.unscored ~ ' 项指标未评') if scores.own.unscored }}"
        "{{ (',一票否决指标未达标:' ~ (scores.own.vetoed | join('、'))) if scores.own.vetoed }},自评等次:{{ scores.own.grade }}。"
    )
    b.table(
        ["项目", "自评"],
        ["{{ level }}指标合计", "{{ value }}"],
        "for level, value in scores.own.by_level",
        widths=(3, 2),
    )
    b.table(
        ["项目", "自评"],
        [
            "基本分", "{{ scores.own.base }}",
            "加分", "{{ scores.own.bonus }}",
            "总分", "{{ scores.own.total }}",
            "一票否决", "{{ scores.own.vetoed | join('、') or '无' }}",
            "未评指标", "{{ scores.own.unscored }}",
            "等次", "{{ scores.own.grade }}",
        ],
        widths=(3, 2),
    )
    b.h1("二、逐项自评情况")
    b.table(
        ["编号", "指标", "级别", "分值", "自评分", "自评达标", "自评说明 · 佐证材料"],
        ["{{ s.code }}", INDICATOR_NAME, "{{ s.level_name }}", "{{ s.points }}", "{{ s.self_score }}", "{{ s.self_met }}",
         "{{ s.statement }}{{ ('\\n佐证:' ~ (s.evidence | join('、'))) if s.evidence }}"],
        "for s in scores.lines",
        widths=(0.9, 2.5, 0.9, 1.1, 1.1, 1, 3),
    )
    b.h1("三、任务措施推进情况")
    b.p(
        "本方案共列明任务措施 {{ overall.total }} 项。截至 {{ today | chinese_date }},已验收 {{ overall.counts.accepted }} 项,"
        "已自查待审核 {{ overall.counts.self_checked }} 项,推进中 {{ overall.counts.in_progress }} 项,"
        "整改中 {{ overall.counts.rectifying }} 项,未启动 {{ overall.counts.planned }} 项;共提交佐证材料 {{ evidence_count }} 份。"
    )
    tally_table(b, "范围", "[overall] + by_section")
    closing(b, "{{ plan.office }}", "{{ plan.report_date | chinese_date }}")
    return b


def stage() -> Builder:
    b = Builder()
    b.p("{{ plan.report_number }}", align="center")
    b.title("{{ plan.title }}阶段性推进情况报告")
    b.p("(截至 {{ as_of | chinese_date }})", align="center")
    b.h1("一、本期总体进展")
    b.p(
        "{% if since %}自 {{ since | chinese_date }}{{ '(上一期阶段性报告截至日期)' if since_from == 'previous' else ('(方案印发日期)' if since_from == 'issued' else '') }}"
        "至 {{ as_of | chinese_date }}{% else %}截至 {{ as_of | chinese_date }}{% endif %},共有 {{ moved | length }} 次措施状态变化。"
        "全部 {{ now.total }} 项措施中,已验收 {{ now.counts.accepted }} 项({{ '%+d' | format(delta.accepted) }}),"
        "已自查 {{ now.counts.self_checked }} 项({{ '%+d' | format(delta.self_checked) }}),推进中 {{ now.counts.in_progress }} 项,"
        "整改中 {{ now.counts.rectifying }} 项,未启动 {{ now.counts.planned }} 项;逾期 {{ late | length }} 项。"
    )
    headers = ["时点"] + [f"{{{{ states[{i}][1] }}}}" for i in range(len(STATES))] + ["合计"]
    b.table(
        headers,
        ["{{ since or '方案印发时' }}"] + [f"{{{{ then.counts.{s} }}}}" for s in STATES] + ["{{ then.total }}"]
        + ["{{ as_of }}"] + [f"{{{{ now.counts.{s} }}}}" for s in STATES] + ["{{ now.total }}"]
        + ["变化"] + [f"{{{{ '%+d' | format(delta.{s}) }}}}" for s in STATES] + [""],
        widths=(2.2, 1, 1, 1, 1, 1, 1),
    )
    tally_table(b, "责任单位", "by_unit")
    b.h1("二、本期进展明细")
    b.tag("{%p if moved %}")
    b.table(
        ["编号", "措施", "变化", "操作人", "时间"],
        [
            "{{ e.ref }}",
            "{{ e.title }}",
            "{{ e.action }}:{{ e.from_label }} → {{ e.to_label }}{{ ('\\n' ~ e.comment) if e.comment }}",
            "{{ e.actor }}{{ ('(' ~ e.unit ~ ')') if e.unit }}",
            "{{ e.at | local_time }}",
        ],
        "for e in moved",
        widths=(0.7, 3.3, 2, 2.2, 1.8),
    )
    b.tag("{%p else %}")
    b.p("本期无措施状态变化。")
    b.tag("{%p endif %}")
    b.tag("{%p if new_evidence %}")
    b.h2("本期提交佐证材料")
    b.p("{% for unit, n in new_evidence %}{{ unit }} {{ n }} 份{{ ';' if not loop.last }}{% endfor %}。")
    b.tag("{%p endif %}")
    b.h1("三、逾期与临期事项")
    b.tag("{%p if late %}")
    b.table(
        ["编号", "措施", "责任单位", "逾期事项"],
        [
            "{{ m.ref }}",
            "{{ m.title }}\n{{ m.state_label }}",
            "{% for u in m.units %}{{ u }}{{ '(牵头)' if u in m.lead }}{{ '、' if not loop.last }}{% endfor %}",
            "{{ m.overdue | lines }}",
        ],
        "for m in late",
        widths=(0.8, 2.8, 2.4, 4),
    )
    b.tag("{%p else %}")
    b.p("截至 {{ as_of | chinese_date }},无逾期措施。")
    b.tag("{%p endif %}")
    b.tag("{%p if due_soon %}")
    b.h2("30 天内到期")
    b.table(
        ["编号", "措施", "责任单位", "到期日"],
        ["{{ m.ref }}", "{{ m.title }}", "{{ m.units | join('、') }}", "{{ m.due }}"],
        "for m in due_soon",
        widths=(0.8, 4, 3.6, 1.6),
    )
    b.tag("{%p endif %}")
    b.tag("{%p if indicators %}")
    b.h1("四、量化指标")
    b.table(
        ["序号", "指标", "目标值", "截至本期实际值", "是否达标"],
        [
            "{{ i.number }}",
            "{{ i.text }}",
            "{{ i.target | number }}{{ ('–' ~ (i.target_max | number)) if i.target_max is not none }}{{ i.unit }}",
            "{% if i.reported is not none %}{{ i.reported | number }}{{ i.unit }}\n{{ i.as_of }}{% else %}未填报{% endif %}",
            "{{ '—' if i.met is none else ('达标' if i.met else '未达标') }}",
        ],
        "for i in indicators",
        widths=(0.7, 4.5, 1.6, 2, 1.2),
    )
    b.tag("{%p endif %}")
    closing(b, "{{ plan.office }}", "{{ as_of | chinese_date }}")
    return b


def notice_head(b: Builder, title: str) -> None:
    b.tag("{%p if not loop.first %}")
    b.page_break()
    b.tag("{%p endif %}")
    b.p("{{ plan.report_number }}", align="center")
    b.title(title)
    b.p("{{ notice.unit }}:", flush=True)


def reminders() -> Builder:
    b = Builder()
    b.tag("{%p for notice in notices %}")
    notice_head(b, "关于加快落实{{ plan.title }}有关任务的督办通知")
    b.p(
        "根据《{{ plan.title }}》{{ ('(' ~ plan.doc_number ~ ')') if plan.doc_number }}任务分工,截至 {{ today | chinese_date }},"
        "你单位承担的任务中有 {{ notice.overdue | length }} 项已逾期{{ ('、' ~ (notice.due_soon | length) ~ ' 项将在 30 天内到期') if notice.due_soon }},具体如下:"
    )
    b.tag("{%p if notice.overdue %}")
    b.h2("一、逾期事项")
    b.table(
        ["编号", "措施", "分工", "状态", "督办等级", "逾期情况"],
        ["{{ m.ref }}", "{{ m.title }}", "{{ '牵头' if m.role == 'lead' else '配合' }}", "{{ m.state_label }}",
         "{{ m.colour_label }}", "{{ m.reasons | map(attribute='text') | lines }}{{ ('\\n' ~ m.extended) if m.extended }}"],
        "for m in notice.overdue",
        widths=(0.8, 3.0, 0.8, 1.1, 1.1, 3.2),
    )
    b.tag("{%p endif %}")
    b.tag("{%p if notice.due_soon %}")
    b.h2("{{ '二' if notice.overdue else '一' }}、临期事项")
    b.table(
        ["编号", "措施", "分工", "状态", "督办等级", "完成时限"],
        ["{{ m.ref }}", "{{ m.title }}", "{{ '牵头' if m.role == 'lead' else '配合' }}", "{{ m.state_label }}",
         "{{ m.colour_label }}", "{{ m.deadline }}\n到期日 {{ m.due }}{{ ('\\n' ~ m.extended) if m.extended }}"],
        "for m in notice.due_soon",
        widths=(0.8, 3.6, 0.8, 1.2, 1.1, 2.5),
    )
    b.tag("{%p endif %}")
    b.p(
        "请你单位高度重视,抓紧推进上述任务,于 {{ reply_by | chinese_date }}前完成并在系统中提交佐证材料和自查情况;"
        "确有困难的,请书面说明原因及完成时限。"
    )
    b.p("特此通知。")
    closing(b, "{{ plan.office }}", "{{ plan.report_date | chinese_date }}")
    b.tag("{%p endfor %}")
    return b


def rectification() -> Builder:
    b = Builder()
    b.tag("{%p for notice in notices %}")
    notice_head(b, "关于{{ plan.title }}有关措施退回整改的通知")
    b.p(
        "经审核,你单位承担的以下 {{ notice.entries | length }} 项措施的自查材料尚不符合验收要求,现退回整改。"
        "请按审核意见逐项整改,并在整改期限前重新提交自查。"
    )
    b.table(
        ["编号", "措施", "分工", "审核意见", "整改期限"],
        [
            "{{ item.measure.ref }}",
            "{{ item.measure.title }}",
            "{{ item.role }}",
            "{% set r = item.review %}{% if r %}{{ r.level_name }}:{{ r.comment }}\n{{ r.by }},{{ r.at | local_time }}{% else %}—{% endif %}",
            "{{ item.measure.rectification_shown or '—' }}{{ '\\n已逾期' if item.measure.overdue }}",
        ],
        "for item in notice.entries",
        widths=(0.8, 2.8, 0.9, 3.9, 1.6),
    )
    b.p("整改完成后,请补充或替换相应佐证材料,由牵头单位重新提交自查;逾期未整改的,将纳入督办。")
    b.p("特此通知。")
    closing(b, "{{ plan.office }}", "{{ plan.report_date | chinese_date }}")
    b.tag("{%p endfor %}")
    return b


TEMPLATES = {
    "acceptance": acceptance,
    "selfcheck": selfcheck,
    "selfassessment": selfassessment,
    "stage": stage,
    "reminders": reminders,
    "rectification": rectification,
}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write KIND.docx into")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for kind, build in TEMPLATES.items():
        build().save(args.out / f"{kind}.docx")
        print(args.out / f"{kind}.docx")


if __name__ == "__main__":
    main()
