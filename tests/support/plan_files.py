"""A plan's text written as the files offices receive: a site's web page, an A4 PDF, a .docx
with Word's automatic numbering, and an Excel task table.

Each builder takes the plan as its text (one paragraph a line, tables as `a | b |` rows) and
writes a real file with real libraries (WeasyPrint, python-docx, openpyxl), so the format
readers are tested on what those programs produce:

* `plan_html`: the lines inside a government site's page, with its banner, navigation,
  breadcrumbs, related links, share bar and footer around the article;
* `plan_pdf`: A4, paragraphs indented two characters, a running header and page numbers in
  both forms (`— 3 —` and `第3页 共9页`) in the page margins;
* `plan_docx`: every numbered line (`一、`, `(一)`, `1.`, `1。`) typed without its number, in
  an automatically numbered list whose definitions print the same number;
* `office_copies`: .docx or plain .html files (`plan_body_html`) saved by LibreOffice in an
  older format (.doc, or a .wps, which LibreOffice writes as Kingsoft does most of them: a
  Word 97 file). LibreOffice's .doc export drops the tables python-docx writes (it keeps
  those it reads from a page), so a plan with a task table goes through the plain page;
* `plan_body_html`: the plan's paragraphs and tables alone, as a word processor opens a page;
* tables (runs of `|` rows) become real tables, a category cell spanning the rows of its
  tasks (as the seed's task table was published).
"""

from __future__ import annotations

import html
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from weasyprint import HTML

__all__ = [
    "encrypted_pdf", "office_copies", "plan_body_html", "plan_docx", "plan_html", "plan_pdf", "split_blocks",
]

_NUMBERED = re.compile(r"^\d+[.。]")


@dataclass
class _Table:
    rows: list[list[tuple[str, int]]]  # (text, rowspan); rowspan 0: covered by the cell above


def split_blocks(text: str) -> list[str | _Table]:
    """Paragraphs, and runs of `|` rows as tables."""
    blocks: list[str | _Table] = []
    rows: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        if line.rstrip().endswith("|"):
            rows.append([c.strip() for c in line.strip().rstrip("|").split("|")])
            continue
        if rows:
            blocks.append(_table(rows))
            rows = []
        if line.strip():
            blocks.append(line.strip())
    return blocks


def _table(rows: list[list[str]]) -> _Table:
    """Rows as published: a task row whose category was merged from the row above (`2.… | units |`
    under `category | 1.… | units |`) gets its category cell back as a covered one."""
    width = len(rows[0])
    out: list[list[tuple[str, int]]] = []
    for cells in rows:
        cells = [c for c in cells]
        while len(cells) > 1 and not cells[-1] and len(cells) > width - 1:
            cells.pop()
        if out and len(cells) == width - 1 and _NUMBERED.match(cells[0]) and not _NUMBERED.match(rows[0][0]):
            spanning = next(i for i in range(len(out) - 1, -1, -1) if out[i][0][1] > 0)
            text, span = out[spanning][0]
            out[spanning][0] = (text, span + 1)
            out.append([("", 0), *[(c, 1) for c in cells]])
        else:
            out.append([(c, 1) for c in cells])
    return _Table(out)


def _table_html(table: _Table) -> str:
    rows = []
    for row in table.rows:
        cells = "".join(
            f'<td rowspan="{span}">{html.escape(text)}</td>' if span > 1 else f"<td>{html.escape(text)}</td>"
            for text, span in row
            if span > 0
        )
        rows.append(f"<tr>{cells}</tr>")
    return f'<table border="1" cellspacing="0">{"".join(rows)}</table>'


def _body_html(text: str) -> str:
    return "\n".join(
        _table_html(b) if isinstance(b, _Table) else f"<p>{html.escape(b)}</p>" for b in split_blocks(text)
    )


def plan_body_html(text: str) -> bytes:
    """The plan's paragraphs and tables in a page of their own, without a site around them."""
    head = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
    return f"{head}<body>{_body_html(text)}</body></html>".encode()


def plan_html(text: str, *, encoding: str = "utf-8") -> bytes:
    """The plan as a page saved from a government site, chrome and all."""
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}">
<title>政策文件_某市人民政府门户网站</title>
<script>var _hmt = _hmt || []; document.write("统计代码");</script>
<style>.nav li {{ display: inline; }}</style></head>
<body>
<div class="header"><div class="logo">某市人民政府门户网站</div>
  <ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li>
  <li><a href="/zwfw">政务服务</a></li><li><a href="/hdjl">互动交流</a></li></ul></div>
<div class="breadcrumb">当前位置:<a href="/">首页</a> &gt; <a href="/zwgk">政府信息公开</a> &gt; 政策文件</div>
<div class="main">
  <div class="article-content">
{_body_html(text)}
  </div>
  <div class="share">分享到:<a href="#">微信</a> <a href="#">微博</a></div>
  <div class="related"><h3>相关链接</h3><ul>
    <li><a href="/a/1.html">关于开展2024年知识产权宣传周活动的通知</a></li>
    <li><a href="/a/2.html">市政府召开常务会议研究部署知识产权保护工作</a></li></ul></div>
</div>
<div class="footer"><p>主办单位:某市人民政府办公室 版权所有</p><p>网站标识码:1234567890 ICP备案号:某ICP备12345678号</p></div>
</body></html>"""
    return page.encode(encoding)


_PDF_STYLE = """
@page { size: A4; margin: 2.6cm 2.2cm;
  @top-center { content: "某市人民政府文件"; font-size: 9pt; }
  @bottom-center { content: "— " counter(page) " —"; font-size: 10pt; }
  @bottom-right { content: "第" counter(page) "页 共" counter(pages) "页"; font-size: 9pt; } }
body { font-family: "Noto Serif CJK SC", serif; font-size: 14pt; line-height: 1.6; }
p { margin: 0; text-indent: 2em; }
table { border-collapse: collapse; width: 100%; font-size: 10.5pt; margin: 6pt 0; }
td { border: 0.75pt solid black; padding: 2pt 4pt; vertical-align: top; }
"""


def plan_pdf(text: str, path: Path) -> Path:
    """The plan printed to an A4 PDF with running header and page numbers."""
    document = f"<html><head><style>{_PDF_STYLE}</style></head><body>{_body_html(text)}</body></html>"
    HTML(string=document).write_pdf(path)
    return path


# Numbered lines and how Word would number them: (pattern, numFmt, lvlText).
_LISTS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^([一二三四五六七八九十]+)、"), "chineseCounting", "%1、"),
    (re.compile(r"^\(([一二三四五六七八九十]+)\)"), "chineseCounting", "(%1)"),
    (re.compile(r"^（([一二三四五六七八九十]+)）"), "chineseCounting", "（%1）"),
    (re.compile(r"^(\d+)\."), "decimal", "%1."),
    (re.compile(r"^(\d+)。"), "decimal", "%1。"),
)
_CN = "一二三四五六七八九"


def _value(number: str) -> int:
    if number.isdigit():
        return int(number)
    if number == "十":
        return 10
    tens, _, ones = number.rpartition("十")
    if "十" not in number:
        return _CN.index(number) + 1
    return (_CN.index(tens) + 1 if tens else 1) * 10 + (_CN.index(ones) + 1 if ones else 0)


class _Lists:
    """Word numbering definitions made as the document is typed: one abstract list per kind
    of number, and a new list instance restarting at the printed value whenever the printed
    number does not follow on (as Word writes "restart numbering"); or, with `restart_lists`,
    a new abstract list starting at that value (as WPS writes it, and the one form that
    LibreOffice keeps when it saves the document as .doc: its .doc export drops a list
    instance's startOverride)."""

    def __init__(self, document: docx.document.Document, *, restart_lists: bool = False) -> None:
        self.root = document.part.numbering_part.element
        self.restart_lists = restart_lists
        self.abstract: dict[int, int] = {}
        self.current: dict[int, tuple[int, int]] = {}  # kind → (numId, last value)
        self.next_id = 100

    def _new_abstract(self, kind: int, start: int) -> int:
        fmt, text = _LISTS[kind][1], _LISTS[kind][2]
        abstract_id = self.next_id
        self.next_id += 1
        self.root.insert(
            0,
            parse_xml(
                f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
                f'<w:multiLevelType w:val="singleLevel"/><w:lvl w:ilvl="0"><w:start w:val="{start}"/>'
                f'<w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
                "</w:abstractNum>"
            ),
        )
        return abstract_id

    def num_for(self, kind: int, value: int) -> int:
        num_id, last = self.current.get(kind, (0, 0))
        if num_id == 0 or value != last + 1:
            num_id = self.next_id
            self.next_id += 1
            if self.restart_lists:
                definition = f'<w:abstractNumId w:val="{self._new_abstract(kind, value)}"/>'
            else:
                if kind not in self.abstract:
                    self.abstract[kind] = self._new_abstract(kind, 1)
                definition = (
                    f'<w:abstractNumId w:val="{self.abstract[kind]}"/>'
                    f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{value}"/></w:lvlOverride>'
                )
            self.root.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}">{definition}</w:num>'))
        self.current[kind] = (num_id, value)
        return num_id


def plan_docx(text: str, path: Path, *, restart_lists: bool = False) -> Path:
    """The plan typed in Word, every numbered line an automatically numbered list item
    (`restart_lists`: see `_Lists`)."""
    document = docx.Document()
    # A template without numbering gets its part from python-docx on first access.
    lists = _Lists(document, restart_lists=restart_lists)
    for block in split_blocks(text):
        if isinstance(block, _Table):
            width = max(len(r) for r in block.rows)
            table = document.add_table(rows=len(block.rows), cols=width)
            for r, row in enumerate(block.rows):
                for c, (cell_text, span) in enumerate(row):
                    if span > 1:
                        table.cell(r, c).merge(table.cell(r + span - 1, c))
                    if span > 0:
                        table.cell(r, c).text = cell_text
            continue
        paragraph = document.add_paragraph()
        for kind, (pattern, _fmt, _text) in enumerate(_LISTS):
            m = pattern.match(block)
            if m:
                num_id = lists.num_for(kind, _value(m.group(1)))
                ppr = paragraph._p.get_or_add_pPr()
                ppr.append(parse_xml(
                    f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'
                ))  # fmt: skip
                block = block[m.end() :]
                break
        paragraph.add_run(block)
    document.save(str(path))
    return path


def office_copies(program: str, documents: list[Path], suffix: str, folder: Path) -> list[Path]:
    """Each document (all .docx, or all .html) saved by LibreOffice (`program`) as `suffix`
    ("doc" or "wps") into `folder`, in one run of the program (it starts in seconds)."""
    # A page opens in Writer itself, not Writer/Web (which cannot save as .doc).
    page = ["--infilter=HTML (StarWriter)"] if documents[0].suffix == ".html" else []
    with tempfile.TemporaryDirectory(prefix="zonecheck-test-profile-") as profile:
        subprocess.run(
            [program, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore", *page,
             "--convert-to", suffix, "--outdir", str(folder), *map(str, documents)],
            check=True, capture_output=True, timeout=300, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    copies = [folder / f"{d.stem}.{suffix}" for d in documents]
    missing = [c.name for c in copies if not c.is_file()]
    assert not missing, f"LibreOffice did not write {missing}"
    return copies


def encrypted_pdf() -> bytes:
    """A one-page PDF under the standard security handler with an unknown user password."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length 8 >>\nstream\n\x8a\x13\x07\xf0\x11\x22\x33\x44\nendstream",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + b"41" * 32 + b"> /U <" + b"42" * 32 + b"> /P -44 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Encrypt 5 0 R "
        f"/ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
