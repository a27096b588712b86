"""Text a hijacked web site injected into the plan, e.g. `XX(中国)官方网站` in place of a name.

The injected name is learnt from its marker, then found wherever else it stands
(`“XX 造”品牌`), since the spam replaced a real name the office must restore.
"""

from __future__ import annotations

import re
from itertools import accumulate

from checklists.catalog import Skipped, Warning_
from checklists.lines import Line
from checklists.text import PhraseIndex

__all__ = ["flag_junk"]

JUNK = re.compile(
    r"([\u4e00-\u9fff]{2,8})\s*(?:\((?:中国|China)\))?\s*(?:官方网站|官网|娱乐城|娱乐平台|app下载)",
    re.IGNORECASE,
)
# The markers alone: a line without one cannot match JUNK, and this finds them in one C scan
# where JUNK would try a name at every character.
_MARKER = re.compile(r"官方网站|官网|娱乐城|娱乐平台|app下载", re.IGNORECASE)
# Spans the office reads anyway, so spam in them is not worth a warning: all skipped
# furniture except the page header with the notice (where the plan's issuer is named).
_WARN_IN_SKIPPED = "网页页眉与印发通知"


def flag_junk(lines: list[Line], skipped: list[Skipped]) -> list[Warning_]:
    """A warning for every line, outside the skipped spans, carrying an injected name."""
    captured = {
        m.group(1) for ln in lines if _MARKER.search(ln.text) for m in JUNK.finditer(ln.text)
    }
    # The capture may take words before the name ("提升XX"): keep the shortest form seen.
    names = {n for n in captured if not any(n[i:] in captured for i in range(1, len(n)))}
    if not names:
        return []
    quiet = _covered(lines, [s for s in skipped if s.reason != _WARN_IN_SKIPPED])
    index = PhraseIndex(sorted(names))
    warnings: list[Warning_] = []
    for line in lines:
        found = next(index.found_in(line.text), None)
        if found is None or line.no in quiet:
            continue
        warnings.append(
            Warning_(
                line=line.no,
                message=f"疑似网页被篡改插入的无关文字“{found}”,原文名称需人工核对",
                text=line.text[:60],
            )
        )
    return warnings


def _covered(lines: list[Line], spans: list[Skipped]) -> set[int]:
    """The line numbers of `lines` that fall in one of `spans` (a sweep, not a test per pair)."""
    if not lines or not spans:
        return set()
    first, last = lines[0].no, lines[-1].no
    delta = [0] * (last - first + 2)
    for span in spans:
        start, end = max(span.start, first), min(span.end, last)
        if start <= end:
            delta[start - first] += 1
            delta[end - first + 1] -= 1
    return {first + i for i, depth in enumerate(accumulate(delta)) if depth > 0}
