"""All five seed plans in a demo state, built through the service layer (no CLI, no clock).

`build_demo_state(app, seeds_dir)` imports the five seed plans into the empty, migrated database
of `app` and works them as the leading offices and the units would, through the same services
the CLI calls (`people`, `measure_work`, `evidence`, `indicators`, `plan_import`):

* 003 Jiading (嘉定区): the acceptance review well under way. The office gives the 4 safeguards
  to 区知识产权联席会议办公室 in the catalog and maps both unit groups; 16 measures are
  accepted (measure 3 after a return for rectification and a replaced file), measure 9 is
  returned and still 整改中, 3 are self-checked, 2 in progress, 4 not started. Every measure
  worked on has at least two files; on measure 3 区市场监管局 and 区经委 both hand in a file
  named 工作台账.pdf (different contents), so anything that bundles evidence must keep both.
  One refusal is on record (区法院 starting measure 10).
* 000 Wuhan, 001 Jiangxi, 002 Xuchang, 004 Jinan: the partial state that
  ``scripts/partial_run.sh`` gives a data folder through the CLI: the same people, catalog
  edits, measures, files (names, dates), verdicts, indicator values and refusals. Each plan has
  measures in every state: 未启动, 推进中, 整改中, 已自查, 已验收.

Deterministic: every date is fixed (``today`` is passed to every service that reads the
clock), every file is generated from its plan, measure, item and name, and the order of the
calls is fixed, so two builds give the same states, evidence hashes and audit actions (only
the audit timestamps differ). Fast: a few seconds on SQLite or PostgreSQL.

Usable from pytest fixtures and benchmarks alike: no pytest import; the generated files go to
a folder under the app's data folder (``<home>/demo-uploads``), the evidence store keeps its
own copies. `EXPECTED_STATES` is what `progress.plan_status` reports per plan afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from integration.workflow_helpers import (
    actor,
    measure_of,
    pdf_bytes,
    plan_id,
    png_bytes,
)
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from checklists.catalog import UnitRef, UnitRole
from checklists.catalog_yaml import write_catalog
from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.errors import Refused
from workflow.models import (
    AuditEntry,
    Evidence,
    Indicator,
    IndicatorReport,
    Measure,
    MeasureUnit,
    Plan,
    SelfCheck,
)
from workflow.read.evidence import list_evidence
from workflow.read.plans import find_plan
from workflow.services import measure_work, people, zones
from workflow.services.acting import find_measure, measure_units
from workflow.services.evidence import NewEvidence, add_evidence, replace_evidence
from workflow.services.indicators import report_value
from workflow.services.plan_catalog import catalog_from_plan
from workflow.services.plan_import import import_documents

__all__ = [
    "ADMIN",
    "EXPECTED_STATES",
    "PLAN_PREFIXES",
    "build_demo_state",
    "work_summary",
]

PLAN_PREFIXES = ("000", "001", "002", "003", "004")

ADMIN = "周主任"  # the administrator of 000's zone (adds people, maps groups)
# Each plan in its own zone, as scripts/demo.sh imports them, with its own admin (the same
# names as scripts/partial_run.sh gives them).
ZONES = {
    "000": "湖北省/武汉市/武汉市某区",
    "001": "江西省",
    "002": "河南省/许昌市",
    "003": "上海市/嘉定区",
    "004": "山东省/济南市",
}
ADMINS = {"000": ADMIN, "001": "程立新", "002": "许文博", "003": "王主任", "004": "孟庆国"}

# What `progress.plan_status(...)["by_state"]` reports per plan (in_progress includes rectifying).
EXPECTED_STATES: dict[str, dict[str, int]] = {
    "000": {"planned": 65, "in_progress": 2, "self_checked": 1, "accepted": 2, "rectifying": 1},
    "001": {"planned": 22, "in_progress": 2, "self_checked": 1, "accepted": 1, "rectifying": 1},
    "002": {"planned": 16, "in_progress": 2, "self_checked": 1, "accepted": 1, "rectifying": 1},
    "003": {"planned": 4, "in_progress": 3, "self_checked": 3, "accepted": 16, "rectifying": 1},
    "004": {"planned": 23, "in_progress": 2, "self_checked": 1, "accepted": 1, "rectifying": 1},
}

Units = Sequence[tuple[str, UnitRole]]
LEAD, CO = UnitRole.LEAD, UnitRole.CO


def build_demo_state(app: App, seeds_dir: Path) -> dict[str, str]:
    """Import the five seed plans into `app` and bring them to their demo state.

    `app` must hold a migrated, empty database (no plans, no people). Returns plan prefix
    ("000" … "004") → plan key.
    """
    keys: dict[str, str] = {}
    for prefix in PLAN_PREFIXES:
        parent = None
        for name in ZONES[prefix].split("/"):
            path = f"{parent}/{name}" if parent else name
            if path not in {z.path for z in zones.list_zones(app.uow(), None)}:
                zones.add_zone(app.uow(), None, name, parent=parent)
            parent = path
        [result] = import_documents(
            app.uow, [_seed(seeds_dir, prefix)], catalog_dir=app.settings.catalog_dir, zone=ZONES[prefix]
        )
        keys[prefix] = result.plan_key
    demo = _Demo(app, app.settings.home / "demo-uploads", keys)
    for prefix in PLAN_PREFIXES:
        people.add_person(app.uow(), None, ADMINS[prefix], role=Role.ADMIN, unit=None, zone=ZONES[prefix])
    _wuhan(demo)
    _jiangxi(demo)
    _xuchang(demo)
    _jiading(demo)
    _jinan(demo)
    return keys


def _seed(seeds_dir: Path, prefix: str) -> Path:
    found = sorted(seeds_dir.glob(f"{prefix}_*.txt"))
    if len(found) != 1:
        raise FileNotFoundError(
            f"expected one seed plan {prefix}_*.txt in {seeds_dir}, found {found}"
        )
    return found[0]


# ----------------------------------------------------------------------------------- actions


@dataclass
class _Demo:
    """One plan's actors at a time: thin wrappers over the services, with fixed dates."""

    app: App
    uploads: Path
    keys: dict[str, str]
    plan: str = ""  # the prefix being worked on
    today: dt.date = dt.date(2000, 1, 1)  # the plan's "today": self-checks, uploads, reviews
    _batches: int = 0
    refusals: list[str] = field(default_factory=list)

    def at(self, prefix: str, today: dt.date) -> _Demo:
        self.plan, self.today = prefix, today
        return self

    def ident(self, ref: str) -> str:
        return f"{self.keys[self.plan]}/{ref}"

    def staff(self, *specs: tuple[str, Role, str | None]) -> None:
        for name, role, unit in specs:
            people.add_person(self.app.uow(), actor(self.app, ADMINS[self.plan]), name, role=role, unit=unit)

    def assign_units(self, units: Mapping[str, Units]) -> None:
        """What the office does for measures the document names no unit for: edit the catalog
        (units, units_text) and import it again."""
        key = self.keys[self.plan]
        path = self.app.settings.catalog_dir / f"{key}.yaml"
        with self.app.uow() as uow:  # the catalog as imported (what `export --format yaml` gives)
            catalog = catalog_from_plan(uow.session, find_plan(uow.session, key, None))
        measures = []
        for m in catalog.measures:
            if m.ref in units:
                if m.units:
                    raise ValueError(f"{self.plan}/{m.ref} already names units: {m.units}")
                refs = [UnitRef(name=name, role=role) for name, role in units[m.ref]]
                m = m.model_copy(update={"units": refs, "units_text": units_text(units[m.ref])})
            measures.append(m)
        missing = set(units) - {m.ref for m in catalog.measures}
        if missing:
            raise ValueError(f"plan {self.plan} has no measures {sorted(missing)}")
        write_catalog(catalog.model_copy(update={"measures": measures}), path)
        [result] = import_documents(self.app.uow, [path], catalog_dir=self.app.settings.catalog_dir)
        if result.status != "updated":
            raise AssertionError(f"catalog {path.name} was not taken: {result.status}")

    def start(self, who: str, ref: str) -> None:
        measure_work.start(self.app.uow(), actor(self.app, who), measure_of(self.app, self.ident(ref)))

    def files(self, ref: str, item: int, names: Sequence[str]) -> list[Path]:
        """Small real files (PDF, or PNG for *.png), distinct contents, in a folder of their own."""
        self._batches += 1
        folder = self.uploads / self.plan / ref / f"{self._batches:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in names:
            label = f"{self.keys[self.plan]}/{ref} 第{item}项 {name} #{self._batches}"
            if name.endswith(".png"):
                seed = hashlib.sha256(label.encode()).digest()
                data = png_bytes((seed[0], seed[1], seed[2]), size=8)
            else:
                data = pdf_bytes(label)
            path = folder / name
            path.write_bytes(data)
            paths.append(path)
        return paths

    def evidence(
        self, who: str, ref: str, item: int, names: Sequence[str], date: dt.date, note: str = ""
    ) -> None:
        new = NewEvidence(files=self.files(ref, item, names), note=note, doc_date=date)
        add_evidence(
            self.app.uow(),
            self.app.store,
            actor(self.app, who),
            measure_of(self.app, self.ident(ref)),
            item=item,
            new=new,
            today=self.today,
        )

    def part(self, who: str, ref: str) -> None:
        measure_work.set_part(self.app.uow(), actor(self.app, who), measure_of(self.app, self.ident(ref)))

    def submit(self, who: str, ref: str, statement: str, today: dt.date | None = None) -> None:
        measure_work.submit_self_check(
            self.app.uow(), actor(self.app, who), measure_of(self.app, self.ident(ref)), statement=statement, today=today or self.today
        )

    def accept(self, who: str, ref: str, score: int, comment: str) -> None:
        measure_work.accept(self.app.uow(), actor(self.app, who), measure_of(self.app, self.ident(ref)), score=score, comment=comment)

    def give_back(self, who: str, ref: str, comment: str, *, due: dt.date, today: dt.date) -> None:
        measure_work.return_for_rectification(
            self.app.uow(), actor(self.app, who), measure_of(self.app, self.ident(ref)), comment=comment, due=due, today=today
        )

    def refused(self, words: str, call: Callable[[], Any]) -> None:
        """`call` must be refused with a reason containing `words` (it is audited, nothing else)."""
        try:
            call()
        except Refused as exc:
            if words not in str(exc):
                raise AssertionError(f"refused, but not for “{words}”: {exc}") from exc
            self.refusals.append(str(exc))
            return
        raise AssertionError(f"expected a refusal containing “{words}”")

    def report(
        self,
        who: str,
        number: int,
        value: str,
        *,
        as_of: dt.date,
        files: Sequence[str] = (),
        link: str = "",
        note: str = "",
    ) -> None:
        evidence = NewEvidence(
            files=self.files(f"指标{number}", 1, files) if files else [],
            links=[link] if link else [],
            note=note,
        )
        report_value(
            self.app.uow(),
            self.app.store,
            actor(self.app, who),
            plan_id(self.app, self.keys[self.plan]),
            number,
            value,
            as_of=as_of,
            evidence=evidence,
            today=self.today,
        )


def units_text(units: Units) -> str:
    """The responsibility clause the office writes beside its units, e.g. 甲牵头,乙配合."""
    lead = "、".join(name for name, role in units if role is LEAD)
    co = "、".join(name for name, role in units if role is not LEAD)
    return f"{lead}牵头" + (f",{co}配合" if co else "")


M, R = Role.MEMBER, Role.REVIEWER


# ----------------------------------------------------------------------------- 000 Wuhan


def _wuhan(d: _Demo) -> None:
    """Plan period 2024-01-31 … 2025-12-31; self-checks on 2025-12-10, the review on 12-12."""
    # fmt: off
    d.at("000", dt.date(2025, 12, 10))
    reviewer, market, justice, office, court = "黄志强", "张卫东", "李晓梅", "赵敏", "刘洋"
    d.staff(
        (reviewer, R, None),
        (market, M, "区市场监管局"),
        (justice, M, "区司法局"),
        (office, M, "区知识产权工作领导小组办公室"),
        (court, M, "区法院"),
    )
    # 7 (每年4月底前): evidence dated in 2024 and in 2025 meets both years; accepted.
    d.start(office, "7")
    d.evidence(office, "7", 1, ["2024年度白皮书宣传报道.pdf"], dt.date(2024, 4, 20), "2024年度知识产权发展状况白皮书宣传")
    d.evidence(office, "7", 1, ["2025年度白皮书宣传报道.pdf", "宣传活动现场.png"], dt.date(2025, 4, 25), "2025年度知识产权发展状况白皮书宣传")
    d.part(office, "7")
    d.submit(office, "7", "2024、2025年度均已按时配合宣传知识产权发展状况白皮书")
    d.accept(reviewer, "7", 93, "两个年度的宣传材料齐全,同意验收")
    # 13: accepted.
    d.start(market, "13")
    d.evidence(market, "13", 1, ["专利侵权纠纷行政裁决案件台账.pdf", "行政裁决文书样本.pdf"], dt.date(2025, 6, 30), "行政裁决规范化建设材料")
    d.part(market, "13")
    d.submit(market, "13", "已完成专利侵权纠纷行政裁决规范化建设,形成案件台账")
    d.accept(reviewer, "13", 88, "台账规范,同意验收")
    # 3 (lead 区市场监管局, co 区司法局): refused while 区司法局's part is open; returned.
    d.start(market, "3")
    d.evidence(market, "3", 1, ["条例修订意见.pdf", "修订座谈会照片.png"], dt.date(2025, 9, 15), "配合条例修订的书面意见")
    d.part(market, "3")
    d.refused("尚未标记完成", lambda: d.submit(market, "3", "已配合完成条例修订"))
    d.evidence(justice, "3", 1, ["合法性审查意见.pdf"], dt.date(2025, 10, 10), "区司法局合法性审查意见")
    d.part(justice, "3")
    d.submit(market, "3", "已配合完成条例修订并组织实施")
    d.give_back(reviewer, "3", "缺少条例实施以来的执法数据和典型案例,请补充后重新提交", due=dt.date(2026, 1, 31), today=dt.date(2025, 12, 12))
    # 12: self-checked, waiting for the review.
    d.start(market, "12")
    d.evidence(market, "12", 1, ["分级执法工作方案.pdf", "执法检查照片.png"], dt.date(2025, 8, 20), "分级负责的行政执法体系")
    d.part(market, "12")
    d.submit(market, "12", "分级负责、重心下沉的行政执法体系已建立")
    # 24: in progress.
    d.start(court, "24")
    d.evidence(court, "24", 1, ["诉调对接工作方案.pdf"], dt.date(2025, 5, 12), "诉调对接工作方案(初稿)")


# --------------------------------------------------------------------------- 001 Jiangxi


JIANGXI_UNITS: dict[str, Units] = {
    "6": [("省发展改革委", LEAD), ("省市场监督管理局", CO)],
    "13": [("省市场监督管理局", LEAD)],
    "16": [("省高级人民法院", LEAD)],
    "18": [("省商务厅", LEAD)],
    "S2": [("省财政厅", LEAD)],
}


def _jiangxi(d: _Demo) -> None:
    """No units in the document: the office assigns five measures; self-checks on 2025-10-15."""
    # fmt: off
    d.at("001", dt.date(2025, 10, 15))
    d.assign_units(JIANGXI_UNITS)
    reviewer, market, court, reform, commerce = "邓丽华", "江涛", "罗芳", "熊伟", "胡静"
    d.staff(
        (reviewer, R, None),
        (market, M, "省市场监督管理局"),
        (court, M, "省高级人民法院"),
        (reform, M, "省发展改革委"),
        (commerce, M, "省商务厅"),
    )
    d.start(market, "13")
    d.evidence(market, "13", 1, ["快速维权工作机制.pdf", "维权援助现场.png"], dt.date(2025, 4, 18), "快保护机制建设材料")
    d.part(market, "13")
    d.submit(market, "13", "已建立知识产权快速执法维权机制")
    d.accept(reviewer, "13", 90, "机制健全,同意验收")
    d.start(court, "16")
    d.evidence(court, "16", 1, ["技术调查官管理办法.pdf", "技术调查官名册.pdf"], dt.date(2025, 6, 5), "技术调查官制度")
    d.part(court, "16")
    d.submit(court, "16", "已出台技术调查官管理办法并组建名册")
    # 6 (lead 省发展改革委, co 省市场监督管理局): the co-unit may not submit; returned.
    d.start(reform, "6")
    d.evidence(reform, "6", 1, ["信用监管实施方案.pdf"], dt.date(2025, 5, 20), "信用分级分类监管")
    d.evidence(market, "6", 2, ["中介机构信用管理办法.pdf", "信用监管培训照片.png"], dt.date(2025, 7, 8), "知识产权中介机构信用管理")
    d.part(reform, "6")
    d.part(market, "6")
    d.refused("只有牵头单位", lambda: d.submit(market, "6", "信用监管机制已建立"))
    d.submit(reform, "6", "知识产权保护信用监管机制已建立")
    d.give_back(reviewer, "6", "未见侵权违法案件信息推送至公共信用信息平台的记录,请补充", due=dt.date(2025, 11, 30), today=dt.date(2025, 10, 20))
    d.start(commerce, "18")
    d.evidence(commerce, "18", 1, ["海外维权信息平台建设方案.pdf"], dt.date(2025, 8, 12), "海外知识产权信息平台(建设中)")
    d.report(market, 1, "2", as_of=dt.date(2024, 12, 31), link="https://www.example.gov.cn/jiangxi/zscq/baohu-zhongxin-2024.html", note="截至2024年底已建成国家级知识产权保护中心2个")


# --------------------------------------------------------------------------- 002 Xuchang


XUCHANG_OFFICE = "市知识产权战略实施工作联席会议办公室"
XUCHANG_COUNTIES = "各县(市、区)政府(管委会)"
XUCHANG_COUNTY = "魏都区人民政府"
XUCHANG_UNITS: dict[str, Units] = {ref: [(XUCHANG_OFFICE, LEAD)] for ref in ("S1", "S2", "S3")}


def _xuchang(d: _Demo) -> None:
    """Safeguards to the joint conference's office; the county group mapped to 魏都区; numeric
    targets reported as of 2024-12-31; self-checks on 2025-01-15, the review on 01-20."""
    # fmt: off
    d.at("002", dt.date(2025, 1, 15))
    d.assign_units(XUCHANG_UNITS)
    people.add_unit(d.app.uow(), actor(d.app, ADMINS["002"]), XUCHANG_COUNTY)
    people.set_group_members(d.app.uow(), actor(d.app, ADMINS["002"]), XUCHANG_COUNTIES, add=[XUCHANG_COUNTY])
    reviewer, office, market, industry, science, county = "孙海涛", "周倩", "李红", "高峰", "杨帆", "郑凯"
    d.staff(
        (reviewer, R, None),
        (office, M, XUCHANG_OFFICE),
        (market, M, "市市场监督管理局"),
        (industry, M, "市工业和信息化局"),
        (science, M, "市科学技术局"),
        (county, M, XUCHANG_COUNTY),
    )
    # 4: lead 市市场监督管理局, co 工信局 and 科技局, and the county: four parts; accepted.
    d.start(market, "4")
    d.evidence(market, "4", 1, ["知识产权强企培育名单.pdf", "企业走访照片.png"], dt.date(2024, 6, 18), "知识产权强企培育")
    d.evidence(industry, "4", 2, ["专精特新企业知识产权指导记录.pdf"], dt.date(2024, 7, 2), "专精特新企业指导")
    d.evidence(science, "4", 3, ["高新技术企业培育台账.pdf"], dt.date(2024, 9, 10), "高新技术企业培育")
    for who in (market, industry, science, county):
        d.part(who, "4")
    d.submit(market, "4", "三项任务均已完成,新增各级知识产权强企4家")
    d.accept(reviewer, "4", 91, "培育成效明显,同意验收")
    d.start(office, "S1")
    d.evidence(office, "S1", 1, ["联席会议成员调整通知.pdf"], dt.date(2024, 3, 8), "联席会议成员调整")
    d.evidence(office, "S1", 2, ["县区工作推进会纪要.pdf", "推进会照片.png"], dt.date(2024, 5, 20), "县区任务落实")
    d.part(office, "S1")
    d.submit(office, "S1", "联席会议成员已调整,县区任务已分解落实")
    d.start(office, "S3")
    d.evidence(office, "S3", 1, ["督促检查工作方案.pdf"], dt.date(2024, 11, 28), "年度督促检查")
    d.evidence(office, "S3", 2, ["县区任务落实情况通报.pdf"], dt.date(2024, 12, 5), "县区任务落实情况")
    d.part(office, "S3")
    d.submit(office, "S3", "已开展年度督促检查并通报县区落实情况")
    d.give_back(reviewer, "S3", "缺少考核评估结果及向市委、市政府报告的材料,请补充", due=dt.date(2025, 2, 28), today=dt.date(2025, 1, 20))
    d.start(market, "14")
    d.report(market, 1, "3712", as_of=dt.date(2024, 12, 31), files=["2024年知识产权统计公报.pdf"], note="2024年全市有效发明专利拥有量")
    d.report(market, 6, "8500万", as_of=dt.date(2024, 12, 31), link="https://www.example.gov.cn/xuchang/jinrong/zhiya-2024.html", note="2024年知识产权质押融资额")


# --------------------------------------------------------------------------- 003 Jiading


JIADING_OFFICE = "区知识产权联席会议办公室"
JIADING_GROUPS = {
    "区知识产权联席会议各成员单位": ["区市场监管局", "区委宣传部", "区法院", "区检察院", "公安嘉定分局"],
    "区知识产权联席会议其他成员单位": ["区经委", "区司法局"],
}
JIADING_MEMBERS = {
    JIADING_OFFICE: "沈佳怡",
    "区市场监管局": "陆建华",
    "区经委": "顾晓东",
    "公安嘉定分局": "钱振宇",
    "区法院": "朱丽",
    "区检察院": "徐斌",
    "区委宣传部": "陈雯",
    "区农业农村委": "吴刚",
    "区文化旅游局": "蒋蕾",
    "区发展改革委": "姚远",
    "嘉定海关": "曹敏",
    "区司法局": "金鑫",
}
JIADING_REVIEWERS = ("施国平", "范立新")
JIADING_ACCEPTED = ("1", "2", "3", "7", "8", "10", "11", "12", "13", "14", "16", "17", "19", "20", "S1", "S3")  # fmt: skip
JIADING_SELF_CHECKED = ("15", "18", "S2")
JIADING_TODAY = dt.date(2024, 3, 1)  # inside the acceptance phase 2023-09-01 … 2024-04-30


def _jiading(d: _Demo) -> None:
    """Safeguards to the conference's office, both groups mapped; 20 measures self-checked in
    turn (evidence dated from 2023-10-09 on), 16 of them accepted (3 after its return), 9
    returned; then 4 and 6 started."""
    # fmt: off
    d.at("003", JIADING_TODAY)
    d.assign_units({ref: [(JIADING_OFFICE, LEAD)] for ref in ("S1", "S2", "S3", "S4")})
    first, second = JIADING_REVIEWERS
    d.staff(
        (first, R, None),
        (second, R, None),
        *((name, M, unit) for unit, name in JIADING_MEMBERS.items()),
    )
    for group, members in JIADING_GROUPS.items():
        people.set_group_members(d.app.uow(), actor(d.app, ADMINS["003"]), group, add=members)

    d.refused("不是措施", lambda: d.start(JIADING_MEMBERS["区法院"], "10"))
    for n, ref in enumerate((*JIADING_ACCEPTED, *JIADING_SELF_CHECKED, "9")):
        _jiading_self_check(d, ref, dt.date(2023, 10, 9) + dt.timedelta(days=4 * n))
    for n, ref in enumerate(JIADING_ACCEPTED):
        if ref == "3":
            _jiading_rectified(d)
        reviewer = first if n % 2 == 0 else second
        d.accept(reviewer, ref, 80 + (n * 7) % 19, "材料齐全,同意验收")
    d.give_back(second, "9", "第 2 项缺少非正常专利申请的处置台账,嘉定海关、区法院的配合材料也需补充", due=dt.date(2024, 4, 15), today=dt.date(2024, 3, 25))
    # In progress: 4 (two of its units done, the others not yet), 6 (just started).
    market, police = JIADING_MEMBERS["区市场监管局"], JIADING_MEMBERS["公安嘉定分局"]
    d.start(market, "4")
    d.evidence(market, "4", 1, ["工作台账.pdf", "行刑衔接联席会议照片.png"], dt.date(2024, 1, 18), "行刑衔接工作台账")
    d.evidence(police, "4", 1, ["移送案件清单.pdf"], dt.date(2024, 1, 25), "公安嘉定分局移送案件")
    d.part(market, "4")
    d.part(police, "4")
    publicity = JIADING_MEMBERS["区委宣传部"]
    d.start(publicity, "6")
    d.evidence(publicity, "6", 1, ["长三角合作备忘录.pdf", "签约仪式照片.png"], dt.date(2024, 2, 6), "长三角知识产权一体化合作")
    # Not started: 5, 21, 22, S4.


def _responsible(d: _Demo, ref: str) -> tuple[list[str], int]:
    """The measure's responsible units (groups expanded, a lead first) and its checklist size."""
    with d.app.uow() as uow:
        measure = find_measure(uow.session, d.ident(ref), None)
        units = measure_units(uow.session, measure)
        lead = [n for i, n in units.unit_names.items() if i in units.responsibility.lead_unit_ids]
        names = lead[:1] + [n for n in units.unit_names.values() if n != lead[0]]
        return names, len(measure.checklist)


def _jiading_self_check(d: _Demo, ref: str, date: dt.date) -> None:
    """Start, evidence from every unit (the lead: a PDF and a photo per item; every other unit:
    its 工作台账.pdf), every part done, the lead's self-check."""
    # fmt: off
    units, items = _responsible(d, ref)
    lead = JIADING_MEMBERS[units[0]]
    d.start(lead, ref)
    for item in range(1, items + 1):
        d.evidence(lead, ref, item, ["工作台账.pdf", f"第{item}项现场照片.png"], date, f"{units[0]}工作台账")
    for unit in units[1:]:
        d.evidence(JIADING_MEMBERS[unit], ref, 1, ["工作台账.pdf"], date, f"{unit}工作台账")
    for unit in units:
        d.part(JIADING_MEMBERS[unit], ref)
    d.submit(lead, ref, f"{units[0]}牵头,{len(units)} 个责任单位均已完成并提交佐证材料")


def _jiading_rectified(d: _Demo) -> None:
    """Measure 3 returned: 区经委 replaces its file, 区市场监管局 resubmits (then accepted)."""
    # fmt: off
    first, second = JIADING_REVIEWERS
    d.give_back(second, "3", "区经委的佐证材料未体现重点产业知识产权对接活动,请补充后重新提交", due=dt.date(2024, 3, 31), today=dt.date(2024, 3, 5))
    economy = JIADING_MEMBERS["区经委"]
    [old] = [e for e in list_evidence(d.app.uow(), None, measure_of(d.app, d.ident("3"))) if e.unit == "区经委"]
    replace_evidence(
        d.app.uow(),
        d.app.store,
        actor(d.app, economy),
        old.id,
        new=NewEvidence(
            files=d.files("3", 1, ["工作台账.pdf"]),  # the revised ledger keeps its name
            note="补充重点产业知识产权对接活动记录",
            doc_date=dt.date(2024, 3, 12),
        ),
        today=dt.date(2024, 3, 15),
    )
    d.submit(JIADING_MEMBERS["区市场监管局"], "3", "已按整改意见补充区经委的对接活动材料", today=dt.date(2024, 3, 18))


# --------------------------------------------------------------------------- 004 Jinan


JINAN_UNITS: dict[str, Units] = {
    "2": [("济南市市场监管局", LEAD)],
    "3": [("济南市市场监管局", LEAD), ("济南市司法局", CO)],
    "5": [("济南海关", LEAD)],
    "8": [("济南市司法局", LEAD), ("济南市中级人民法院", CO)],
    "15": [("济南市商务局", LEAD)],
    "17": [("济南市科学技术局", LEAD)],
}


def _jinan(d: _Demo) -> None:
    """No units in the document: the office assigns six measures; self-checks on 2026-02-05
    (the review-preparation phase), the review on 02-10."""
    # fmt: off
    d.at("004", dt.date(2026, 2, 5))
    d.assign_units(JINAN_UNITS)
    reviewer, justice, market, science, customs = "马文静", "孔祥瑞", "田甜", "牛博", "韩冰"
    d.staff(
        (reviewer, R, None),
        (justice, M, "济南市司法局"),
        (market, M, "济南市市场监管局"),
        (science, M, "济南市科学技术局"),
        (customs, M, "济南海关"),
    )
    d.refused("不是措施", lambda: d.start(customs, "3"))
    d.start(market, "3")
    d.evidence(market, "3", 1, ["知识产权保护和促进条例(草案).pdf", "立法座谈会照片.png"], dt.date(2025, 6, 26), "地方立法与配套政策")
    d.part(market, "3")
    d.part(justice, "3")
    d.submit(market, "3", "已推动条例立法并出台配套政策文件")
    d.accept(reviewer, "3", 94, "材料完整,同意验收")
    d.start(market, "2")
    d.evidence(market, "2", 1, ["年度重点工作部署文件.pdf"], dt.date(2025, 4, 15), "纳入市委、市政府重要议事日程")
    d.evidence(market, "2", 2, ["示范区创建推进台账.pdf", "督导会议照片.png"], dt.date(2025, 9, 9), "示范区创建推进")
    d.part(market, "2")
    d.submit(market, "2", "年度重点工作已部署,示范区创建已列入重要任务")
    d.give_back(reviewer, "2", "推进台账缺少各区县(功能区)的完成情况,请补充", due=dt.date(2026, 2, 27), today=dt.date(2026, 2, 10))
    d.start(science, "17")
    d.evidence(science, "17", 1, ["专利导航基地建设方案.pdf"], dt.date(2025, 5, 30), "国家级专利导航基地建设")
    d.evidence(science, "17", 2, ["海外知识产权布局预警报告.pdf"], dt.date(2025, 10, 28), "海外布局预警服务")
    d.part(science, "17")
    d.submit(science, "17", "专利导航基地与海外服务点建设任务已完成")
    d.start(justice, "8")
    d.report(justice, 1, "87.5", as_of=dt.date(2025, 12, 31), files=["人民调解组织覆盖情况统计表.pdf"], note="已覆盖 14 个区县(功能区)中的 12 个,按 87.5% 填报")


# ------------------------------------------------------------------------------- comparing


def work_summary(app: App, plan_key: str) -> dict[str, Any]:
    """What was done to one plan, without row ids, file hashes or timestamps: per measure its
    units, state, self-checks, reviews and evidence (names, dates, notes, who), the indicator
    values, and the refusals. Equal for this module's build and for ``scripts/partial_run.sh``
    (whose files have other bytes, and whose plans run side by side)."""
    with app.uow() as uow:
        session = uow.session
        plan = session.scalar(select(Plan).where(Plan.key == plan_key))
        if plan is None:
            raise LookupError(f"no plan {plan_key}")
        measures = session.scalars(
            select(Measure)
            .where(Measure.plan_id == plan.id)
            .order_by(Measure.position)
            .options(
                selectinload(Measure.unit_links).selectinload(MeasureUnit.unit),
                selectinload(Measure.evidence).selectinload(Evidence.unit),
                selectinload(Measure.evidence).selectinload(Evidence.person),
                selectinload(Measure.evidence).selectinload(Evidence.item),
                selectinload(Measure.self_checks).selectinload(SelfCheck.reviews),
            )
        ).all()
        indicators = session.scalars(
            select(Indicator)
            .where(Indicator.plan_id == plan.id)
            .order_by(Indicator.position)
            .options(
                selectinload(Indicator.reports).selectinload(IndicatorReport.evidence),
            )
        ).all()
        refused = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.refused.is_(True), AuditEntry.target.startswith(f"{plan_key}/"))
            .order_by(AuditEntry.seq)
        ).all()
        return {
            "measures": {
                m.ref: {
                    "units": [(u.unit.name, u.role.value) for u in m.unit_links],
                    "units_text": m.units_text,
                    "state": m.state.value,
                    "rectification_due": m.rectification_due,
                    "self_checks": [
                        (
                            s.round,
                            s.statement,
                            s.ratings,
                            [
                                (r.verdict.value, r.score, r.comment, r.rectification_due)
                                for r in s.reviews
                            ],
                        )
                        for s in m.self_checks
                    ],
                    "evidence": sorted(
                        (
                            e.item.position if e.item else 0,
                            e.kind.value,
                            e.file_name,
                            e.media_type or "",
                            e.url,
                            e.note,
                            e.doc_date,
                            e.person.name,
                            e.unit.name if e.unit else "",
                            e.current,
                        )
                        for e in m.evidence
                    ),
                }
                for m in measures
            },
            "indicators": [
                (
                    i.metric,
                    [
                        (
                            str(r.value),
                            r.as_of,
                            r.note,
                            sorted((e.file_name, e.url) for e in r.evidence),
                        )
                        for r in i.reports
                    ],
                )
                for i in indicators
            ],
            "refused": [(e.actor, e.action, e.target, e.comment) for e in refused],
        }
