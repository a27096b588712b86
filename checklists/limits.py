"""Every bound the plan parser applies, in one place.

The parser's cost grows linearly with its input; these bounds keep that input, and the few
pieces of it that are read more than once, to a size an office's plan never comes near.

Whole text, checked before anything is parsed (`check_text_size`):

* `MAX_TEXT_BYTES`: 20 MB of UTF-8. The five seed plans are 15-17 kB each and the largest
  plan of the corpus 25 kB; a plan a thousand times longer is still read in seconds.
* `MAX_LINES`: 200,000 lines (the seeds have 75-121).
* `MAX_LINE_CHARS`: 10,000 characters on one line. The longest line of the seeds and the
  corpus is 815 characters (a paragraph); a text without line breaks is not a plan as
  published, and reading it as one line would hide its structure anyway.

Pieces read again while the body is walked (checked in the domain, where they are read):

* `MAX_CLAUSE_CHARS`: 1,000 characters inside a trailing `(units;deadline)` clause. The
  longest responsibility clause of the seeds and corpus has 128; a longer parenthetical is
  an aside. The bound lets the reader decide "is this measure closed?" at each line by
  looking at the end of the measure only.
* `MAX_JOINERS`: 8 places where `及`/`以及`/`和` could split one item of a unit list (the
  seeds and corpus have at most 2). Past that the item is kept whole as written, since
  every way of splitting it is tried.
"""

from __future__ import annotations

from checklists.errors import PlanTooLarge

__all__ = [
    "MAX_CLAUSE_CHARS",
    "MAX_JOINERS",
    "MAX_LINES",
    "MAX_LINE_CHARS",
    "MAX_TEXT_BYTES",
    "check_text_size",
]

MAX_TEXT_BYTES = 20 * 1024 * 1024
MAX_LINES = 200_000
MAX_LINE_CHARS = 10_000
MAX_CLAUSE_CHARS = 1_000
MAX_JOINERS = 8


def check_text_size(data_size: int, lines: list[str], *, source_name: str) -> None:
    """Refuse a text over a bound, naming the file (and the line) in the message.

    `data_size` is the text's size in UTF-8 bytes; `lines` its lines as `str.splitlines` cuts
    them. Checked before parsing, so a refused text costs one pass over it.
    """
    if data_size > MAX_TEXT_BYTES:
        raise PlanTooLarge(
            f"{source_name}:文本过大({_megabytes(data_size)}),"
            f"超过方案文本 {_megabytes(MAX_TEXT_BYTES)} 的上限;请确认文件是否为方案正文"
        )
    if len(lines) > MAX_LINES:
        raise PlanTooLarge(
            f"{source_name}:文本共 {len(lines)} 行,超过方案文本 {MAX_LINES} 行的上限;"
            "请确认文件是否为方案正文"
        )
    if max(map(len, lines), default=0) <= MAX_LINE_CHARS:
        return
    for no, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise PlanTooLarge(
                f"{source_name}:第{no}行过长({len(line)} 字),超过每行 {MAX_LINE_CHARS} 字的上限;"
                "请确认文本的换行是否保留"
            )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
