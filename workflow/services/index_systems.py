"""A plan's evaluation index system (评价指标体系) and the office's self-scores by it.

Only admins of the plan's zone load an index system and score the zone against it (the
operator, without `--as`, may load one); anyone of a zone that cannot see the plan is told
what a missing plan gets. Experts score through `workflow.services.expert_scores`, which
checks its marks with `leaf_mark` here.

Reloading replaces the plan's system only while no score (self or expert) refers to it:
afterwards a changed system would silently change what those scores mean, so the load is
refused and the office must keep the system it scored against.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from checklists.indexsys.example import example_index
from checklists.indexsys.model import MAX_CODE_CHARS
from checklists.indexsys.reading import IndexFileError
from checklists.indexsys.system import IndexSystem
from checklists.indexsys.xlsx_file import MAX_XLSX_BYTES, load_index_xlsx
from checklists.indexsys.yaml_file import dump_index, load_index_yaml
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, authorize
from workflow.domain.scoring import Mark, ScoreError, check_marks, mark_points
from workflow.errors import Conflict, InputError, NotFound, Refused
from workflow.models import (
    Evidence,
    IndexIndicatorRow,
    IndexSystemRow,
    Indicator,
    IndicatorReport,
    Measure,
    Plan,
    SelfScore,
)
from workflow.read.plans import plan_by_id
from workflow.services.acting import person_required, plan_target, run_audited, run_read
from workflow.services.audit_log import AuditChain
from workflow.services.index_store import current_row, rows_of, score_count, system_of
from workflow.services.plan_catalog import catalog_from_plan

LOAD_ACTION = "index_load"
SCORE_ACTION = "score_self"
# The larger of the two formats' bounds (XLSX 5 MB; YAML 2 MB is checked by its reader).
MAX_INDEX_FILE_BYTES = MAX_XLSX_BYTES
MAX_STATEMENT_CHARS = 4000
MAX_SCORE_EVIDENCE = 20
MAX_ROUND = 20  # review rounds of one plan: one or two in practice


@dataclass(frozen=True)
class LoadedIndex:
    plan_key: str
    name: str
    indicators: int
    leaves: int
    replaced: bool  # an earlier (unscored) system was replaced


@dataclass(frozen=True)
class SelfScoreSet:
    plan_key: str
    label: str  # the indicator, "1.1 建立工作机制"
    points: Decimal  # what the mark is worth
    round: int
    version: int


def may_self_score(session: Session, actor: Actor, plan_id: int) -> Plan:
    """The plan, if `actor` administers its zone (another zone's reads as a missing plan)."""
    plan = plan_by_id(session, actor, plan_id)
    authorize(actor, Work.ADMINISTER, zone_id=plan.zone_id)
    return plan


def parse_index_file(data: bytes, source: str, session: Session, plan: Plan) -> IndexSystem:
    """The index system in `data` (XLSX told by content, else UTF-8 YAML), checked against
    the plan's catalog; InputError naming the file, line or row and field."""
    if len(data) > MAX_INDEX_FILE_BYTES:
        raise InputError(f"{source}: 文件超过 {MAX_INDEX_FILE_BYTES // (1024 * 1024)} MB,不是指标体系文件", code="index_invalid")
    catalog = catalog_from_plan(session, plan)
    try:
        if data[:4] == b"PK\x03\x04":
            return load_index_xlsx(data, source=source, catalog=catalog)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise IndexFileError(f"{source}: 第 {line} 行不是 UTF-8 文本;指标体系应为 UTF-8 的 YAML 或 .xlsx 表格") from None
        return load_index_yaml(text, source=source, catalog=catalog)
    except IndexFileError as exc:
        raise InputError(str(exc), code="index_invalid") from None


def load_index(uow: UnitOfWork, actor: Actor | None, plan_id: int, source: str, data: bytes) -> LoadedIndex:
    """Load (or, while nothing is scored, replace) plan `plan_id`'s index system from a file."""

    def work(session: Session, chain: AuditChain) -> LoadedIndex:
        plan = plan_by_id(session, actor, plan_id)
        if actor is not None:
            authorize(actor, Work.ADMINISTER, zone_id=plan.zone_id)
        system = parse_index_file(data, source, session, plan)
        old = current_row(session, plan)
        if old is not None:
            scored = score_count(session, old)
            if scored:
                raise Refused(
                    f"方案 {plan.key} 的指标体系“{old.name}”已有 {scored} 项评分,不能再替换"
                    "(替换会改变已评分数的含义);评分须按原指标体系进行",
                    code="index_scored",
                    params={"plan": plan.key},
                )
            session.delete(old)
            session.flush()  # the old rows go before the new ones take the plan's one place
        row = rows_of(system, plan, source_name=source[:500], source_sha256=hashlib.sha256(data).hexdigest())
        row.person_id = actor.id if actor is not None else None
        session.add(row)
        leaves = len(system.leaves)
        chain.append(
            actor,
            LOAD_ACTION,
            plan.key,
            comment=f"{'替换' if old else '载入'}指标体系“{system.name}”:{len(system.indicators)} 项指标,{leaves} 项计分",
            detail={"source": source[:500], "sha256": hashlib.sha256(data).hexdigest(), "total": str(system.total)},
        )
        return LoadedIndex(plan.key, system.name, len(system.indicators), leaves, old is not None)

    return run_audited(uow, actor, LOAD_ACTION, plan_target(plan_id), work)


def example_index_yaml(uow: UnitOfWork, viewer: Actor | None, plan_id: int) -> str:
    """The example index system of plan `plan_id` (built from its structure), as YAML."""

    def read(session: Session) -> str:
        plan = plan_by_id(session, viewer, plan_id)
        return dump_index(example_index(catalog_from_plan(session, plan)))

    return run_read(uow, viewer, "index_example", plan_target(plan_id), read)


def leaf_mark(
    row: IndexSystemRow | None, plan: Plan, code: str, mark: Mark, doing: str
) -> tuple[IndexSystem, IndexIndicatorRow, Mark]:
    """The system, the row of leaf `code` and `mark` checked against it, for a score about
    to be given (`doing`: 自评打分, 评分); Refused or NotFound saying what is wrong."""
    if row is None:
        raise Refused(f"方案 {plan.key} 尚未载入评价指标体系,无法{doing}", code="no_index", params={"plan": plan.key})
    system = system_of(row, plan.key)
    if code not in system:
        raise NotFound(
            f"方案 {plan.key} 的指标体系中没有编号为“{code}”的指标", code="index_code_missing", params={"plan": plan.key}
        )
    try:
        checked = check_marks(system, {code: mark})[code]
    except ScoreError as exc:
        raise Refused(str(exc), code="score_invalid") from None
    return system, next(i for i in row.indicators if i.code == code), checked


def _check_request(code: str, statement: str, evidence_ids: Sequence[int], round: int) -> None:
    if not code.strip() or len(code) > MAX_CODE_CHARS:
        raise InputError(f"指标编号应为 1-{MAX_CODE_CHARS} 个字符,收到“{code[:MAX_CODE_CHARS]}…”")
    if not statement.strip():
        raise InputError("自评分须附自评说明(得分依据)", code="score_statement")
    if len(statement) > MAX_STATEMENT_CHARS:
        raise InputError(f"自评说明过长({len(statement)} 字),不能超过 {MAX_STATEMENT_CHARS} 字")
    if len(evidence_ids) > MAX_SCORE_EVIDENCE:
        raise InputError(f"一项自评分至多关联 {MAX_SCORE_EVIDENCE} 份佐证材料,收到 {len(evidence_ids)} 份")
    if len(set(evidence_ids)) != len(evidence_ids):
        raise InputError("关联的佐证材料有重复")
    if not 1 <= round <= MAX_ROUND:
        raise InputError(f"评审轮次应为 1 到 {MAX_ROUND},收到 {round}")


def _plan_evidence(session: Session, plan: Plan, evidence_ids: Sequence[int]) -> list[int]:
    """`evidence_ids`, if each is current evidence of the plan (of a measure or a reported
    value); another plan's reads as a missing one."""
    if not evidence_ids:
        return []
    found = set(
        session.scalars(
            select(Evidence.id)
            .outerjoin(Measure, Measure.id == Evidence.measure_id)
            .outerjoin(IndicatorReport, IndicatorReport.id == Evidence.indicator_report_id)
            .outerjoin(Indicator, Indicator.id == IndicatorReport.indicator_id)
            .where(
                Evidence.id.in_(list(evidence_ids)),
                Evidence.superseded_by_id.is_(None),
                Evidence.removed_at.is_(None),
                or_(Measure.plan_id == plan.id, Indicator.plan_id == plan.id),
            )
        )
    )
    missing = [i for i in evidence_ids if i not in found]
    if missing:
        raise NotFound(
            f"方案 {plan.key} 中没有编号为 {'、'.join(map(str, missing))} 的佐证材料(或已被替换、删除)",
            code="evidence_missing",
        )
    return list(evidence_ids)


def set_self_score(
    uow: UnitOfWork,
    actor: Actor | None,
    plan_id: int,
    code: str,
    mark: Mark,
    statement: str,
    evidence_ids: Sequence[int] = (),
    *,
    round: int = 1,
    expected_version: int | None = None,
) -> SelfScoreSet:
    """The office's self-score of leaf indicator `code` (a 评分 indicator's points, or whether
    a 达标 one is met), with its statement and evidence, in one audited transaction."""
    person = person_required(actor)
    _check_request(code, statement, evidence_ids, round)

    def work(session: Session, chain: AuditChain) -> SelfScoreSet:
        plan = may_self_score(session, person, plan_id)
        row = current_row(session, plan)
        if row is not None and row.self_scoring_closed_at is not None:
            raise Refused(
                f"方案 {plan.key} 的形式审查已于 {row.self_scoring_closed_at:%Y-%m-%d} 结束,自评分不能再修改",
                code="self_scoring_closed",
            )
        system, indicator_row, checked = leaf_mark(row, plan, code, mark, "自评打分")
        evidence = _plan_evidence(session, plan, evidence_ids)
        score = session.scalar(
            select(SelfScore).where(SelfScore.indicator_id == indicator_row.id, SelfScore.round == round)
        )
        if score is None:
            score = SelfScore(indicator_id=indicator_row.id, round=round)
            session.add(score)
        elif expected_version is not None and score.version_id != expected_version:
            raise Conflict(
                f"指标 {system.indicator(code).label} 的自评分在您查看之后已被他人修改"
                f"(版本 {expected_version} → {score.version_id}),本次操作未生效;请重新查看后再试"
            )
        is_met = isinstance(checked, bool)
        score.points = None if is_met else Decimal(checked)
        score.met = checked if isinstance(checked, bool) else None
        score.statement = statement
        score.evidence_ids = evidence
        score.person_id = person.id
        score.scored_at = dt.datetime.now(dt.UTC)
        try:
            session.flush()
        except IntegrityError:  # someone gave the first score of this indicator at the same time
            raise Conflict(
                f"指标 {system.indicator(code).label} 刚被他人自评打分,本次操作未生效;请重新查看后再试"
            ) from None
        indicator = system.indicator(code)
        worth = mark_points(indicator, checked)
        said = ("达标" if checked else "不达标") if isinstance(checked, bool) else f"{format(worth.normalize(), 'f')} 分"
        chain.append(
            person,
            SCORE_ACTION,
            plan.key,
            comment=f"自评 {indicator.label}:{said}(第 {round} 轮)",
            detail={"code": code, "round": round, "mark": said, "evidence": evidence, "statement": statement[:200]},
        )
        return SelfScoreSet(plan.key, indicator.label, worth, round, score.version_id)

    return run_audited(uow, person, SCORE_ACTION, plan_target(plan_id), work)
