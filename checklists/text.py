"""Text helpers for Chinese government documents: width folding and bracket-aware splitting."""

from __future__ import annotations

from collections.abc import Iterable

# Full-width ASCII (U+FF01..U+FF5E) to ASCII, ideographic space to space. One character in,
# one character out, so positions in a folded line are positions in the original line.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20
_FOLD[0x00A0] = 0x20

OPEN_TO_CLOSE = {
    "(": ")",
    "〔": "〕",
    "[": "]",
    "【": "】",
    "《": "》",
    "<": ">",
    "“": "”",
    "‘": "’",
    "「": "」",
    "〈": "〉",
}
CLOSE_TO_OPEN = {v: k for k, v in OPEN_TO_CLOSE.items()}


def fold_width(text: str) -> str:
    """Fold full-width letters, digits and punctuation to ASCII; keep 。、〔〕《》 as they are."""
    return text.translate(_FOLD)


def clean_line(text: str) -> str:
    """A line as the parser reads it: width folded, outer white space and bullets removed."""
    return fold_width(text).strip().lstrip("•·").strip()


def depth_map(text: str) -> list[int]:
    """Bracket depth before each character (quotes and book-title marks count as brackets)."""
    depths: list[int] = []
    stack: list[str] = []
    for ch in text:
        depths.append(len(stack))
        if ch in OPEN_TO_CLOSE and not (ch == "“" and stack and stack[-1] == "“"):
            stack.append(ch)
        elif ch in CLOSE_TO_OPEN and stack and stack[-1] == CLOSE_TO_OPEN[ch]:
            stack.pop()
    return depths


def split_top_level(text: str, separators: Iterable[str]) -> list[str]:
    """Split on separator characters that stand outside every bracket and quote.

    `各县〔市、区〕政府` is not split on its `、`, and a `;` inside `(...)` stays put.
    Brackets and separators are recognised in their full-width forms too, but the pieces are
    cut from `text` as given. Empty pieces are dropped; pieces are stripped.
    """
    seps = set(separators)
    folded = fold_width(text)
    parts: list[str] = []
    start = 0
    for i, (ch, depth) in enumerate(zip(folded, depth_map(folded), strict=True)):
        if depth == 0 and ch in seps:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences on top-level `。`, `;`, `!` and `?`, keeping the stop."""
    sentences: list[str] = []
    start = 0
    for i, (ch, depth) in enumerate(zip(text, depth_map(text), strict=True)):
        if depth == 0 and ch in "。;!?":
            piece = text[start : i + 1].strip()
            if piece.strip("。;!? "):
                sentences.append(piece)
            start = i + 1
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def trailing_group(text: str) -> tuple[str, str] | None:
    """Split `body(inner)` into (body, inner) when the text ends with a balanced `(...)`.

    Nested brackets inside are allowed: `区委办(区委外办);持续推进` comes back whole.
    """
    stripped = text.rstrip()
    if not stripped.endswith(")"):
        return None
    depth = 0
    for i in range(len(stripped) - 1, -1, -1):
        ch = stripped[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            depth -= 1
            if depth == 0:
                return stripped[:i].rstrip(), stripped[i + 1 : -1].strip()
    return None
