"""What makes a set of indicators one index system, and its mapping to the plan's catalog.

The rules, each reported for every indicator it concerns (an office fixes a file in one go):

* codes are unique; a parent exists, is not the indicator itself or its own descendant (no
  cycle), and is exactly one level above (一级 has no parent, 二级 under 一级, 三级 under 二级);
* points add up: a parent's points are the sum of its children's, the 一级 indicators' sum is
  the declared total. Bonus indicators (加分项) stand apart: a bonus 一级 indicator and
  everything under it are bonus (a regular indicator cannot have a bonus child: its points
  would no longer say what it is worth); bonus 一级 indicators are left out of the total, and a
  declared bonus total is their sum;
* a 达标 indicator is a leaf (met or not met has no parts), and so is a 一票否决 one;
* the grade lines lie within the total plus the bonus;
* against a catalog: every measure ref and numeric indicator name mapped exists in the plan.

Every rule is a pass over the list with dictionaries, so a file at the bound of
MAX_INDICATORS is checked in milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from checklists.catalog import Catalog
from checklists.indexsys.model import MAX_POINTS, GradeLines, Indicator, IndicatorType, Level

__all__ = ["MAX_INDICATORS", "Problem", "bonus_codes", "mapping_problems", "structure_problems"]

MAX_INDICATORS = 1000


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule: the indicator's code (None: the system's own field), the field, the
    line where that indicator was read, and a Chinese sentence."""

    code: str | None
    field: str
    message: str
    line: int | None = None


def bonus_codes(indicators: Sequence[Indicator]) -> set[str]:
    """Codes of the bonus indicators: the bonus 一级 indicators and everything under them."""
    by_code = {i.code: i for i in indicators}
    result: set[str] = set()
    for ind in indicators:
        node: Indicator | None = ind
        for _ in range(len(by_code) + 1):  # bounded even on a cyclic input
            if node is None:
                break
            if node.parent is None:
                if node.bonus:
                    result.add(ind.code)
                break
            node = by_code.get(node.parent)
    return result


def _cycles(indicators: Sequence[Indicator], by_code: dict[str, Indicator]) -> dict[str, list[str]]:
    """Each indicator on a cycle of parents, with the cycle as codes."""
    on_cycle: dict[str, list[str]] = {}
    settled: set[str] = set()
    for ind in indicators:
        path: list[str] = []
        index: dict[str, int] = {}
        code: str | None = ind.code
        while code is not None and code in by_code and code not in settled and code not in index:
            index[code] = len(path)
            path.append(code)
            code = by_code[code].parent
        if code is not None and code in index:
            cycle = path[index[code] :]
            for k, member in enumerate(cycle):  # each member's message starts at itself
                on_cycle.setdefault(member, cycle[k:] + cycle[:k] + [member])
        settled.update(path)
    return on_cycle


def structure_problems(
    indicators: Sequence[Indicator],
    *,
    total: Decimal,
    bonus_total: Decimal | None,
    grades: GradeLines,
) -> list[Problem]:
    """Every broken rule of the module's list, in the order of the indicators."""
    problems: list[Problem] = []
    if not indicators:
        return [Problem(None, "indicators", "指标体系中没有任何指标")]
    if len(indicators) > MAX_INDICATORS:
        return [Problem(None, "indicators", f"指标共 {len(indicators)} 项,超过 {MAX_INDICATORS} 项的上限")]
    if not 0 < total <= MAX_POINTS:
        problems.append(Problem(None, "total", f"总分应大于 0 且不超过 {MAX_POINTS}: {total}"))

    by_code: dict[str, Indicator] = {}
    for ind in indicators:
        if ind.code in by_code:
            first = by_code[ind.code]
            where = f"第 {first.line} 行" if first.line else "前面"
            problems.append(Problem(ind.code, "code", f"指标编号 {ind.code} 重复({where}已有)", ind.line))
        else:
            by_code[ind.code] = ind

    cycles = _cycles(list(by_code.values()), by_code)
    tree_ok = True
    for ind in indicators:
        if by_code.get(ind.code) is not ind:
            continue  # a duplicate, reported above
        if ind.code in cycles:
            tree_ok = False
            ring = " → ".join(cycles[ind.code])
            problems.append(Problem(ind.code, "parent", f"上级关系成环: {ring}", ind.line))
            continue
        if ind.parent is None:
            if ind.level != 1:
                tree_ok = False
                problems.append(
                    Problem(ind.code, "parent", f"{ind.level.label}指标应填写上级指标编号", ind.line)
                )
            continue
        parent = by_code.get(ind.parent)
        if ind.level == 1:
            tree_ok = False
            problems.append(Problem(ind.code, "parent", "一级指标不能有上级指标", ind.line))
        elif parent is None:
            tree_ok = False
            problems.append(Problem(ind.code, "parent", f"上级指标 {ind.parent} 不存在", ind.line))
        elif parent.level != ind.level - 1:
            tree_ok = False
            problems.append(
                Problem(
                    ind.code,
                    "level",
                    f"{ind.level.label}指标的上级应为{Level(ind.level - 1).label}指标,"
                    f"而 {parent.code} 是{parent.level.label}指标",
                    ind.line,
                )
            )
        elif ind.bonus and not parent.bonus:
            tree_ok = False
            problems.append(
                Problem(ind.code, "bonus", f"加分项应为一级指标或在加分项之下,而上级 {parent.code} 不是加分项", ind.line)
            )
        elif parent.type is IndicatorType.MET or parent.veto:
            tree_ok = False
            kind = "一票否决" if parent.veto else "达标类"
            problems.append(
                Problem(ind.code, "parent", f"{kind}指标 {parent.code} 应为末级指标,不能有下级指标", ind.line)
            )
    if not tree_ok or len(by_code) != len(indicators):
        return problems  # sums over a broken tree would only repeat the same errors
    problems.extend(_sum_problems(indicators, total=total, bonus_total=bonus_total))
    problems.extend(_grade_problems(indicators, total=total, grades=grades))
    return problems


def _sum_problems(
    indicators: Sequence[Indicator], *, total: Decimal, bonus_total: Decimal | None
) -> list[Problem]:
    by_code = {i.code: i for i in indicators}
    sums: dict[str, Decimal] = {}
    top_sum = bonus_sum = Decimal(0)
    for ind in indicators:
        if ind.parent is not None:
            sums[ind.parent] = sums.get(ind.parent, Decimal(0)) + ind.points
        elif ind.bonus:
            bonus_sum += ind.points
        else:
            top_sum += ind.points
    problems: list[Problem] = []
    for code, got in sums.items():
        parent = by_code[code]
        if got != parent.points:
            problems.append(
                Problem(
                    code,
                    "points",
                    f"{parent.level.label}指标 {parent.label} 为 {_fmt(parent.points)} 分,"
                    f"其下级指标合计 {_fmt(got)} 分,二者应相等",
                    parent.line,
                )
            )
    if top_sum != total:
        problems.append(
            Problem(None, "total", f"一级指标合计 {_fmt(top_sum)} 分(加分项除外),与总分 {_fmt(total)} 分不符")
        )
    if bonus_total is not None and bonus_sum != bonus_total:
        problems.append(
            Problem(None, "bonus_total", f"加分项合计 {_fmt(bonus_sum)} 分,与加分上限 {_fmt(bonus_total)} 分不符")
        )
    problems.sort(key=lambda p: (p.line is None, p.line or 0))
    return problems


def _grade_problems(indicators: Sequence[Indicator], *, total: Decimal, grades: GradeLines) -> list[Problem]:
    top_bonus = sum((i.points for i in indicators if i.parent is None and i.bonus), Decimal(0))
    ceiling = total + top_bonus
    if grades.highest() > ceiling:
        return [Problem(None, "grades", f"等次分数线 {_fmt(grades.highest())} 高于可得的最高分 {_fmt(ceiling)}")]
    return []


def mapping_problems(indicators: Sequence[Indicator], catalog: Catalog) -> list[Problem]:
    """Measure refs and numeric indicator names the plan of `catalog` does not have."""
    refs = {m.ref for m in catalog.measures}
    metrics = {i.metric for i in catalog.indicators}
    problems: list[Problem] = []
    plan = catalog.plan.key
    for ind in indicators:
        for ref in ind.measures:
            if ref not in refs:
                problems.append(Problem(ind.code, "measures", f"方案 {plan} 中没有措施 {ref}", ind.line))
        for metric in ind.metrics:
            if metric not in metrics:
                problems.append(Problem(ind.code, "indicators", f"方案 {plan} 中没有数值指标“{metric}”", ind.line))
    return problems


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")
