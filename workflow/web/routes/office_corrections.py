"""The office corrects a plan in the browser: its 校正 page, and the forms the import preview
shares with it (a measure's units and lead, deadline, kind and checklist; merge; split).

The routes only turn forms into edits (`checklists.correction_text`) and call the service,
which checks that the viewer administers the plan's zone (another zone's plan reads as a
missing one) and applies the edits in one audited transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from checklists.catalog import DeadlineKind, Measure, MeasureKind
from checklists.correction_text import form_values, measure_edits, parse_parts
from checklists.corrections import (
    KIND_LABELS,
    MAX_ITEM_TEXT,
    MAX_ITEMS,
    MAX_PART_TEXT,
    MAX_PARTS,
    CorrectionError,
    Edit,
    Merge,
    Split,
)
from workflow.errors import InputError, Refused, ZonecheckError
from workflow.services import plan_corrections
from workflow.web.routes.office import AdminDep
from workflow.web.security import AppDep
from workflow.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

DEADLINE_LABELS = {
    DeadlineKind.FIXED: "限期完成",
    DeadlineKind.FIXED_THEN_ONGOING: "限期完成后长期坚持",
    DeadlineKind.ONGOING: "长期坚持",
    DeadlineKind.ANNUAL: "每年",
    DeadlineKind.NONE: "未规定",
}
UNITS_FIELD = 5_000  # characters of one units field: 50 names of up to 100
CHECKLIST_FIELD = MAX_ITEMS * (MAX_ITEM_TEXT + 20)
PARTS_FIELD = MAX_PARTS * (MAX_PART_TEXT + 2)


@dataclass(frozen=True)
class MeasureForm:
    """A measure's correction form, as posted."""

    ref: str
    kind: str
    lead: str
    co: str
    group: str
    deadline_kind: str
    due: str
    month: str
    day: str
    deadline_text: str
    checklist: str

    def edits(self, current: Measure) -> list[Edit]:
        try:
            return measure_edits(
                current,
                kind=self.kind,
                lead=self.lead,
                co=self.co,
                group=self.group,
                deadline_kind=self.deadline_kind,
                due=self.due,
                month=self.month,
                day=self.day,
                deadline_text=self.deadline_text,
                checklist=self.checklist,
            )
        except CorrectionError as exc:
            raise InputError(f"措施 {current.ref}:{exc}") from None


def measure_form(
    ref: Annotated[str, Form(max_length=20)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    lead: Annotated[str, Form(max_length=UNITS_FIELD)] = "",
    co: Annotated[str, Form(max_length=UNITS_FIELD)] = "",
    group: Annotated[str, Form(max_length=UNITS_FIELD)] = "",
    deadline_kind: Annotated[str, Form(max_length=30)] = "",
    due: Annotated[str, Form(max_length=20)] = "",
    month: Annotated[str, Form(max_length=5)] = "",
    day: Annotated[str, Form(max_length=5)] = "",
    deadline_text: Annotated[str, Form(max_length=500)] = "",
    checklist: Annotated[str, Form(max_length=CHECKLIST_FIELD)] = "",
) -> MeasureForm:
    return MeasureForm(ref.strip(), kind, lead, co, group, deadline_kind, due, month, day, deadline_text, checklist)


MeasureFormDep = Annotated[MeasureForm, Depends(measure_form)]


@dataclass(frozen=True)
class ReshapeForm:
    """Merge (`refs`: 6、7) or split (`ref` and one part a line)."""

    action: str
    refs: str
    ref: str
    parts: str

    def edit(self) -> Edit:
        try:
            if self.action == "merge":
                names = [r for r in self.refs.replace(",", "、").replace(",", "、").split("、") if r.strip()]
                return Merge(refs=[r.strip() for r in names])
            if self.action == "split":
                return Split(ref=self.ref.strip(), parts=parse_parts(self.parts))
        except CorrectionError as exc:
            raise InputError(str(exc)) from None
        except ValueError:
            what = "合并:请填写至少两项措施的编号,如 6、7" if self.action == "merge" else "拆分:请填写措施编号,并逐行写出拆分后的至少两项内容"
            raise InputError(what) from None
        raise InputError("请选择合并或拆分")


def reshape_form(
    action: Annotated[str, Form(max_length=10)] = "",
    refs: Annotated[str, Form(max_length=500)] = "",
    ref: Annotated[str, Form(max_length=20)] = "",
    parts: Annotated[str, Form(max_length=PARTS_FIELD)] = "",
) -> ReshapeForm:
    return ReshapeForm(action, refs, ref, parts)


ReshapeFormDep = Annotated[ReshapeForm, Depends(reshape_form)]


def form_context(measures: list[Measure], ref: str) -> dict[str, Any]:
    """What the correction forms show: the chosen measure's fields, and the choices."""
    chosen = next((m for m in measures if m.ref == ref), None)
    return {
        "editing": form_values(chosen) if chosen is not None else None,
        "kind_labels": {k.value: v for k, v in KIND_LABELS.items()},
        "deadline_labels": {k.value: v for k, v in DEADLINE_LABELS.items()},
        "kinds": [k.value for k in MeasureKind],
    }


def _page(plan_id: int) -> str:
    return f"/office/plans/{plan_id}/corrections"


@router.get("/office/plans/{plan_id}/corrections")
def corrections_page(request: Request, zc: AppDep, viewer: AdminDep, plan_id: int, ref: str = "") -> Response:
    page = plan_corrections.correction_page(zc.uow(), viewer.actor, plan_id)
    return render(
        request,
        "office_corrections.html",
        viewer,
        page=page,
        worked={d.ref for d in page.measures if d.has_work},
        **form_context([d.spec for d in page.measures], ref[:20]),
    )


def _apply(zc: AppDep, viewer: AdminDep, plan_id: int, edits: list[Edit], back: str) -> Response:
    try:
        result = plan_corrections.correct_plan(zc.uow(), viewer.actor, plan_id, edits)
    except ZonecheckError as exc:
        if isinstance(exc, Refused) and exc.code != "measure_has_work":
            raise  # not this zone's admin: the 403 page (audited by the service)
        kind = "warn" if exc.code == "no_changes" else "error"
        return redirect(back, str(exc), kind=kind)
    return redirect(_page(plan_id), f"已保存校正:{';'.join(result.applied)}")


@router.post("/office/plans/{plan_id}/corrections")
def correct_measure(zc: AppDep, viewer: AdminDep, plan_id: int, form: MeasureFormDep) -> Response:
    page = plan_corrections.correction_page(zc.uow(), viewer.actor, plan_id)
    current = next((d.spec for d in page.measures if d.ref == form.ref), None)
    back = f"{_page(plan_id)}?ref={form.ref}#edit"
    if current is None:
        return redirect(_page(plan_id), f"方案 {page.key} 中没有编号为“{form.ref}”的措施", kind="error")
    try:
        edits = form.edits(current)
    except InputError as exc:
        return redirect(back, str(exc), kind="error")
    return _apply(zc, viewer, plan_id, edits, back)


@router.post("/office/plans/{plan_id}/corrections/reshape")
def reshape_measures(zc: AppDep, viewer: AdminDep, plan_id: int, form: ReshapeFormDep) -> Response:
    plan_corrections.correction_page(zc.uow(), viewer.actor, plan_id)  # 404 before reading the form
    try:
        edit = form.edit()
    except InputError as exc:
        return redirect(_page(plan_id), str(exc), kind="error")
    return _apply(zc, viewer, plan_id, [edit], _page(plan_id))
