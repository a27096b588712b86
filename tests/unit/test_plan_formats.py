"""Plans as offices receive them: the seeds written as a site's page, an A4 PDF and an
auto-numbered .docx import to the same catalog as their text; the corpus's pages to the same
catalog as the corpus's text; task tables by their header's meaning; broken and refused files
get a Chinese message naming them."""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PIL import Image
from weasyprint import HTML

from checklists.catalog import Catalog
from checklists.sources import convert
from checklists.sources.convert import soffice, to_docx
from checklists.sources.docx import format_number
from checklists.sources.errors import UnreadableFile
from checklists.sources.limits import MAX_HTML_BYTES
from checklists.tasktable import Column, find_task_table
from tests.support.plan_files import (
    encrypted_pdf,
    office_copies,
    plan_body_html,
    plan_docx,
    plan_html,
    plan_pdf,
)
from workflow.errors import InputError
from workflow.services.plan_import import read_source

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
_SPACE_IN_CHINESE = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


def comparable(catalog: Catalog, *, pdf: bool = False) -> dict[str, Any]:
    """What an office sees of a catalog: everything but where it was read from (file name, hash,
    line numbers, and the warnings and skipped spans that carry them)."""
    data = catalog.model_dump(mode="json", exclude={"warnings", "skipped"})
    for field in ("source_sha256", "source_file", "key"):
        data["plan"].pop(field)
    for measure in data["measures"]:
        measure.pop("lines")
    for kind in ("sections", "phases", "indicators"):
        for item in data[kind]:
            item.pop("line", None)
    if pdf:
        # A space where a PDF's line broke is not drawn: a space between Chinese characters
        # (one spam-injected phrase of seed 000) cannot come back from a PDF.
        return _strip_spaces(data)  # type: ignore[no-any-return]
    return data


def _strip_spaces(value: Any) -> Any:
    if isinstance(value, str):
        return _SPACE_IN_CHINESE.sub("", value)
    if isinstance(value, list):
        return [_strip_spaces(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip_spaces(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def seed_files(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Each seed as .txt, .pdf, .docx and .html (saved under misleading names: the content decides)."""
    out = tmp_path_factory.mktemp("seed-files")
    files: dict[str, dict[str, Path]] = {}
    for seed in sorted(seeds_dir.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        page = out / f"{seed.stem}-page.txt"
        # Seed 001's page is served in GB18030, as older provincial sites do.
        page.write_bytes(plan_html(text, encoding="gb18030" if seed.stem.startswith("001") else "utf-8"))
        files[seed.stem] = {
            "txt": seed,
            "pdf": plan_pdf(text, out / f"{seed.stem}.pdf"),
            "docx": plan_docx(text, out / f"{seed.stem}.doc"),
            "html": page,
        }
    return files


@pytest.mark.parametrize("fmt", ["pdf", "docx", "html"])
def test_every_seed_imports_the_same_from_each_format_as_from_its_text(
    seed_files: dict[str, dict[str, Path]], fmt: str
) -> None:
    for stem, paths in seed_files.items():
        expected = comparable(read_source(paths["txt"]).catalog, pdf=fmt == "pdf")
        got = read_source(paths[fmt])
        assert comparable(got.catalog, pdf=fmt == "pdf") == expected, f"{stem} as {fmt}"
        assert got.note, "the summary says how the file was read"


def test_the_pdf_reader_drops_running_headers_and_page_numbers(seed_files: dict[str, dict[str, Path]]) -> None:
    from checklists.sources.pdf import pdf_to_text

    path = seed_files["000_53900fa8173cc0f4"]["pdf"]
    text = pdf_to_text(path.read_bytes(), path.name)
    assert "某市人民政府文件" not in text
    assert not re.search(r"— \d+ —|第\d+页", text)


def test_the_page_reader_leaves_the_site_chrome_out(seed_files: dict[str, dict[str, Path]]) -> None:
    from checklists.sources.html import html_to_text

    path = seed_files["004_118eb60ae0313b36"]["html"]
    text = html_to_text(path.read_bytes(), path.name)
    for chrome in ("门户网站", "政务服务", "政府信息公开", "分享到", "相关链接", "版权所有", "统计代码"):
        assert chrome not in text


@pytest.mark.parametrize("page", sorted(CORPUS.glob("*.html")) if CORPUS.is_dir() else [], ids=lambda p: p.stem[:3])
def test_each_corpus_page_imports_like_its_text(page: Path) -> None:
    assert comparable(read_source(page).catalog) == comparable(read_source(page.with_suffix(".txt")).catalog)


# ------------------------------------------------------------------------------ task tables


def test_a_task_table_header_is_found_by_meaning() -> None:
    rows = [
        ["某区知识产权保护工作任务分解表"],
        ["序号", "工作任务", "牵头单位", "配合单位", "完成时限", "备注"],
        ["1", "完善保护体系", "区市场监管局", "区法院", "2025年12月底前", ""],
    ]
    table = find_task_table(rows)
    assert table is not None
    assert table.title == "某区知识产权保护工作任务分解表"
    assert table.columns[Column.TASK] == 1 and table.columns[Column.DEADLINE] == 4
    assert [r.lead for r in table.rows] == ["区市场监管局"]
    assert find_task_table([["姓名", "电话"], ["张三", "123"]]) is None


def _xlsx(path: Path, rows: list[list[Any]], merges: tuple[str, ...] = ()) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    book.save(path)
    return path


TASKS = [
    ["嘉定区知识产权保护示范区建设任务分解表"],
    ["序号", "任务类别", "具体任务", "牵头单位", "配合单位", "完成时限"],
    [1, "完善保护体系", "完善知识产权行政保护和司法保护衔接机制。", "区市场监管局", "区法院、区检察院", "2025年12月底前完成"],
    [2, None, "推进长三角知识产权一体化发展。", "区市场监管局", "区委宣传部", "持续推进"],
    [3, "加强宣传教育", "加强知识产权保护宣传教育。", "区委宣传部", None, "每年4月底前完成"],
]


def test_an_excel_task_table_becomes_one_measure_per_row_with_merged_cells_filled(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "任务表.dat", TASKS, merges=("B3:B4",))
    catalog = read_source(path).catalog
    assert catalog.plan.title == "嘉定区知识产权保护示范区建设任务分解表"
    assert [m.number for m in catalog.measures] == ["1", "2", "3"]
    first, second, third = catalog.measures
    assert first.section == second.section != third.section  # B3:B4 merged: one category
    assert [(u.name, u.role.value) for u in first.units][0] == ("区市场监管局", "lead")
    assert {u.name for u in first.units} >= {"区法院", "区检察院"}
    assert first.deadline.due is not None and first.deadline.due.year == 2025
    assert third.deadline.kind.value == "annual"


def test_a_csv_task_table_reads_like_the_workbook(tmp_path: Path) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["" if c is None else c for c in row] for row in TASKS[1:]])
    path = tmp_path / "tasks.txt"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    workbook = read_source(_xlsx(tmp_path / "tasks.xlsx", TASKS, merges=("B3:B4",))).catalog
    catalog = read_source(path).catalog
    assert [(m.number, m.title, [u.name for u in m.units]) for m in catalog.measures] == [
        (m.number, m.title, [u.name for u in m.units]) for m in workbook.measures
    ]


def test_word_numbering_formats_print_as_word_prints_them() -> None:
    assert [format_number(n, "chineseCounting") for n in (1, 10, 11, 20, 53)] == ["一", "十", "十一", "二十", "五十三"]
    assert format_number(3, "decimalFullWidth") == "\uff13"
    assert format_number(4, "lowerRoman") == "iv"
    assert format_number(2, "decimalEnclosedCircle") == "②"


# ------------------------------------------------------------------------------ refusals


def _refused(path: Path, *words: str) -> str:
    with pytest.raises(InputError) as caught:
        read_source(path)
    message = str(caught.value)
    assert path.name in message, message
    for word in words:
        assert word in message, message
    return message


def test_a_truncated_pdf_is_refused_naming_it(seed_files: dict[str, dict[str, Path]], tmp_path: Path) -> None:
    data = seed_files["002_6c8dfd04ca7988e4"]["pdf"].read_bytes()
    path = tmp_path / "方案.pdf"
    path.write_bytes(data[: len(data) // 3])
    _refused(path, "PDF")


def test_a_password_protected_pdf_is_refused_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "加密方案.pdf"
    path.write_bytes(encrypted_pdf())
    _refused(path, "密码")


def test_a_scanned_pdf_without_text_is_refused_saying_so(tmp_path: Path) -> None:
    image = tmp_path / "scan.png"
    Image.new("RGB", (400, 560), "white").save(image)
    path = tmp_path / "扫描件.pdf"
    HTML(string=f'<img src="{image.as_uri()}" style="width:100%">').write_pdf(path)
    _refused(path, "扫描件")


def test_a_zip_renamed_docx_is_refused(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "方案.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("方案.txt", "一、总体要求\n1.任务。(区市场监管局;持续推进)\n")
    _refused(path, "ZIP")


def test_an_empty_sheet_is_refused(tmp_path: Path) -> None:
    _refused(_xlsx(tmp_path / "任务表.xlsx", []), "空")


def test_a_sheet_without_a_task_header_is_refused_saying_what_to_write(tmp_path: Path) -> None:
    _refused(_xlsx(tmp_path / "名单.xlsx", [["姓名", "电话"], ["张三", "123"]]), "表头")


def test_a_50_mb_page_is_refused_unparsed(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    with path.open("wb") as out:
        out.write(b"<html><body><div>")
        chunk = (b"<p>" + "知识产权保护".encode() * 500 + b"</p>\n") * 100
        while out.tell() < 50 * 1024 * 1024:
            out.write(chunk)
    assert path.stat().st_size > MAX_HTML_BYTES
    _refused(path, "过大")


def test_a_doc_file_without_libreoffice_is_refused_saying_how_to_save_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without LibreOffice
    assert soffice() is None
    with pytest.raises(UnreadableFile, match=r"方案\.doc:.*未安装 LibreOffice.*另存为.*\.docx"):
        to_docx(b"\xd0\xcf\x11\xe0", "方案.doc", "Word 97-2003(.doc)")


def test_an_ofd_file_is_refused_saying_how_to_export_it(tmp_path: Path) -> None:
    path = tmp_path / "方案.ofd"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>')
        archive.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    _refused(path, "OFD", "PDF")


# ------------------------------------------------------------------------------ LibreOffice

# The seeds converted (one conversion takes a few seconds): three auto-numbered .docx saved as
# .doc, and Jiading's plan with its task table (category cells spanning rows) saved as .wps.
_AS_DOC = ("000_53900fa8173cc0f4", "002_6c8dfd04ca7988e4", "004_118eb60ae0313b36")
_AS_WPS = "003_ae6539458f46096d"


@pytest.fixture(scope="module")
def libreoffice() -> str:
    program = soffice()
    if program is None:
        message = "LibreOffice not installed: install Debian's libreoffice-writer-nogui (scripts/setup.sh --test)"
        if os.environ.get("ZONECHECK_REQUIRE_LIBREOFFICE", "").strip().lower() in {"1", "true", "yes", "on"}:
            pytest.fail(f"{message}; ZONECHECK_REQUIRE_LIBREOFFICE=1 makes this an error")
        pytest.skip(message)
    return program


@pytest.fixture(scope="module")
def office_files(libreoffice: str, seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Seeds saved by LibreOffice as .doc (typed as auto-numbered .docx) and .wps (from the page)."""
    out = tmp_path_factory.mktemp("office-files")
    text = {stem: (seeds_dir / f"{stem}.txt").read_text(encoding="utf-8") for stem in (*_AS_DOC, _AS_WPS)}
    docx = [plan_docx(text[stem], out / f"{stem}.docx", restart_lists=True) for stem in _AS_DOC]
    page = out / f"{_AS_WPS}.html"
    page.write_bytes(plan_body_html(text[_AS_WPS]))
    copies = [*office_copies(libreoffice, docx, "doc", out), *office_copies(libreoffice, [page], "wps", out)]
    return {path.stem: path for path in copies}


def test_doc_and_wps_files_import_through_libreoffice_as_their_text(
    office_files: dict[str, Path], seeds_dir: Path
) -> None:
    for stem, path in office_files.items():
        assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0", f"{path.name} is a Word 97 file"
        got = read_source(path)
        assert comparable(got.catalog) == comparable(read_source(seeds_dir / f"{stem}.txt").catalog), path.name
        assert "LibreOffice" in got.note


def test_a_doc_file_on_a_machine_without_libreoffice_is_refused_naming_it(
    office_files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    path = office_files[_AS_DOC[0]]
    _refused(path, "LibreOffice", ".docx")


def test_a_conversion_past_its_time_is_stopped_and_leaves_nothing_behind(
    office_files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(convert, "CONVERT_SECONDS", 0.5)  # LibreOffice needs seconds to start
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _refused(office_files[_AS_DOC[0]], "超时")
    assert list(tmp_path.iterdir()) == [], "the conversion's folder is deleted"
    running = []
    for proc in Path("/proc").iterdir():
        try:
            if str(tmp_path).encode() in (proc / "cmdline").read_bytes():
                running.append(proc.name)
        except OSError:
            continue
    assert not running, f"LibreOffice processes left running: {running}"


def test_a_broken_doc_file_is_refused_naming_it(office_files: dict[str, Path], tmp_path: Path) -> None:
    data = office_files[_AS_DOC[0]].read_bytes()
    path = tmp_path / "损坏的方案.doc"
    path.write_bytes(data[: len(data) // 4])
    _refused(path)
