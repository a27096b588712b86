"""The index system of one plan: a valid tree of indicators, a total and grade lines.

An `IndexSystem` cannot be built invalid (its constructor runs `rules.structure_problems` and
raises `InvalidIndexSystem` with every problem), so scoring can rely on the tree: every parent
exists one level up, points add up, 达标 and 一票否决 indicators are leaves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from checklists.indexsys.model import MAX_NAME_CHARS, Consolidation, GradeLines, Indicator
from checklists.indexsys.rules import Problem, bonus_codes, structure_problems

__all__ = ["FORMAT", "IndexSystem", "InvalidIndexSystem"]

FORMAT = 1


class InvalidIndexSystem(ValueError):
    """Indicators that do not make an index system; `problems` lists every broken rule."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class IndexSystem:
    """`plan` is the key of the plan it scores; `total` the declared full score without bonus;
    `bonus_total`, when declared, the bonus points on top; `consolidation` how the experts'
    scores become the panel's. `note` says where it came from (an example's rule)."""

    name: str
    plan: str
    total: Decimal
    indicators: tuple[Indicator, ...]
    grades: GradeLines
    consolidation: Consolidation = Consolidation.LEADER
    bonus_total: Decimal | None = None
    note: str = ""
    format: int = field(default=FORMAT)

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        if not self.name.strip() or len(self.name) > MAX_NAME_CHARS:
            problems.append(Problem(None, "name", f"指标体系名称不能为空,也不能超过 {MAX_NAME_CHARS} 字"))
        problems += structure_problems(
            self.indicators, total=self.total, bonus_total=self.bonus_total, grades=self.grades
        )
        if problems:
            raise InvalidIndexSystem(problems)

    @cached_property
    def _by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    @cached_property
    def _children(self) -> dict[str | None, tuple[Indicator, ...]]:
        grouped: dict[str | None, list[Indicator]] = {}
        for ind in self.indicators:
            grouped.setdefault(ind.parent, []).append(ind)
        return {k: tuple(v) for k, v in grouped.items()}

    @cached_property
    def bonus(self) -> frozenset[str]:
        """Codes of the bonus indicators (bonus 一级 indicators and everything under them)."""
        return frozenset(bonus_codes(self.indicators))

    def indicator(self, code: str) -> Indicator:
        """The indicator `code`; KeyError if the system has none."""
        return self._by_code[code]

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def children(self, code: str | None) -> tuple[Indicator, ...]:
        """The indicators directly under `code` (None: the 一级 indicators), in file order."""
        return self._children.get(code, ())

    @property
    def roots(self) -> tuple[Indicator, ...]:
        return self.children(None)

    @cached_property
    def leaves(self) -> tuple[Indicator, ...]:
        """The indicators scored directly (those without children), in file order."""
        return tuple(i for i in self.indicators if not self.children(i.code))

    def is_leaf(self, code: str) -> bool:
        return not self.children(code)

    @property
    def top_bonus(self) -> Decimal:
        """The bonus points on top of the total: the sum of the bonus 一级 indicators."""
        return sum((i.points for i in self.roots if i.bonus), Decimal(0))
