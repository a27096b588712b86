"""The measure lifecycle as a state machine (transitions), with its guards as plain rules.

One module-level machine serves every measure: `fire()` triggers an event on the object, so
binding costs nothing per measure and no model is kept alive by the machine. The persisted
`state` attribute is the single source of truth; the machine only reads and sets it.

Guards are the transitions' conditions. They decide from a `Request`: the facts the service
gathered (pending unit parts, checklist items short of evidence, …) and what the actor typed.
They need no database, so tests drive them with plain objects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from transitions import EventData, Machine, MachineError

from workflow.domain.states import ACTION_LABELS, STATE_LABELS, Action, MeasureState
from workflow.errors import Refused


class HasState(Protocol):
    state: MeasureState


@dataclass(frozen=True)
class ItemShortfall:
    """A required checklist item with fewer pieces of evidence than it needs."""

    position: int
    text: str
    needed: int
    have: int


@dataclass
class Request:
    """What the actor asks for, and the facts the guards decide on (gathered by the service)."""

    measure_label: str = "该措施"
    statement: str = ""
    comment: str = ""
    pending_parts: Sequence[str] = ()
    unmapped_groups: Sequence[str] = ()
    items_short: Sequence[ItemShortfall] = ()
    missing_years: Sequence[int] = ()
    ongoing_without_dated_evidence: bool = False
    reviews_in_round: int = 0
    levels_passed: int = 0
    levels_required: int = 1
    refusals: list[str] = field(default_factory=list)
    refusal_codes: list[str] = field(default_factory=list)  # one per refusal, in order


Rule = Callable[[Request], str | None]  # returns the reason it refuses, or None
RULE_CODES: dict[Rule, str] = {}  # each rule's refusal code, for the front ends' own hints


def _code(code: str) -> Callable[[Rule], Rule]:
    def register(rule: Rule) -> Rule:
        RULE_CODES[rule] = code
        return rule

    return register


@_code("no_statement")
def _statement_given(r: Request) -> str | None:
    return None if r.statement.strip() else "缺少自查情况说明"


@_code("groups_unmapped")
def _groups_mapped(r: Request) -> str | None:
    if not r.unmapped_groups:
        return None
    names = "、".join(r.unmapped_groups)
    return f"“{names}”尚未指定成员单位"


@_code("parts_pending")
def _parts_done(r: Request) -> str | None:
    if not r.pending_parts:
        return None
    return f"以下责任单位尚未标记完成其负责部分:{'、'.join(r.pending_parts)}"


@_code("items_short")
def _checklist_evidenced(r: Request) -> str | None:
    if not r.items_short:
        return None
    parts = [
        f"第 {s.position} 项“{_short(s.text)}”需 {s.needed} 份、已有 {s.have} 份"
        for s in r.items_short
    ]
    return f"清单条目缺少佐证材料:{';'.join(parts)}"


@_code("years_missing")
def _every_year_evidenced(r: Request) -> str | None:
    if not r.missing_years:
        return None
    years = "、".join(f"{y}年度" for y in r.missing_years)
    return f"每年须有当年的佐证材料,缺少 {years} 的材料"


@_code("undated_evidence")
def _ongoing_dated_in_period(r: Request) -> str | None:
    if not r.ongoing_without_dated_evidence:
        return None
    return "持续推进的措施须有方案实施期内成文的佐证材料"


@_code("review_started")
def _not_reviewed_yet(r: Request) -> str | None:
    if r.reviews_in_round == 0:
        return None
    return "审核已开始,不能撤回;如需修改请联系领导小组办公室退回整改"


@_code("levels_pending")
def _all_levels_passed(r: Request) -> str | None:
    if r.levels_passed >= r.levels_required:
        return None
    return f"尚有审核层级未通过(已通过 {r.levels_passed}/{r.levels_required} 级)"


@_code("no_comment")
def _comment_given(r: Request) -> str | None:
    return None if r.comment.strip() else "退回整改须填写整改意见"


@_code("no_reason")
def _reason_given(r: Request) -> str | None:
    return None if r.comment.strip() else "重新打开须说明原因"


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _all_of(*rules: Rule) -> Callable[[EventData], bool]:
    """One condition that runs every rule, so a refusal names every reason at once."""

    def condition(event: EventData) -> bool:
        request: Request = event.kwargs["request"]
        for rule in rules:
            reason = rule(request)
            if reason:
                request.refusals.append(reason)
                request.refusal_codes.append(RULE_CODES[rule])
        return not request.refusals

    condition.__name__ = "+".join(rule.__name__.strip("_") for rule in rules)
    return condition


S = MeasureState
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": Action.START, "source": S.PLANNED, "dest": S.IN_PROGRESS},
    {
        "trigger": Action.SUBMIT_SELF_CHECK,
        "source": S.IN_PROGRESS,
        "dest": S.SELF_CHECKED,
        "conditions": _all_of(
            _statement_given,
            _groups_mapped,
            _parts_done,
            _checklist_evidenced,
            _every_year_evidenced,
            _ongoing_dated_in_period,
        ),
    },
    {
        "trigger": Action.WITHDRAW,
        "source": S.SELF_CHECKED,
        "dest": S.IN_PROGRESS,
        "conditions": _all_of(_not_reviewed_yet),
    },
    {
        "trigger": Action.ACCEPT,
        "source": S.SELF_CHECKED,
        "dest": S.ACCEPTED,
        "conditions": _all_of(_all_levels_passed),
    },
    {
        "trigger": Action.RETURN_FOR_RECTIFICATION,
        "source": S.SELF_CHECKED,
        "dest": S.IN_PROGRESS,
        "conditions": _all_of(_comment_given),
    },
    {
        "trigger": Action.REOPEN,
        "source": S.ACCEPTED,
        "dest": S.IN_PROGRESS,
        "conditions": _all_of(_reason_given),
    },
]
for _t in TRANSITIONS:
    _t["trigger"] = _t["trigger"].value

MACHINE = Machine(
    model=None,
    states=MeasureState,
    transitions=TRANSITIONS,
    initial=None,
    model_attribute="state",
    auto_transitions=False,
    send_event=True,
)

SOURCES: dict[Action, MeasureState] = {Action(t["trigger"]): t["source"] for t in TRANSITIONS}


def allowed_actions(state: MeasureState) -> list[Action]:
    """The triggers whose source is `state` (guards not evaluated)."""
    return [action for action, source in SOURCES.items() if source is state]


def fire(measure: HasState, action: Action, request: Request) -> tuple[MeasureState, MeasureState]:
    """Trigger `action` on `measure`; (from, to) on success, `Refused` with every reason otherwise."""
    before = measure.state
    if not isinstance(before, MeasureState):
        # transitions looks states up by enum *name*, so None (a measure not flushed yet, whose
        # default only applies at INSERT) or a raw value would escape as a bare ValueError.
        # Refuse instead, and leave the attribute exactly as it was.
        shown = "未设定" if before is None else f"“{before}”(无法识别)"
        raise Refused(f"{request.measure_label}的状态{shown},不能{ACTION_LABELS[action]}", code="bad_state")
    try:
        moved = MACHINE.events[action.value].trigger(measure, request=request)
    except MachineError:
        raise wrong_state(request.measure_label, before, action) from None
    if not moved:
        # One refusal naming every reason; its code is the reason's when there is only one.
        codes = list(request.refusal_codes)
        raise Refused(
            f"{request.measure_label}不能{ACTION_LABELS[action]}:{';'.join(request.refusals)}",
            code=codes[0] if len(codes) == 1 else "conditions_unmet",
            params={"label": request.measure_label, "action": action.value, "reasons": codes},
        )
    return before, measure.state


def wrong_state(label: str, state: MeasureState, action: Action) -> Refused:
    return Refused(
        wrong_state_message(label, state, action),
        code="wrong_state",
        params={"label": label, "state": state.value, "action": action.value},
    )


def wrong_state_message(label: str, state: MeasureState, action: Action) -> str:
    source = SOURCES[action]
    return (
        f"{label}当前为“{STATE_LABELS[state]}”,不能{ACTION_LABELS[action]}"
        f"(只有“{STATE_LABELS[source]}”的措施可以{ACTION_LABELS[action]})"
    )
