"""The fourteen corpus plans (`../shared/corpus/*.txt`): what a careful office clerk reads in each.

Every record below was written from reading the document, not from the parser's output: the
plan's title, who issued it and when, the refs of its measures and safeguards, the units and
lead of several measures, deadlines where the measure writes one, and text that is not a
measure (closing paragraphs, signatures, the notice's own instructions, lead rules written
inside a unit clause). Where the parser still reads a document otherwise, the expectation is
marked `xfail(strict=True)` in `STILL_WRONG` with the reason, so the list of what each document
still gets wrong is that table.

Roles: `l` lead (牵头), `c` co-responsible, `g` a group of units (各…, 有关部门…).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from checklists.catalog import Catalog, MeasureKind
from checklists.parser import parse_document

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"

Units = list[tuple[str, str]]


@dataclass(frozen=True)
class Plan:
    """What a clerk extracts from one corpus document."""

    prefix: str
    title: str
    doc_number: str
    issued_on: dt.date | None
    measures: list[str]  # refs of the measures, in document order
    issuer: str | None = None  # None: not checked (the document does not sign itself clearly)
    safeguards: list[str] = field(default_factory=list)
    units: dict[str, Units] = field(default_factory=dict)  # every unit of the measure, in order
    leads: dict[str, list[str]] = field(default_factory=dict)  # only the leads, for long lists
    deadlines: dict[str, dt.date] = field(default_factory=dict)
    not_measures: list[str] = field(default_factory=list)  # text no measure or safeguard holds


# "以下均需…落实,不再列出": units every later measure of the plan has, written once.
NINGBO_ALL = [("各区〔县、市〕政府", "g"), ("开发园区管委会", "c")]
TAIAN_ALL = [("各县(市、区)人民政府", "g"), ("功能区管委会", "c")]


def refs(first: int, last: int, prefix: str = "") -> list[str]:
    return [f"{prefix}{n}" for n in range(first, last + 1)]


PLANS = [
    Plan(
        prefix="001",
        title="国务院办公厅关于深入开展消费扶贫助力打赢脱贫攻坚战的指导意见",
        issuer="国务院办公厅",
        doc_number="国办发〔2018〕129号",
        issued_on=dt.date(2018, 12, 30),
        measures=refs(1, 13),
        # 六、保障措施 holds (十四)–(十七): safeguards, numbered as printed.
        safeguards=refs(14, 17, "S"),
        units={
            "1": [
                ("扶贫办", "l"),
                ("中央统战部", "c"),
                ("中央和国家机关工委", "c"),
                ("教育部", "c"),
                ("卫生健康委", "c"),
                ("人民银行", "c"),
                ("国资委", "c"),
                ("国管局", "c"),
                ("中央军委政治工作部", "c"),
                ("全国总工会", "c"),
                ("各省级人民政府", "g"),
            ],
            "4": [("商务部", "l"), ("发展改革委", "c"), ("农业农村部", "c"), ("各有关省级人民政府", "g")],
            "13": [
                ("农业农村部", "l"),
                ("文化和旅游部", "c"),
                ("中央宣传部", "c"),
                ("广电总局", "c"),
                ("商务部", "c"),
                ("各有关省级人民政府", "g"),
            ],
        },
        leads={"S14": ["发展改革委"]},
        not_measures=["2018年12月30日", "此件公开发布", "以习近平新时代中国特色社会主义思想为指导"],
    ),
    Plan(
        prefix="002",
        title="国务院办公厅关于加快发展体育竞赛表演产业的指导意见",
        issuer="国务院办公厅",
        doc_number="国办发〔2018〕121号",
        issued_on=dt.date(2018, 12, 11),
        # 一、总体要求 holds (一)–(三): 指导思想, 基本原则, 发展目标, not measures.
        measures=refs(4, 19),
        units={
            "4": [("体育总局", "l"), ("民政部", "c"), ("人力资源社会保障部", "c")],
            "6": [("体育总局", "l")],
            # Three unit tags in one measure, merged: the first tag's unit leads.
            "10": [
                ("市场监管总局", "l"),
                ("体育总局", "c"),
                ("教育部", "c"),
                ("网信办", "c"),
                ("科技部", "c"),
                ("工业和信息化部", "c"),
            ],
            "13": [
                ("体育总局", "l"),
                ("教育部", "c"),
                ("住房城乡建设部", "c"),
                ("公安部", "c"),
                ("应急部", "c"),
                ("银保监会", "c"),
                ("人民银行", "c"),
            ],
        },
        leads={"18": ["公安部"]},
        not_measures=["坚持问题导向", "各地区、各有关部门要充分认识发展体育竞赛表演产业", "2018年12月11日"],
    ),
    Plan(
        prefix="004",
        title="江西省人民政府办公厅关于加快发展流通促进商业消费的实施意见",
        doc_number="赣府厅发〔2020〕7号",
        issued_on=dt.date(2020, 2, 28),
        # 一、…二十、 are the measures themselves (a title sentence, then the measure).
        measures=refs(1, 20),
        units={
            # "列第一的为牵头单位,下同" is the document's lead rule, not a unit.
            "1": [
                ("省发展改革委", "l"),
                ("省商务厅", "c"),
                ("省文化和旅游厅", "c"),
                ("省体育局", "c"),
                ("省委网信办", "c"),
                ("省工业和信息化厅", "c"),
                ("省生态环境厅", "c"),
                ("省市场监管局", "c"),
                ("南昌海关", "c"),
            ],
            "2": [
                ("省商务厅", "l"),
                ("省工业和信息化厅", "c"),
                ("省体育局", "c"),
                ("省住房城乡建设厅", "c"),
                ("省自然资源厅", "c"),
            ],
            "15": [("省发展改革委", "l"), ("省市场监管局", "c"), ("省税务局", "c"), ("省财政厅", "c")],
            "19": [("人行南昌中心支行", "l"), ("江西银保监局", "c")],
        },
        not_measures=["各地、各有关部门要充分认识创新发展流通", "此件主动公开"],
    ),
    Plan(
        prefix="006",
        title="关于金融支持防控疫情稳定经济增长的若干措施",
        issuer="省政府办公厅",
        doc_number="赣府厅字〔2020〕14号",
        issued_on=dt.date(2020, 2, 9),
        measures=refs(1, 15),
        units={
            # "…按职责分工牵头,…等省直有关部门配合": four leads, co-units and a group.
            "1": [
                ("人行南昌中心支行", "l"),
                ("省发展改革委", "l"),
                ("省工业和信息化厅", "l"),
                ("省财政厅", "l"),
                ("省农业农村厅", "c"),
                ("省商务厅", "c"),
                ("省国资委", "c"),
                ("省交通运输厅", "c"),
                ("省直有关部门", "g"),
            ],
            "2": [("江西银保监局", "l"), ("省金融监管局", "l")],
            "3": [("江西证监局", "l")],
            "7": [("人行南昌中心支行", "l"), ("省金融监管局", "l"), ("省直有关部门", "g")],
            "15": [("省财政厅", "l"), ("省金融监管局", "l"), ("各市、县〔区〕人民政府", "g")],
        },
        not_measures=["请认真贯彻执行"],
    ),
    Plan(
        prefix="007",
        title="关于有效应对疫情促进经济稳定增长的若干举措",
        issuer="江西省市场监管局",
        doc_number="赣市监综〔2020〕1号",
        issued_on=dt.date(2020, 2, 12),
        measures=refs(1, 20),
        units={
            "1": [
                ("省药监局", "l"),
                ("省局行政审批处", "c"),
                ("登记注册局", "c"),
                ("信用监管处", "c"),
                ("省局行政许可评审中心", "c"),
                ("信息中心", "c"),
            ],
            "2": [("省局行政审批处", "l")],
            "6": [("省局计量处", "l"), ("省计量院", "c")],
            "13": [("省局科技财务处", "l"), ("各检验检测机构", "g")],
            "20": [("省局网监处", "l"), ("省消保委秘书处", "c")],
        },
        # The notice's own 一是/二是/三是 and the closing validity note are not measures.
        not_measures=["提高站位,抓好落实", "上述举措执行期自发布之日起"],
    ),
    Plan(
        prefix="009",
        title="宁波市人民政府办公厅关于支持人工智能OPC创新创业发展的若干意见",
        issuer="宁波市人民政府办公厅",
        doc_number="甬政办发〔2026〕7号",
        issued_on=dt.date(2026, 4, 20),
        measures=refs(1, 18),
        units={
            # "列第一位的为牵头单位,下同。以下均需…落实,不再列出" are rules, not units.
            "1": [
                ("市经信局", "l"),
                ("市发改委", "c"),
                ("各区〔县、市〕政府", "g"),
                ("开发园区管委会", "c"),
            ],
            "2": [
                ("市委改革办〔市营商环境建设局〕", "l"),
                ("市发改委", "c"),
                ("市经信局", "c"),
                ("市市场监管局", "c"),
                ("市数据局", "c"),
                *NINGBO_ALL,
            ],
            "3": [("市发改委", "l"), ("市数据局", "c"), ("通商控股集团", "c"), ("市经信局", "c"), *NINGBO_ALL],
            "7": [("市发改委", "l"), *NINGBO_ALL],
            "12": [("市科技局", "l"), ("市经信局", "c"), *NINGBO_ALL],
        },
        deadlines={"1": dt.date(2028, 12, 31)},  # 到2028年底,打造市级OPC社区10个以上
        not_measures=["施行说明", "经市政府同意,现提出如下意见"],
    ),
    Plan(
        prefix="011",
        title="上城区支持人工智能OPC社区建设的若干政策措施",
        issuer="杭州市上城区人民政府办公室",
        doc_number="",
        issued_on=dt.date(2026, 3, 17),
        # 一、支持对象 is the scope; 三、附则 1.–4. are implementation clauses, not measures.
        measures=refs(1, 10),
        units={
            "1": [("区审管办", "l"), ("区人力社保局", "l")],
            "2": [("区委组织部(人才办)", "l"), ("区科技经信局", "l"), ("区人力社保局", "l")],
            "8": [("区财政局", "l"), ("区人力社保局", "l"), ("区金融服务中心", "l"), ("上城资本", "l")],
            "9": [("区委组织部(区委人才办)", "l")],
        },
        not_measures=["本政策适用于在上城区合法经营", "扶持资金由区财政局统筹平衡", "2026年3月17日发布"],
    ),
    Plan(
        prefix="012",
        title="太仓市人工智能OPC培育发展行动计划(2026-2028年)",
        issuer="太仓市人民政府办公室",
        doc_number="",
        issued_on=dt.date(2026, 3, 19),
        # 二、重点培育领域 (一)–(三): fields without units; 三、主要任务 (一)–(五), whose (二), (三)
        # and (五) hold unnumbered unit-tagged sub-items (merged into their measure). Both
        # sections number from (一), so refs carry the section.
        measures=["二.1", "二.2", "二.3", "三.1", "三.2", "三.3", "三.4", "三.5"],
        safeguards=["S1"],
        units={
            "二.1": [],
            "三.1": [
                ("市委组织部(人才办)", "l"),
                ("市教育局", "c"),
                ("市科技局", "c"),
                ("市工信局", "c"),
                ("市人社局", "c"),
                ("市招商局", "c"),
                ("团市委", "c"),
            ],
        },
        leads={
            "三.2": ["市科技局", "高新区", "团市委"],
            "三.3": ["市科技局", "市数据局", "市工信局"],
            "三.4": ["市发改委"],
            "三.5": ["市政府办(金融)", "市科技局", "市工信局", "市发改委", "市委宣传部(网信办)"],
        },
        not_measures=["“人工智能OPC”特指在AI技术的协同支持下"],
    ),
    Plan(
        prefix="014",
        title="武汉市支持人工智能OPC创新发展若干措施",
        issuer="武汉市人民政府",
        doc_number="武政规〔2026〕4号",
        issued_on=dt.date(2026, 2, 13),
        measures=refs(1, 10),
        units={
            # 〈含开发区、长江新区、风景区管委会,下同〉 is an aside, not part of the name.
            "1": [("市数据局", "l"), ("市经信局", "c"), ("各区人民政府", "g")],
            "3": [("市科创局", "l"), ("各区人民政府", "g"), ("市经信局", "c")],
            "4": [
                ("市人社局", "l"),
                ("市人才工作局", "c"),
                ("市教育局", "c"),
                ("市住房和城市更新局", "c"),
                ("市财政局", "c"),
                ("团市委", "c"),
                ("各区人民政府", "g"),
            ],
            "9": [
                ("市财政局", "l"),
                ("武汉投控集团", "c"),
                ("武汉金控集团", "c"),
                ("市科创局", "c"),
                ("市委金融办", "c"),
                ("市人社局", "c"),
                ("团市委", "c"),
            ],
        },
        not_measures=["施行说明", "请认真贯彻落实"],
    ),
    Plan(
        prefix="015",
        title="广东省支持人工智能OPC创新发展行动方案(2026—2028年)",
        issuer="广东省发展和改革委员会",
        doc_number="粤发改高技〔2026〕78号",
        issued_on=dt.date(2026, 3, 12),
        measures=refs(1, 18),
        safeguards=["S1"],
        units={
            "1": [
                ("省发展改革委", "l"),
                ("省工业和信息化厅", "c"),
                ("财政厅", "c"),
                ("政务和数据局", "c"),
                ("各地级以上市人民政府", "g"),
            ],
            "3": [
                ("省发展改革委", "l"),
                ("科技厅", "l"),
                ("工业和信息化厅", "l"),
                ("财政厅", "l"),
                ("各地级以上市人民政府", "g"),
            ],
            "4": [("省发展改革委", "l"), ("各地级以上市人民政府", "g")],
            # "广州、深圳市政府" names two city governments.
            "8": [("广州市政府", "l"), ("深圳市政府", "c"), ("横琴粤澳深度合作区执委会", "c")],
            "10": [
                ("广东金融监管局", "l"),
                ("深圳金融监管局", "l"),
                ("省委金融办", "c"),
                ("省科技厅", "c"),
                ("人力资源社会保障厅", "c"),
                ("中国人民银行广东省分行", "c"),
            ],
            "16": [("省市场监管局", "l")],
        },
        not_measures=["请认真贯彻执行"],
    ),
    Plan(
        prefix="017",
        title="泰安市人民政府办公室关于支持人工智能OPC发展的实施意见",
        issuer="泰安市人民政府办公室",
        doc_number="泰政办发〔2026〕1号",
        issued_on=dt.date(2026, 5, 7),  # the signature's date (the page says 2026-05-14)
        measures=refs(1, 13),
        safeguards=["S1"],
        units={
            "1": [
                ("市发展改革委", "l"),
                ("市科技局", "c"),
                ("市财政局", "c"),
                ("市人力资源社会保障局", "c"),
                ("各县(市、区)人民政府", "g"),
                ("功能区管委会", "c"),
            ],
            "8": [
                ("市发展改革委", "l"),
                ("市科技局", "c"),
                ("市工业和信息化局", "c"),
                ("市国资委", "c"),
                ("市大数据局", "c"),
                *TAIAN_ALL,
            ],
            "11": [("市人力资源社会保障局", "l"), ("市财政局", "c"), ("中国人民银行泰安市分行", "c"), *TAIAN_ALL],
            "12": [("泰安金融监管分局", "l"), *TAIAN_ALL],
        },
        not_measures=["2026年5月7日", "到2028年年底,全市人工智能OPC"],
    ),
    Plan(
        prefix="019",
        title="江西省人民政府关于推进全省国家级开发区创新提升打造改革开放新高地的若干意见",
        doc_number="赣府发〔2020〕8号",
        issued_on=dt.date(2020, 3, 6),
        measures=refs(1, 20),
        units={
            "1": [("省委编办", "l"), ("有关设区市、县〔区〕人民政府", "g")],
            "2": [("有关设区市、县〔区〕人民政府", "g")],
            "5": [
                ("省发展改革委", "l"),
                ("省财政厅", "c"),
                ("省金融监管局", "c"),
                ("人行南昌中心支行", "c"),
                ("江西证监局", "c"),
                ("有关设区市、县〔区〕人民政府", "g"),
            ],
            "18": [("省发展改革委", "l"), ("国网江西省电力公司", "c"), ("有关设区市、县〔区〕人民政府", "g")],
        },
        not_measures=["各地、各部门要充分认识国家级开发区创新提升"],
    ),
    Plan(
        prefix="021",
        title="成都市打造人工智能OPC创新发展新高地行动计划(2026—2027年)",
        doc_number="",
        issued_on=dt.date(2026, 3, 26),  # printed "2026月3月26日"; the page says 2026-03-26
        measures=refs(1, 13),
        safeguards=["S1"],
        units={
            # 牵头单位 only: every unit listed leads. "市经信局市新经济委" is one body, two names.
            "1": [("市经信局市新经济委", "l"), ("市科技局", "l"), ("市教育局", "l")],
            "4": [("市发展改革委(市数据局)", "l"), ("市市场监管局", "l"), ("市城市运行和政务服务办", "l")],
            "7": [
                ("市委组织部(市委人才办)", "l"),
                ("市住建局", "l"),
                ("成都公积金中心", "l"),
                ("团市委", "l"),
            ],
        },
        not_measures=["顺应人工智能技术快速突破"],
    ),
    Plan(
        prefix="024",
        title="四川省支持人工智能OPC创新发展行动方案(2026—2027年)",
        doc_number="",
        issued_on=dt.date(2026, 4, 16),
        measures=refs(1, 16),
        safeguards=["S1"],
        units={
            "1": [
                ("科技厅", "l"),
                ("成都市", "c"),
                ("经济和信息化厅", "c"),
                ("人力资源社会保障厅", "c"),
                ("文化和旅游厅", "c"),
                ("商务厅", "c"),
            ],
            "7": [("省发展改革委", "l"), ("经济和信息化厅", "c"), ("科技厅", "c"), ("四川数据集团", "c")],
            "15": [("科技厅", "l"), ("省委金融办", "c"), ("人行四川省分行", "c"), ("四川金融监管局", "c")],
        },
        deadlines={},
        not_measures=["充分发挥我省科教资源富集"],
    ),
]

# What the parser still reads otherwise than the clerk: (prefix, aspect) → why.
STILL_WRONG: dict[tuple[str, str], str] = {}

_cache: dict[str, Catalog] = {}


def corpus(prefix: str) -> Catalog:
    if prefix not in _cache:
        paths = sorted(CORPUS.glob(f"{prefix}_*.txt"))
        if not paths:
            pytest.skip(f"corpus document {prefix} not found in {CORPUS}")
        text = paths[0].read_text(encoding="utf-8")
        _cache[prefix] = parse_document(text, source_name=paths[0].name)
    return _cache[prefix]


def cases(aspect_of: str) -> list[object]:
    """One pytest param per plan (or per plan and measure) for an aspect, xfail where known."""
    params: list[object] = []
    for plan in PLANS:
        keys: list[str]
        if aspect_of == "units":
            keys = [f"units:{ref}" for ref in plan.units] + [f"leads:{ref}" for ref in plan.leads]
        elif aspect_of == "deadline":
            keys = [f"deadline:{ref}" for ref in plan.deadlines]
        else:
            keys = [aspect_of]
        for key in keys:
            reason = STILL_WRONG.get((plan.prefix, key))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            params.append(pytest.param(plan, key, marks=marks, id=f"{plan.prefix}-{key}"))
    return params


def of_kind(catalog: Catalog, kind: MeasureKind) -> list[str]:
    return [m.ref for m in catalog.measures if m.kind is kind]


@pytest.mark.parametrize(("plan", "aspect"), cases("title"))
def test_the_plan_gets_its_own_title(plan: Plan, aspect: str) -> None:
    assert corpus(plan.prefix).plan.title == plan.title


@pytest.mark.parametrize(("plan", "aspect"), cases("signature"))
def test_the_plan_gets_its_document_number_and_date(plan: Plan, aspect: str) -> None:
    info = corpus(plan.prefix).plan
    assert (info.doc_number, info.issued_on) == (plan.doc_number, plan.issued_on)
    if plan.issuer is not None:
        assert info.issuer == plan.issuer


@pytest.mark.parametrize(("plan", "aspect"), cases("measures"))
def test_every_measure_is_found_and_nothing_else(plan: Plan, aspect: str) -> None:
    assert of_kind(corpus(plan.prefix), MeasureKind.MEASURE) == plan.measures


@pytest.mark.parametrize(("plan", "aspect"), cases("safeguards"))
def test_safeguards_are_kept_apart_from_measures(plan: Plan, aspect: str) -> None:
    assert of_kind(corpus(plan.prefix), MeasureKind.SAFEGUARD) == plan.safeguards


@pytest.mark.parametrize(("plan", "aspect"), cases("units"))
def test_measures_have_the_units_and_lead_the_clerk_reads(plan: Plan, aspect: str) -> None:
    what, _, ref = aspect.partition(":")
    measure = corpus(plan.prefix).measure(ref)
    found = [(u.name, u.role.value[0]) for u in measure.units]
    if what == "units":
        assert found == plan.units[ref]
    else:
        assert [name for name, role in found if role == "l"] == plan.leads[ref]


@pytest.mark.parametrize(("plan", "aspect"), cases("deadline"))
def test_deadlines_written_in_a_measure_are_read(plan: Plan, aspect: str) -> None:
    ref = aspect.partition(":")[2]
    assert corpus(plan.prefix).measure(ref).deadline.due == plan.deadlines[ref]


@pytest.mark.parametrize(("plan", "aspect"), cases("not_measures"))
def test_closing_text_signatures_and_context_are_not_measures(plan: Plan, aspect: str) -> None:
    texts = [m.text for m in corpus(plan.prefix).measures]
    for fragment in plan.not_measures:
        assert not [t for t in texts if fragment in t], fragment


@pytest.mark.parametrize(("plan", "aspect"), cases("unit_names"))
def test_no_unit_name_is_a_rule_or_a_label(plan: Plan, aspect: str) -> None:
    names = {u.name for m in corpus(plan.prefix).measures for u in m.units}
    words = ("牵头", "下同", "以下", "列第一", "单位:", "部门:", "不再列出", "。")
    assert not [n for n in names if any(w in n for w in words)]


def test_measures_without_units_are_listed_for_the_office() -> None:
    catalog = corpus("012")
    listed = {w.line for w in catalog.warnings if w.message == "该措施没有写明责任单位"}
    assert catalog.measure("二.1").lines[0] in listed


@pytest.mark.parametrize("prefix", ["009", "017"])
def test_units_written_once_for_later_measures_are_used_not_listed_as_unreadable(prefix: str) -> None:
    # `以下(各项任务)均需…落实,不再列出`: applied to every later measure, so no piece of it
    # is reported back to the office as text the parser could not read.
    catalog = corpus(prefix)
    assert not [w for w in catalog.warnings if "无法识别" in w.message]
    assert all(any(u.role.value == "group" for u in m.units) for m in catalog.measures if m.kind is MeasureKind.MEASURE)
