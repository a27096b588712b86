"""Unit names: a list of units split into names, and what a name is.

A unit list (`区检察院及区知识产权联席会议其他成员单位`, `广州、深圳市政府`) is split on
top-level `、`, at `等` before a group, and on `及`/`以及`/`和` where they join two names;
places listed bare before the one that names their body share it; asides (`〈含…,下同〉`)
are dropped. Splitting is bracket-aware (`各县〔市、区〕政府〔管委会〕`, `区委办(区委外办)` stay
whole) and is computed on width-folded text but cut from the text as given, so names come
back as written.

`units` reads whole responsibility clauses (labels, `牵头`/`配合`, lead rules, deadlines) and
hands the unit lists in them to `split_unit_names`. Bound (`checklists.limits`): an item with
more than `MAX_JOINERS` places to split at `及`/`和` is kept whole.
"""

from __future__ import annotations

import re

from checklists.limits import MAX_JOINERS
from checklists.memo import remembered
from checklists.text import depth_map, fold_width, split_top_level

__all__ = ["is_group", "looks_like_unit", "normalise_unit_name", "split_unit_names"]

# Words that join two unit names. `以及` before `及`, so `以及` is not read as `以` + `及`.
_JOINERS = ("以及", "及", "和")
_JOINER_AT = re.compile("(?=以及|及|和)")  # every place one starts, overlapping ones too

# `有关设区市、县〔区〕人民政府`, `相关区政府`: whichever of them the measure concerns.
_GROUP_PREFIXES = ("各", "有关", "相关")
_GROUP_WORDS = (
    "成员单位",
    "有关部门",
    "相关部门",
    "有关单位",
    "相关单位",
    "其他成员",
    "各部门",
    "各单位",
)

# Endings of organisation names; a piece ending otherwise is not taken for a unit without a
# duty word. `行`, `科`, `站` and `室` alone are left out: `(试行)`, `(本科)`, `(工作站)` are asides.
_ORG_SUFFIXES = (
    "局",
    "委",
    "办",
    "院",
    "部",
    "厅",
    "会",
    "府",
    "所",
    "署",
    "处",
    "中心",
    "分行",
    "银行",
    "海关",
    "小组",
    "单位",
    "政府",
    "管委会",
    "法院",
    "法庭",
    "检察院",
    "支队",
    "大队",
    "办公室",
    "机关",
    "部门",
    "公司",
    "集团",
    "联",
    "协",
    "街道",
    "镇",
    "社",
    "馆",
    "台",
)

# An aside that is no part of a name: `各区人民政府〈含开发区、长江新区管委会,下同〉`.
_ASIDE_RE = re.compile(r"[(〈〔]\s*(?:含|包括)[^()〈〉〔〕]*[)〉〕]$|[(〈〔][^()〈〉〔〕]*下同[)〉〕]$")
# A government named by its level alone shares the place before it: `有关设区市、县〔区〕人民政府`.
_LEVEL_ONLY_RE = re.compile(r"^[省市县区乡镇]\s*(?:[(〔][^()〔〕]*[)〕])?\s*(?:人民)?政府")
_PLACE_END = ("市", "县", "区", "州", "省")
# A place named bare in a list whose last item names the body they share: `广州`, `佛山市`.
_BARE_PLACE_RE = re.compile(r"[\u4e00-\u9fff]{2,4}")

_BRACKETS = {"〔": "(", "〕": ")", "[": "(", "]": ")", "【": "(", "】": ")", "﹝": "(", "﹞": ")"}
_BRACKET_RE = re.compile("[〔〕\\[\\]【】﹝﹞]")
_SPACE_RE = re.compile(r"\s+")


@remembered
def normalise_unit_name(name: str) -> str:
    """A unit name for comparison: width folded, no white space, every bracket as `(` `)`.

    `各县〔市、区〕政府〔管委会〕` → `各县(市、区)政府(管委会)`.
    """
    bare = _SPACE_RE.sub("", fold_width(name))
    return _BRACKET_RE.sub(_round_bracket, bare) if _BRACKET_RE.search(bare) else bare


def _round_bracket(m: re.Match[str]) -> str:
    return _BRACKETS[m.group()]


@remembered
def is_group(name: str) -> bool:
    """True for a name standing for several units (`各成员单位`, `有关部门`, `各县(市、区)政府`).

    A named body such as `区知识产权工作领导小组` is one unit, not a group.
    """
    n = normalise_unit_name(name)
    return n.startswith(_GROUP_PREFIXES) or any(word in n for word in _GROUP_WORDS)


def _base_name(name: str) -> str:
    """The name without trailing asides: `区委办(区委外办)` → `区委办`.

    An aside is a last `(...)` with no bracket inside; asides are taken off one by one, but
    never the whole name.
    """
    n = normalise_unit_name(name)
    end = len(n)
    while end and n[end - 1] == ")":
        opened = n.rfind("(", 0, end - 1)
        if opened <= 0 or n.find(")", opened, end - 1) != -1:
            break
        end = opened
    return n[:end]


@remembered
def looks_like_unit(name: str) -> bool:
    """Whether a name reads as a unit: a group, or a name ending like an organisation (`局`,
    `委`, `中心`, `管委会`…), asides aside."""
    if is_group(name):
        return True
    base = _base_name(name)
    # A bare suffix (`单位`, `政府`) is a common noun, not the name of a unit.
    return (
        not base[:1].isdigit()
        and base not in _ORG_SUFFIXES
        and any(base.endswith(suffix) for suffix in _ORG_SUFFIXES)
    )


def split_unit_names(text: str) -> list[str]:
    """The unit names of a list: split on top-level `、`, then at joiners and `等`, each as
    written (`区市场监管局、区检察院及区知识产权联席会议其他成员单位` → three names)."""
    items = split_top_level(text, "、")
    merged: list[str] = []
    for item in items:
        # `有关设区市、县〔区〕人民政府`: the second item names no place of its own.
        if merged and _LEVEL_ONLY_RE.match(item) and _is_bare_place(merged[-1]):
            merged[-1] = f"{merged[-1]}、{item}"
        else:
            merged.append(item)
    merged = _share_suffix(merged)
    return [_drop_aside(n) for item in merged for part in _split_etc(item) for n in _split_joined(part)]


def _share_suffix(items: list[str]) -> list[str]:
    """`广州、深圳市政府` → `广州市政府`, `深圳市政府`: place names listed bare before one that
    carries the body they share (its level and what follows it) each get that body."""
    out: list[str] = []
    bare: list[str] = []  # bare place names waiting for the item that names their body
    for item in items:
        if _BARE_PLACE_RE.fullmatch(fold_width(item).strip()) and not looks_like_unit(item):
            bare.append(item.strip())
            continue
        if bare and (body := _shared_body(item)) is not None:
            out += [f"{place.removesuffix(body[0])}{body}" for place in bare]
        else:
            out += bare
        bare = []
        out.append(item)
    return out + bare


def _shared_body(item: str) -> str | None:
    """The body a place's unit name gives after the place (`深圳市政府` → `市政府`): from the
    first level character past a two- to four-character place name, when the rest is a unit."""
    folded = fold_width(item).strip()
    for at in range(2, min(5, len(folded))):
        if folded[at] in _PLACE_END and looks_like_unit(folded[at:]) and not is_group(folded):
            return item.strip()[at:]
    return None


def _is_bare_place(name: str) -> bool:
    """`有关设区市`, `各市`: a place, or places, with no body of its own named."""
    base = _base_name(name)
    return base.endswith(_PLACE_END) and not any(base.endswith(s) for s in _ORG_SUFFIXES)


def _drop_aside(name: str) -> str:
    """`各区人民政府〈含开发区管委会,下同〉` → `各区人民政府`: the aside is no part of the name."""
    folded = fold_width(name)
    m = _ASIDE_RE.search(folded)
    return name[: m.start()].rstrip() if m and m.start() > 0 else name


def _split_etc(name: str) -> list[str]:
    """`省交通运输厅等省直有关部门` → the unit and the group; `全国总工会等` → `全国总工会`."""
    if "等" not in name:
        return [name]
    depths = depth_map(fold_width(name))
    for at in range(len(name) - 1, 0, -1):
        if name[at] != "等" or depths[at]:
            continue
        left, right = name[:at].strip(), name[at + 1 :].strip()
        if not looks_like_unit(left):
            continue
        if not right:
            return [left]
        if is_group(right):
            return [left, right]
        if right.startswith(_JOINERS):  # `全国总工会等和各省级人民政府`
            return [left, *_split_joined(right.lstrip("以及和"))]
    return [name]


def _split_joined(name: str) -> list[str]:
    """Split `区检察院及区知识产权联席会议其他成员单位` at `及`; keep `市自然资源和规划局` whole.

    A joiner splits only when the text before it is a unit name and the text after it reads as
    one or more unit names. Every place is tried, each tail split once (remembered), and a
    name with more than `MAX_JOINERS` places is kept whole.
    """
    places = [m.start() for m in _JOINER_AT.finditer(name, 1)]
    if places:
        depths = depth_map(fold_width(name))
        places = [i for i in places if depths[i] == 0]
    if len(places) > MAX_JOINERS:
        return [name]
    return _split_at(name, places, {})


def _split_at(name: str, places: list[int], known: dict[str, list[str]]) -> list[str]:
    if (done := known.get(name)) is not None:
        return done
    result = [name]
    for i in places:
        for joiner in _JOINERS:
            if not name.startswith(joiner, i):
                continue
            left, right = name[:i].strip(), name[i + len(joiner) :].strip()
            if left and right and looks_like_unit(left):
                cut = len(name) - len(name[i + len(joiner) :].lstrip())
                rest = _split_at(right, [p - cut for p in places if p > cut], known)
                if all(looks_like_unit(r) for r in rest):
                    result = [left, *rest]
            break  # `以及` failed: do not retry the same place as `及`
        if len(result) > 1:
            break
    known[name] = result
    return result
