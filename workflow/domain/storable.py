"""Which characters a stored text may hold.

PostgreSQL `text` cannot hold NUL at all (the driver fails, and the request became a 500),
a lone surrogate cannot be encoded as UTF-8 for either database, and the other C0 control
characters are never typed by a person: they only arrive from a forged request and then hide in
printed reports and the audit trail. Tab and line breaks are text in multi-line fields
(statements, comments) and nowhere else.
"""

from __future__ import annotations

import re

_SINGLE_LINE = re.compile(r"[\x00-\x1f\ud800-\udfff]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def unstorable(text: str, *, multiline: bool = False) -> str | None:
    """Why `text` cannot be stored (a Chinese phrase naming the first such character), or None."""
    found = (_MULTI_LINE if multiline else _SINGLE_LINE).search(text)
    if found is None:
        return None
    char = found.group()
    what = "换行或制表符" if char in "\t\n\r" else "控制字符或无效字符"
    return f"第 {found.start() + 1} 个字符是{what}(U+{ord(char):04X}),不能保存;请删去后重试"
