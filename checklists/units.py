"""Responsibility clauses: who does a measure, in which role, and by when.

A clause is the trailing parenthetical of a measure without its outer brackets
(`区市场监管局、区司法局按职责分工负责;2025年12月底前完成`) or the units cell of a task table.
Its top-level `;` and `,` pieces are a deadline, a label (`牵头单位:`), the plan's lead rule
(`列第一位的为牵头单位,下同`), units written once for later measures (`以下均需…落实`), or a
list of units marked `牵头`/`配合`/`负责`; `unit_names` splits each list into names.

Bound (`checklists.limits`): a clause is at most `MAX_CLAUSE_CHARS` long.

`is_group` and `normalise_unit_name` live in `unit_names` and are importable from here too,
as they always were.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from checklists.catalog import Deadline, UnitRef, UnitRole
from checklists.deadlines import parse_deadline
from checklists.limits import MAX_CLAUSE_CHARS
from checklists.memo import remembered
from checklists.records import fresh_copy
from checklists.text import (
    depth_map,
    fold_width,
    split_top_level,
    top_level_groups,
    trailing_group,
)
from checklists.unit_names import is_group, looks_like_unit, normalise_unit_name, split_unit_names

__all__ = [
    "ClauseReader",
    "LeadRule",
    "Responsibility",
    "is_group",
    "lead_rule",
    "looks_like_units",
    "normalise_unit_name",
    "parse_responsibility",
    "trailing_clause",
    "unit_tags",
]

# Words after a unit list that say how the units share the work. Longest first, so
# `按职责分工负责` goes before `负责` leaves `按职责分工` behind.
_DUTY_SUFFIXES = (
    "按照职责分工负责",
    "按职责分工负责",
    "按职能分工负责",
    "按职责分工落实",
    "按分工负责",
    "按职责负责",
    "分工负责",
    # Before `牵头` or `配合`: `省财政厅按职责分工牵头`.
    "按照职责分工",
    "按职责分工",
    "按职能分工",
    "共同负责",
    "负责",
    "等有关部门",
    "等相关部门",
    "等有关单位",
    "等相关单位",
    "等部门",
    "等单位",
    "等",
)
_LEAD_MARK = "牵头"
_PARTNER_RE = re.compile("会同")
_CO_MARK = "配合"
# Table cells sometimes label the lists: `牵头单位:区市场监管局`.
_LABEL_RE = re.compile(
    r"^(牵头单位|牵头部门|责任单位|责任部门|负责单位|负责部门|主责单位|配合单位|配合部门|协同单位|"
    r"参与单位|参与部门|协办单位)\s*[::]\s*"
)
_LEAD_LABELS = ("牵头单位", "牵头部门", "主责单位")
_CO_LABELS = ("配合单位", "配合部门", "协同单位", "参与单位", "参与部门", "协办单位")
# A plan's own rule for which listed unit leads, written inside its first unit clause:
# `列第一位的为牵头单位,下同`, `排在第一位的为牵头部门`, `第一个逗号前为牵头单位`.
_LEAD_RULE_RE = re.compile(r"^(?:[列排]在?第一位?(?:的|者)?|第一个逗号前(?:的|者)?)(?:单位|部门)?为牵头")
_FIRST_COMMA_RULE = "逗号"
# `下同` (so it is for the measures below as well) alone, once the rule's piece is cut off;
# `不再列出` (not listed again) after units that every later measure has.
_SAME_BELOW = ("下同", "不再列出")
# `以下各项任务均需各县(市、区)人民政府落实`: units every later measure has, unlisted.
_STANDING_RE = re.compile(r"^以下(?:各项)?(?:任务|措施)?均(?:需|由|须)(?P<units>.+?)(?:负责)?落实$")
_DEADLINE_LABEL_RE = re.compile(r"^(?:完成时限|完成时间|时间节点|时限要求|完成期限)\s*[::]\s*")

_SPACE_RE = re.compile(r"\s+")
_BARE_YEAR_RE = re.compile(r"\d{4}年")
_DUTY_MARK_RE = re.compile("负责|牵头")


class LeadRule(Enum):
    """Which listed units lead when none is marked `牵头`: a plan states it once (`下同`)."""

    FIRST_LISTED = "first_listed"  # the usual reading, and `列第一位的为牵头单位`
    BEFORE_FIRST_COMMA = "before_first_comma"  # `第一个逗号前为牵头单位`


@dataclass(frozen=True)
class Responsibility:
    """What a responsibility clause says.

    `units` in the order written, each with its role; `deadline` is the clause's deadline
    piece, or None when it has none; `rest` holds pieces that are neither units nor the
    deadline (including any second deadline), as written, for the parser to warn about.
    `rule` is a lead rule the clause states for itself and the measures after it;
    `marked_lead` says a unit was marked `牵头` (by a word or a label), not read as first;
    `standing` are units the clause says every later measure has (`以下均需…落实,不再列出`).
    """

    units: list[UnitRef] = field(default_factory=list)
    deadline: Deadline | None = None
    rest: list[str] = field(default_factory=list)
    rule: LeadRule | None = None
    marked_lead: bool = False
    standing: list[UnitRef] = field(default_factory=list)  # units every later measure has


@dataclass(frozen=True)
class _UnitPiece:
    names: tuple[str, ...]
    mark: UnitRole | None  # LEAD for `牵头`, CO for `配合`, None when unmarked
    had_duty_word: bool
    labelled: bool = False  # began with `责任单位:`, `牵头单位:`…


@remembered
def _strip_marks(piece: str) -> _UnitPiece:
    """Take the duty words, `牵头` and `配合` off the end of a unit list and split it."""
    text = piece.strip()
    mark: UnitRole | None = None
    duty = False
    if label := _LABEL_RE.match(fold_width(text)):
        # `责任单位:` names units without ranking them: the first-listed rule applies.
        if label.group(1) in _LEAD_LABELS:
            mark = UnitRole.LEAD
        elif label.group(1) in _CO_LABELS:
            mark = UnitRole.CO
        duty = True
        text = text[label.end() :]
    if text.startswith("由"):
        text = text[1:]
    # Words come off the end one at a time; `end` moves instead of the text being copied.
    end = len(text)
    changed = True
    while changed:
        changed = False
        for suffix in _DUTY_SUFFIXES:
            if end > len(suffix) and text.endswith(suffix, 0, end):
                end, changed, duty = _rstrip_end(text, end - len(suffix)), True, True
                break
        for word, role in ((_LEAD_MARK, UnitRole.LEAD), (_CO_MARK, UnitRole.CO)):
            if end > len(word) and text.endswith(word, 0, end):
                end, changed, duty = _rstrip_end(text, end - len(word)), True, True
                mark = mark or role
    text = text[:end]
    return _UnitPiece(names=tuple(split_unit_names(text)), mark=mark, had_duty_word=duty, labelled=bool(label))


def _rstrip_end(text: str, end: int) -> int:
    """The end of `text[:end].rstrip()`."""
    while end and text[end - 1].isspace():
        end -= 1
    return end


def _assign_roles(
    pieces: list[_UnitPiece], leading: int = 0
) -> tuple[list[UnitRef], bool]:
    """Groups get `group`; marked `牵头` units lead; with no mark the first listed unit leads,
    or (under `第一个逗号前为牵头单位`) the first `leading` pieces' units.

    Also whether a lead was marked rather than read from the order.
    """
    any_lead = any(p.mark is UnitRole.LEAD for p in pieces)
    units: list[UnitRef] = []
    seen: set[str] = set()
    lead_given = any_lead
    for index, piece in enumerate(pieces):
        for name in piece.names:
            key = normalise_unit_name(name)
            if key in seen:
                continue
            seen.add(key)
            if is_group(name):
                role = UnitRole.GROUP
            elif any_lead:
                role = UnitRole.LEAD if piece.mark is UnitRole.LEAD else UnitRole.CO
            elif index < leading and piece.mark is not UnitRole.CO:
                role = UnitRole.LEAD
            elif not leading and not lead_given and piece.mark is not UnitRole.CO:
                # Chinese plans list the leading unit first when none is marked `牵头`.
                role, lead_given = UnitRole.LEAD, True
            else:
                role = UnitRole.CO
            units.append(UnitRef(name=name, role=role))
    return units, any_lead


def lead_rule(piece: str) -> LeadRule | None:
    """The lead rule a piece of a clause states (`列第一位的为牵头单位`), if it is one."""
    m = _LEAD_RULE_RE.match(fold_width(piece).strip())
    if m is None:
        return None
    return LeadRule.BEFORE_FIRST_COMMA if _FIRST_COMMA_RULE in m.group() else LeadRule.FIRST_LISTED


def parse_responsibility(clause: str, rule: LeadRule = LeadRule.FIRST_LISTED) -> Responsibility:
    """Read a responsibility clause into units with roles, a deadline and leftover pieces.

    The clause's first sentence lists the units (further sentences are rules or notes, such
    as `列第一位的为牵头单位,下同`); a piece after `牵头单位:…` without a label of its own
    continues that label's list. `rule` is the plan's lead rule as read so far.
    """
    deadline: Deadline | None = None
    unit_pieces: list[_UnitPiece] = []
    rest: list[str] = []
    stated: LeadRule | None = None
    standing: list[UnitRef] = []
    carried: UnitRole | None = None  # the role of the last label, for the pieces after it
    leading = 0  # pieces before the clause's first comma
    sentences = split_top_level(clause, "。")
    for number, sentence in enumerate(sentences):
        for piece in _with_partners(split_top_level(sentence, ";,")):
            bare = fold_width(piece).strip()
            if (found_rule := lead_rule(bare)) is not None:
                stated = found_rule
                continue
            if bare in _SAME_BELOW:
                continue
            if standing_units := _STANDING_RE.match(bare):
                standing += [_standing(name) for name in split_unit_names(standing_units["units"])]
                continue
            labelled = _DEADLINE_LABEL_RE.match(fold_width(piece))
            found = parse_deadline(piece[labelled.end() :] if labelled else piece)
            if found is not None:
                if deadline is None:
                    deadline = found
                else:
                    rest.append(piece)
                continue
            listed = _strip_marks(piece)
            if listed.labelled:
                carried = listed.mark
            elif carried is not None and listed.mark is None:
                listed = _UnitPiece(listed.names, carried, had_duty_word=True, labelled=True)
            if number == 0 and listed.names and (
                listed.had_duty_word or any(looks_like_unit(n) for n in listed.names)
            ):
                unit_pieces.append(listed)
            else:
                rest.append(piece)
        if number == 0 and (stated or rule) is LeadRule.BEFORE_FIRST_COMMA:
            leading = _pieces_before_comma(sentence, len(unit_pieces))
    units, marked = _assign_roles(unit_pieces, leading)
    return Responsibility(
        units=units,
        deadline=deadline,
        rest=rest,
        rule=stated,
        marked_lead=marked,
        standing=standing,
    )


def _standing(name: str) -> UnitRef:
    return UnitRef(name=name, role=UnitRole.GROUP if is_group(name) else UnitRole.CO)


def _with_partners(pieces: list[str]) -> list[str]:
    """`区市场监管局会同区司法局负责` → `区市场监管局牵头`, `区司法局配合`: the unit that acts
    `会同` (together with) the others leads them."""
    out: list[str] = []
    for piece in pieces:
        if "会同" not in piece:
            out.append(piece)
            continue
        depths = depth_map(fold_width(piece))
        at = next((m.start() for m in _PARTNER_RE.finditer(piece) if not depths[m.start()]), -1)
        if at <= 0 or _LABEL_RE.match(fold_width(piece)):
            out.append(piece)
            continue
        out += [f"{piece[:at].strip()}{_LEAD_MARK}", f"{piece[at + 2 :].strip()}{_CO_MARK}"]
    return out


def _pieces_before_comma(sentence: str, count: int) -> int:
    """How many of a sentence's pieces stand before its first top-level `,` (at most `count`)."""
    first = split_top_level(sentence, ",")
    return min(count, len(split_top_level(first[0], ";"))) if first else 0


def trailing_clause(
    text: str, is_clause: Callable[[str], bool] | None = None
) -> tuple[str, str] | None:
    """(text, clause) when the text ends in a `(units;deadline)` clause (of at most
    `MAX_CLAUSE_CHARS`); None when it ends otherwise or in an aside such as `(试行)`.

    `is_clause` stands in for `looks_like_units` (a `ClauseReader` passes its remembering one).
    """
    split = trailing_group(text, limit=MAX_CLAUSE_CHARS)
    return split if split and (is_clause or looks_like_units)(split[1]) else None


_SENTENCE_ENDS = "。;!?"


def unit_tags(
    text: str, is_clause: Callable[[str], bool] | None = None
) -> tuple[str, list[str]] | None:
    """(text without its unit tags, the tags' insides in order) when the text has any.

    A unit tag is the trailing `(units;deadline)` clause, or a clause in brackets that follows
    the end of a sentence inside the text: plans tag each sentence of a long measure with its
    own units (`…提升消费体验。(省商务厅负责)推动…(省体育局负责)`). An aside such as
    `(以下简称OPC)` stands inside a sentence and is left alone.
    """
    check = is_clause or looks_like_units
    body, tags = text, []
    if (split := trailing_clause(text, check)) is not None:
        body, tags = split[0], [split[1]]
    kept: list[str] = []
    inner_tags: list[str] = []
    done = 0
    text_end = len(body.rstrip())
    for start, end in top_level_groups(body, limit=MAX_CLAUSE_CHARS):
        before = start - 1
        while before >= 0 and body[before].isspace():
            before -= 1
        at_end = end >= text_end
        if not (at_end or (before >= 0 and fold_width(body[before]) in _SENTENCE_ENDS)):
            continue
        inner = body[start + 1 : end - 1].strip()
        if not check(inner):
            continue
        kept.append(body[done:start])
        inner_tags.append(inner)
        done = end
    if inner_tags:
        kept.append(body[done:])
        body = "".join(kept).strip()
        tags = inner_tags + tags
    return (body, tags) if tags else None


class ClauseReader:
    """The clauses of one document, each distinct clause read once.

    Plans repeat their clauses: seed 000 has 36 distinct ones for 70 measures, and a plan
    ten times longer would add few. Each measure gets its own copies of the units and the
    deadline, so a later edit to one measure never shows in another.
    """

    def __init__(self) -> None:
        self._looks: dict[str, bool] = {}
        self._read: dict[tuple[str, LeadRule], Responsibility] = {}

    def looks_like_units(self, clause: str) -> bool:
        if (known := self._looks.get(clause)) is None:
            known = self._looks[clause] = looks_like_units(clause)
        return known

    def trailing_clause(self, text: str) -> tuple[str, str] | None:
        return trailing_clause(text, self.looks_like_units)

    def unit_tags(self, text: str) -> tuple[str, list[str]] | None:
        return unit_tags(text, self.looks_like_units)

    def responsibility(
        self, clause: str, rule: LeadRule = LeadRule.FIRST_LISTED
    ) -> Responsibility:
        if (read := self._read.get((clause, rule))) is None:
            read = self._read[(clause, rule)] = parse_responsibility(clause, rule)
            return read  # the first reader takes the original, later ones copies
        return Responsibility(
            units=[fresh_copy(unit) for unit in read.units],
            deadline=fresh_copy(read.deadline) if read.deadline else None,
            rest=list(read.rest),
            rule=read.rule,
            marked_lead=read.marked_lead,
            standing=[fresh_copy(unit) for unit in read.standing],
        )


def looks_like_units(clause: str) -> bool:
    """Whether a trailing parenthetical is a responsibility clause, not an aside.

    True when a piece is a deadline (not a bare year), the clause says `负责` or `牵头`, or
    every unit-list item ends like an organisation name. `(武办发〔2020〕16号)`,
    `(2021-2035年)` and `(技术)` are asides.
    """
    folded = fold_width(clause).strip()
    if not folded:
        return False
    if _LABEL_RE.match(folded):
        return True
    depths = depth_map(folded)
    if any(depths[m.start()] == 0 for m in _DUTY_MARK_RE.finditer(folded)):
        return True
    pieces = split_top_level(clause, ";,")
    for piece in pieces:
        deadline = parse_deadline(piece)
        key = _SPACE_RE.sub("", fold_width(piece))
        if deadline is not None and not _BARE_YEAR_RE.fullmatch(key):
            return True
    names = [n for piece in pieces for n in _strip_marks(piece).names]
    return bool(names) and all(looks_like_unit(n) for n in names)
