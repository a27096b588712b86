"""The example index system of a plan, built from the plan's own structure.

An office starts from it (`zonecheck index example PLAN` prints it) and loads its own. The rule,
also written into the system's `note`:

* 一级: each section of the plan that holds measures, in the plan's order (measures outside any
  section under 主要任务), then 量化目标 when the plan sets numeric targets of its own (not
  tied to one measure);
* 二级: each measure of its section (保障措施 and 标志性成果 included), and each plan-wide
  numeric target under 量化目标;
* points: the total of 100 shared evenly by the 二级 indicators in steps of 0.1, the tenths left
  over by rounding given one each to the first indicators, so the sum is exactly 100; a 一级
  indicator has the sum of its own;
* type: 标志性成果 and numeric targets are 达标 (met or not), the other measures 评分;
* evidence: a measure's checklist items, as slots of the same kinds (required when the item
  needs at least one piece); a target needs its statistics;
* mapping: each measure to itself and its numeric indicators; each target to itself.

Texts past the model's bounds are clipped with "…" (a measure's title to 200 characters, a
checklist item to 500; the seeds' longest are 101 and 133), and a measure of more than 20
checklist items keeps 19 slots and one naming how many more the catalog lists.
"""

from __future__ import annotations

from decimal import Decimal

from checklists.catalog import Catalog, EvidenceKind, Measure, MeasureKind
from checklists.indexsys.model import (
    MAX_NAME_CHARS,
    MAX_SLOT_CHARS,
    MAX_SLOTS,
    EvidenceSlot,
    GradeLines,
    Indicator,
    IndicatorType,
    Level,
)
from checklists.indexsys.rules import MAX_INDICATORS
from checklists.indexsys.system import IndexSystem

__all__ = ["EXAMPLE_NOTE", "EXAMPLE_TOTAL", "example_index", "spread_evenly"]

EXAMPLE_TOTAL = Decimal(100)
_STEP = Decimal("0.1")
EXAMPLE_NOTE = (
    "示例:按方案结构生成,供参考修改。一级指标为方案中含措施的各章节(另有量化目标时增设“量化目标”),"
    "二级指标为各项措施与全局数值目标;总分 100 分由全部二级指标按 0.1 分均分,"
    "除不尽余下的各 0.1 分依次给排在前面的指标,合计恰为 100 分;标志性成果与数值目标为达标类,其余为评分类。"
)
_SCORED_GUIDANCE = "全部完成并有佐证得满分;部分完成按完成程度酌情扣分;未开展不得分。"
_MET_GUIDANCE = "达到目标得满分,未达到不得分。"
_TARGETS_NAME = "量化目标"
_LOOSE_NAME = "主要任务"


def spread_evenly(total: Decimal, count: int, step: Decimal = _STEP) -> list[Decimal]:
    """`total` in `count` shares of whole `step`s, as equal as possible, the larger first;
    they sum to exactly `total` (which must be a whole number of steps)."""
    units = total / step
    if count <= 0 or units != units.to_integral_value() or count > units:
        raise ValueError(f"{total} 不能按 {step} 分成 {count} 份")
    base, extra = divmod(int(units), count)
    return [(base + (1 if i < extra else 0)) * step for i in range(count)]


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _slots(measure: Measure) -> tuple[EvidenceSlot, ...]:
    slots: list[EvidenceSlot] = []
    seen: set[str] = set()
    for item in measure.checklist:
        what = _clip(item.text, MAX_SLOT_CHARS)
        if what in seen:
            continue  # two items clipped to one text would read as one slot anyway
        seen.add(what)
        kinds = tuple(dict.fromkeys(item.evidence_kinds)) or (EvidenceKind.FILE,)
        slots.append(EvidenceSlot(what, kinds, item.min_evidence > 0))
    if len(slots) > MAX_SLOTS:  # the seeds have at most 8 items; keep the bound, name the rest
        rest = len(slots) - (MAX_SLOTS - 1)
        slots = slots[: MAX_SLOTS - 1] + [EvidenceSlot(f"其余 {rest} 项材料(见方案目录中该措施的自查清单)")]
    return tuple(slots)


def example_index(catalog: Catalog) -> IndexSystem:
    """The example index system of the plan of `catalog` (see the module's docstring)."""
    groups: dict[str | None, list[Measure]] = {}
    for measure in catalog.measures:
        groups.setdefault(measure.section, []).append(measure)
    titles = {s.ref: s.title for s in catalog.sections}
    order: list[str | None] = [s.ref for s in catalog.sections if s.ref in groups]
    if None in groups:
        order.append(None)
    targets = list(dict.fromkeys(i.metric for i in catalog.indicators if i.measure is None))
    metrics_of: dict[str, list[str]] = {}
    for ind in catalog.indicators:
        if ind.measure is not None:
            metrics_of.setdefault(ind.measure, [])
            if ind.metric not in metrics_of[ind.measure]:
                metrics_of[ind.measure].append(ind.metric)

    count = sum(len(groups[key]) for key in order) + len(targets)
    if count == 0:
        raise ValueError(f"方案 {catalog.plan.key} 没有措施,无法生成示例指标体系")
    if count + len(order) + 1 > MAX_INDICATORS:
        raise ValueError(f"方案 {catalog.plan.key} 的措施过多({count} 项),无法生成示例指标体系")
    shares = iter(spread_evenly(EXAMPLE_TOTAL, count))

    indicators: list[Indicator] = []

    def add_group(code: str, name: str, children: list[Indicator]) -> None:
        points = sum((c.points for c in children), Decimal(0))
        indicators.append(Indicator(code, _clip(name, MAX_NAME_CHARS), Level.FIRST, points))
        indicators.extend(children)

    for n, key in enumerate(order, start=1):
        code = str(n)
        children = []
        for m, measure in enumerate(groups[key], start=1):
            met = measure.kind is MeasureKind.OUTCOME
            children.append(
                Indicator(
                    code=f"{code}.{m}",
                    name=_clip(measure.title, MAX_NAME_CHARS),
                    level=Level.SECOND,
                    points=next(shares),
                    type=IndicatorType.MET if met else IndicatorType.SCORED,
                    parent=code,
                    guidance=_MET_GUIDANCE if met else _SCORED_GUIDANCE,
                    evidence=_slots(measure),
                    measures=(measure.ref,),
                    metrics=tuple(metrics_of.get(measure.ref, ())),
                )
            )
        add_group(code, titles[key] if key is not None else _LOOSE_NAME, children)
    if targets:
        code = str(len(order) + 1)
        children = [
            Indicator(
                code=f"{code}.{m}",
                name=_clip(metric, MAX_NAME_CHARS),
                level=Level.SECOND,
                points=next(shares),
                type=IndicatorType.MET,
                parent=code,
                guidance=_MET_GUIDANCE,
                evidence=(EvidenceSlot("统计数据及其来源证明", (EvidenceKind.FILE, EvidenceKind.LINK)),),
                metrics=(metric,),
            )
            for m, metric in enumerate(targets, start=1)
        ]
        add_group(code, _TARGETS_NAME, children)

    return IndexSystem(
        name=_clip(catalog.plan.title, MAX_NAME_CHARS - 12) + "评价指标体系(示例)",
        plan=catalog.plan.key,
        total=EXAMPLE_TOTAL,
        indicators=tuple(indicators),
        grades=GradeLines.default(EXAMPLE_TOTAL),
        note=EXAMPLE_NOTE,
    )
