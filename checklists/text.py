"""Text helpers for Chinese government documents: width folding, bracket-aware splitting and
finding many phrases at once.

Bracket depth is tracked only at the characters that matter (brackets, quotes and the
separators asked for), found with one regular-expression scan, so long paragraphs cost no
more per character than a `str` method does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

import ahocorasick

# Full-width ASCII (U+FF01..U+FF5E) to ASCII, ideographic space to space. One character in,
# one character out, so positions in a folded line are positions in the original line.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20
_FOLD[0x00A0] = 0x20
_FOLDED = {chr(wide): chr(narrow) for wide, narrow in _FOLD.items()}
_FOLDABLE = re.compile("[\uff01-\uff5e\u3000\u00a0]")

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
    # `str.translate` with a mapping looks up every character, wide or not (a failed dict
    # lookup each); a regex finds the few wide ones in C and replaces only those.
    if _FOLDABLE.search(text) is None:
        return text
    return _FOLDABLE.sub(_fold_one, text)


def _fold_one(m: re.Match[str]) -> str:
    return _FOLDED[m.group()]


def clean_line(text: str) -> str:
    """A line as the parser reads it: width folded, outer white space and bullets removed."""
    return fold_width(text).strip().lstrip("•·").strip()


def _char_class(chars: Iterable[str]) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(set(chars))) + "]"


_BRACKETS_RE = re.compile(_char_class([*OPEN_TO_CLOSE, *CLOSE_TO_OPEN]))


@lru_cache(maxsize=64)
def _marks_re(separators: str) -> re.Pattern[str]:
    """Brackets, quotes and the given separators: every character that moves the scan."""
    return re.compile(_char_class([*OPEN_TO_CLOSE, *CLOSE_TO_OPEN, *separators]))


def _step(stack: list[str], ch: str) -> None:
    """Open or close a bracket; a `“` inside `“…` is a typo for `”` and opens nothing."""
    if ch in OPEN_TO_CLOSE and not (ch == "“" and stack and stack[-1] == "“"):
        stack.append(ch)
    elif ch in CLOSE_TO_OPEN and stack and stack[-1] == CLOSE_TO_OPEN[ch]:
        stack.pop()


def depth_map(text: str) -> list[int]:
    """Bracket depth before each character (quotes and book-title marks count as brackets)."""
    depths: list[int] = []
    stack: list[str] = []
    done = 0
    for m in _BRACKETS_RE.finditer(text):
        at = m.start()
        depths += [len(stack)] * (at + 1 - done)
        done = at + 1
        _step(stack, m.group())
    depths += [len(stack)] * (len(text) - done)
    return depths


def top_level_offsets(text: str, separators: str) -> list[int]:
    """Offsets of the separator characters that stand outside every bracket and quote."""
    offsets: list[int] = []
    stack: list[str] = []
    for m in _marks_re(separators).finditer(text):
        ch = m.group()
        if not stack and ch in separators:
            offsets.append(m.start())
        # The rule of `_step`, inline: this loop is the parser's busiest.
        if ch in OPEN_TO_CLOSE and not (ch == "“" and stack and stack[-1] == "“"):
            stack.append(ch)
        elif ch in CLOSE_TO_OPEN and stack and stack[-1] == CLOSE_TO_OPEN[ch]:
            stack.pop()
    return offsets


def split_top_level(text: str, separators: Iterable[str]) -> list[str]:
    """Split on separator characters that stand outside every bracket and quote.

    `各县〔市、区〕政府` is not split on its `、`, and a `;` inside `(...)` stays put.
    Brackets and separators are recognised in their full-width forms too, but the pieces are
    cut from `text` as given. Empty pieces are dropped; pieces are stripped.
    """
    parts: list[str] = []
    start = 0
    seps = separators if isinstance(separators, str) else "".join(separators)
    for i in top_level_offsets(fold_width(text), seps):
        parts.append(text[start:i])
        start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences on top-level `。`, `;`, `!` and `?`, keeping the stop."""
    sentences: list[str] = []
    start = 0
    for i in top_level_offsets(text, "。;!?"):
        piece = text[start : i + 1].strip()
        if piece.strip("。;!? "):
            sentences.append(piece)
        start = i + 1
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def trailing_group(text: str, *, limit: int | None = None) -> tuple[str, str] | None:
    """Split `body(inner)` into (body, inner) when the text ends with a balanced `(...)`.

    Nested brackets inside are allowed: `区委办(区委外办);持续推进` comes back whole.
    With `limit`, only a group whose inside is at most `limit` characters long is found, and
    the scan never looks further back than that (a bounded cost however long the text).
    """
    stripped = text.rstrip()
    if not stripped.endswith(")"):
        return None
    end = len(stripped) - 1
    stop = -1 if limit is None else max(-1, end - limit - 2)
    depth = 0
    for i in range(end, stop, -1):
        ch = stripped[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            depth -= 1
            if depth == 0:
                return stripped[:i].rstrip(), stripped[i + 1 : -1].strip()
    return None


_GROUP_OPENERS = {"(": ")", "〔": "〕"}


def top_level_groups(text: str, *, limit: int) -> list[tuple[int, int]]:
    """`(start, end)` of each `(...)` or `〔...〕` that stands outside every other bracket and
    whose inside is at most `limit` characters: `text[start]` opens it, `text[end - 1]` closes it.

    One scan over the brackets of the (width-folded) text; an unclosed bracket hides the rest.
    """
    folded = fold_width(text)
    groups: list[tuple[int, int]] = []
    stack: list[str] = []
    start = 0
    for m in _BRACKETS_RE.finditer(folded):
        ch, at = m.group(), m.start()
        if not stack and ch in _GROUP_OPENERS:
            start = at
        was_open = bool(stack)
        _step(stack, ch)
        if was_open and not stack and ch == _GROUP_OPENERS.get(folded[start], "") and at - start - 1 <= limit:
            groups.append((start, at + 1))
    return groups


class PhraseIndex:
    """Find which of many phrases occur in a text, in one pass over the text.

    An Aho-Corasick automaton (pyahocorasick): looking for a thousand table tasks in a
    thousand paragraphs costs the length of the paragraphs, not a million substring tests.
    Empty phrases are never found.
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        self._automaton = ahocorasick.Automaton()
        for phrase in phrases:
            if phrase:
                self._automaton.add_word(phrase, phrase)
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    def found_in(self, text: str) -> Iterator[str]:
        """The phrases occurring in `text`, in the order their occurrences end (with repeats)."""
        if self._empty:
            return
        for _end, phrase in self._automaton.iter(text):
            yield phrase
