"""Text helpers: the fast bracket-aware splitting agrees with a plain character-by-character
reading (kept here as the specification), and the phrase index finds what `in` finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from checklists.text import (
    CLOSE_TO_OPEN,
    OPEN_TO_CLOSE,
    PhraseIndex,
    depth_map,
    fold_width,
    split_sentences,
    split_top_level,
    top_level_offsets,
    trailing_group,
)

PROPERTIES = settings(derandomize=True, database=None, max_examples=300, deadline=None)

# Brackets (both widths), separators, stops, spaces and a few letters.
marks = st.text(alphabet="()()〔〕[]【】《》<>“”‘’「」〈〉、;,;,:。!?! \u3000甲乙12", max_size=40)


def reference_depths(text: str) -> list[int]:
    depths: list[int] = []
    stack: list[str] = []
    for ch in text:
        depths.append(len(stack))
        if ch in OPEN_TO_CLOSE and not (ch == "“" and stack and stack[-1] == "“"):
            stack.append(ch)
        elif ch in CLOSE_TO_OPEN and stack and stack[-1] == CLOSE_TO_OPEN[ch]:
            stack.pop()
    return depths


def reference_split(text: str, separators: str) -> list[str]:
    folded = fold_width(text)
    parts: list[str] = []
    start = 0
    for i, (ch, depth) in enumerate(zip(folded, reference_depths(folded), strict=True)):
        if depth == 0 and ch in separators:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def reference_trailing_group(text: str) -> tuple[str, str, int] | None:
    """(body, inner, characters between the brackets) of a trailing balanced `(...)`."""
    stripped = text.rstrip()
    if not stripped.endswith(")"):
        return None
    depth = 0
    for i in range(len(stripped) - 1, -1, -1):
        if stripped[i] == ")":
            depth += 1
        elif stripped[i] == "(":
            depth -= 1
            if depth == 0:
                return stripped[:i].rstrip(), stripped[i + 1 : -1].strip(), len(stripped) - i - 2
    return None


@PROPERTIES
@given(marks)
def test_depths_match_a_character_by_character_reading(text: str) -> None:
    assert depth_map(text) == reference_depths(text)


@PROPERTIES
@given(marks, st.sampled_from(["、", ";,", ",;:", "。;!?", ",。;"]))
def test_top_level_splitting_matches_a_character_by_character_reading(
    text: str, separators: str
) -> None:
    assert split_top_level(text, separators) == reference_split(text, separators)
    depths = reference_depths(text)
    expected = [i for i, ch in enumerate(text) if ch in separators and depths[i] == 0]
    assert top_level_offsets(text, separators) == expected


def reference_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for i, (ch, depth) in enumerate(zip(text, reference_depths(text), strict=True)):
        if depth == 0 and ch in "。;!?":
            piece = text[start : i + 1].strip()
            if piece.strip("。;!? "):
                sentences.append(piece)
            start = i + 1
    if tail := text[start:].strip():
        sentences.append(tail)
    return sentences


@PROPERTIES
@given(marks)
def test_sentences_match_a_character_by_character_reading(text: str) -> None:
    assert split_sentences(text) == reference_sentences(text)


@PROPERTIES
@given(marks, st.integers(0, 12))
def test_trailing_group_with_a_limit_finds_only_groups_that_short(text: str, limit: int) -> None:
    reference = reference_trailing_group(text)
    expected = reference[:2] if reference else None
    assert trailing_group(text) == expected
    short_enough = reference is not None and reference[2] <= limit
    assert trailing_group(text, limit=limit) == (expected if short_enough else None)


def test_width_folding_keeps_chinese_stops_and_maps_one_character_to_one() -> None:
    assert fold_width("ABC123,;:()\u3000。、〔〕《》") == "ABC123,;:() 。、〔〕《》"
    assert fold_width("加强知识产权保护") == "加强知识产权保护"


@PROPERTIES
@given(st.lists(st.text(alphabet="甲乙丙", max_size=3), max_size=6), st.text(alphabet="甲乙丙丁", max_size=30))
def test_the_phrase_index_finds_the_phrases_that_occur(phrases: list[str], text: str) -> None:
    found = set(PhraseIndex(phrases).found_in(text))
    assert found == {p for p in phrases if p and p in text}
