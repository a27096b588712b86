"""The evidence file store: content addressing, type detection, limits, cleanup, verification."""

from __future__ import annotations

import datetime
import errno
import hashlib
import io
import os
import re
import stat
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.hostile_oles import cfb_bytes
from workflow.errors import InputError
from workflow.evidence import (
    DEFAULT_MAX_BYTES,
    MEDIA_LABELS,
    EvidenceRefused,
    EvidenceStore,
    StoredBlob,
    blobs,
    detect_type,
    sanitise_filename,
)

# --------------------------------------------------------------------------------------------
# Minimal real files of each kind
# --------------------------------------------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    + b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    + b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return buf.getvalue()


DOCX = zip_bytes(
    {
        "[Content_Types].xml": b"<Types/>",
        "_rels/.rels": b"<Relationships/>",
        "word/document.xml": b"<w:document/>",
    }
)
XLSX = zip_bytes(
    {
        "[Content_Types].xml": b"<Types/>",
        "_rels/.rels": b"<Relationships/>",
        "xl/workbook.xml": b"<workbook/>",
    }
)
OFD = zip_bytes({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<ofd:Document/>"})
PLAIN_ZIP = zip_bytes({"证明材料/说明.txt": "说明".encode()})
EMPTY_ZIP = zip_bytes({})


DOC = cfb_bytes({"WordDocument": b"\xec\xa5" + b"doc", "1Table": b"table"})
XLS = cfb_bytes({"Workbook": b"\x09\x08" + b"xls"})
XLS_BIFF5 = cfb_bytes({"Book": b"\x09\x08" + b"xls"})
WPS = cfb_bytes({"WpsContent": b"wps", "WpsSecurityInfo": b"info"})
PPT = cfb_bytes({"PowerPoint Document": b"ppt"})
ENCRYPTED_DOCX = cfb_bytes({"EncryptionInfo": b"info", "EncryptedPackage": b"secret"})
OTHER_OLE = cfb_bytes({"Contents": b"something else"})


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "store")


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def leftovers(store: EvidenceStore) -> list[Path]:
    """Every file under the store's root: temp files and blobs alike."""
    return sorted(p for p in store.root.rglob("*") if p.is_file())


class ChunkedSource(io.RawIOBase):
    """A readable stream of ``chunks`` that then runs ``then`` (to raise) instead of EOF."""

    def __init__(self, chunks: list[bytes], then: Callable[[], None] | None = None) -> None:
        self._chunks = list(chunks)
        self._then = then
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if not self._chunks:
            if self._then is not None:
                self._then()
            return b""
        chunk = self._chunks.pop(0)[: size if size >= 0 else None]
        self.bytes_read += len(chunk)
        return chunk


class EndlessSource(io.RawIOBase):
    """A PDF that never ends: proves the limit is enforced on what is read, not on stat."""

    def __init__(self) -> None:
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size < 0 else size
        chunk = (b"%PDF-" + b"x" * size)[:size] if self.bytes_read == 0 else b"x" * size
        self.bytes_read += len(chunk)
        return chunk


# --------------------------------------------------------------------------------------------
# Type detection
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(PDF, "pdf", id="pdf"),
        pytest.param(PNG, "png", id="png"),
        pytest.param(JPEG, "jpg", id="jpeg"),
        pytest.param(DOCX, "docx", id="docx"),
        pytest.param(XLSX, "xlsx", id="xlsx"),
        pytest.param(OFD, "ofd", id="ofd"),
        pytest.param(PLAIN_ZIP, "zip", id="zip"),
        pytest.param(EMPTY_ZIP, "zip", id="empty-zip"),
        pytest.param(DOC, "doc", id="doc"),
        pytest.param(XLS, "xls", id="xls-workbook"),
        pytest.param(XLS_BIFF5, "xls", id="xls-book"),
        pytest.param(WPS, "wps", id="wps"),
    ],
)
def test_each_accepted_type_is_detected_from_minimal_real_content(
    tmp_path: Path, store: EvidenceStore, content: bytes, expected: str
) -> None:
    path = write(tmp_path / "no-extension", content)
    assert detect_type(path) == expected
    assert store.put_path(path).media_type == expected


def test_every_detectable_type_has_a_label() -> None:
    assert set(MEDIA_LABELS) == {
        "pdf", "ofd", "doc", "docx", "xls", "xlsx", "wps", "jpg", "png", "zip",
    }  # fmt: skip


def test_the_hand_built_ole_files_are_read_as_such_by_olefile(tmp_path: Path) -> None:
    import olefile

    path = write(tmp_path / "a.doc", DOC)
    assert olefile.isOleFile(str(path))
    ole = olefile.OleFileIO(str(path))
    try:
        assert sorted(e[0] for e in ole.listdir()) == ["1Table", "WordDocument"]
        assert ole.openstream("WordDocument").read(5) == b"\xec\xa5doc"
    finally:
        ole.close()


def test_ofd_is_recognised_whatever_the_case_of_ofd_xml(tmp_path: Path) -> None:
    path = write(tmp_path / "x", zip_bytes({"ofd.XML": b"<ofd:OFD/>"}))
    assert detect_type(path) == "ofd"


def test_ofd_xml_inside_a_folder_does_not_make_an_ofd(tmp_path: Path) -> None:
    path = write(tmp_path / "x", zip_bytes({"sub/OFD.xml": b"<ofd:OFD/>"}))
    assert detect_type(path) == "zip"


def test_a_text_file_renamed_to_pdf_is_refused_by_its_content(
    tmp_path: Path, store: EvidenceStore
) -> None:
    path = write(tmp_path / "证明.pdf", "这不是 PDF,只是一段文字。\n".encode())
    assert detect_type(path) is None
    with pytest.raises(EvidenceRefused) as refused:
        store.put_path(path)
    message = str(refused.value)
    assert message == (
        f"文件“{path}”的类型不在允许范围内(检测为:文本),"
        "允许的类型:PDF、OFD、DOC/DOCX、XLS/XLSX、WPS、JPG、PNG、ZIP"
    )
    assert leftovers(store) == []


def test_a_pdf_named_txt_is_stored_as_a_pdf(tmp_path: Path, store: EvidenceStore) -> None:
    assert store.put_path(write(tmp_path / "notes.txt", PDF)).media_type == "pdf"


@pytest.mark.parametrize(
    ("content", "label"),
    [
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "可执行文件", id="exe"),
        pytest.param(b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "可执行文件", id="elf"),
        pytest.param(b"<!DOCTYPE html>\n<html><body>hi</body></html>", "网页(HTML)", id="html"),
        pytest.param("一段 GB18030 文字".encode("gb18030"), "文本", id="gb18030-text"),
        pytest.param(b"BMW report, plain text", "文本", id="text-starting-with-BM"),
        pytest.param(b"Rar!\x1a\x07\x01\x00rest", "RAR 压缩包", id="rar"),
        pytest.param(b"\x00\x01\x02\x03\xfe\xfd", "未知", id="binary"),
        pytest.param(b"PK\x03\x04 not really a zip", "损坏的 ZIP 压缩包", id="broken-zip"),
        pytest.param(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 truncated", "损坏的 Office 文档", id="bad-ole"
        ),
        pytest.param(PPT, "PowerPoint 演示文稿", id="ppt"),
        pytest.param(ENCRYPTED_DOCX, "加密的 Office 文档", id="encrypted-docx"),
        pytest.param(OTHER_OLE, "无法识别的 Office 文档", id="unknown-ole"),
    ],
)
def test_other_content_is_refused_with_what_it_looks_like(
    tmp_path: Path, store: EvidenceStore, content: bytes, label: str
) -> None:
    expected = re.escape(f"(检测为:{label}),允许的类型:PDF、OFD")
    with pytest.raises(EvidenceRefused, match=expected):
        store.put(io.BytesIO(content), name="材料.pdf")
    assert leftovers(store) == []


# --------------------------------------------------------------------------------------------
# Storing
# --------------------------------------------------------------------------------------------


def test_a_blob_is_stored_read_only_under_its_sha256(store: EvidenceStore) -> None:
    blob = store.put(io.BytesIO(PDF), name="a.pdf")
    digest = hashlib.sha256(PDF).hexdigest()
    assert blob == StoredBlob(
        sha256=digest, size=len(PDF), media_type="pdf", created=True, name="a.pdf", original_name="a.pdf"
    )
    path = store.path_of(digest)
    assert path == store.root / "objects" / digest[:2] / digest[2:4] / digest
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert store.exists(digest)
    with store.open(digest) as fh:
        assert fh.read() == PDF
    assert leftovers(store) == [path]


def test_the_same_content_stored_twice_makes_one_blob(tmp_path: Path, store: EvidenceStore) -> None:
    first = store.put_path(write(tmp_path / "a.pdf", PDF))
    second = store.put(io.BytesIO(PDF), name="另一个名字.pdf")
    assert first.created is True
    assert second.created is False
    assert second.sha256 == first.sha256
    assert leftovers(store) == [store.path_of(first.sha256)]


def test_a_damaged_copy_is_replaced_when_the_same_content_comes_again(
    store: EvidenceStore,
) -> None:
    blob = store.put(io.BytesIO(PDF), name="a.pdf")
    path = store.path_of(blob.sha256)
    path.chmod(0o644)
    path.write_bytes(PDF[:10])
    again = store.put(io.BytesIO(PDF), name="a.pdf")
    assert again.created is False  # undoing this call must not delete a referenced blob
    assert path.read_bytes() == PDF


def test_tiny_chunks_hash_the_same_as_the_whole_file(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "store", chunk_size=7)
    blob = store.put(io.BytesIO(DOCX), name="a.docx")
    assert blob.sha256 == hashlib.sha256(DOCX).hexdigest()
    assert blob.media_type == "docx"
    assert blob.size == len(DOCX)


def test_a_source_that_returns_short_reads_is_stored_whole(store: EvidenceStore) -> None:
    parts = [PDF[:3], PDF[3:4], PDF[4:]]
    blob = store.put(ChunkedSource(parts), name="a.pdf")  # type: ignore[arg-type]
    assert blob.size == len(PDF)
    assert store.path_of(blob.sha256).read_bytes() == PDF


def test_memory_stays_flat_while_a_large_file_is_stored(tmp_path: Path) -> None:
    size = 16 * 1024 * 1024
    path = tmp_path / "big.pdf"
    block = os.urandom(64 * 1024)
    with path.open("wb") as fh:
        fh.write(b"%PDF-1.7\n")
        for _ in range(size // len(block)):
            fh.write(block)
    store = EvidenceStore(tmp_path / "store", chunk_size=64 * 1024)
    tracemalloc.start()
    try:
        blob = store.put_path(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert blob.size == path.stat().st_size
    assert peak < 1024 * 1024, f"peak Python allocation {peak} bytes for a {size}-byte file"


def test_an_empty_file_is_refused(tmp_path: Path, store: EvidenceStore) -> None:
    path = write(tmp_path / "空.pdf", b"")
    with pytest.raises(EvidenceRefused) as refused:
        store.put_path(path)
    assert str(refused.value) == f"文件“{path}”是空文件,未保存"
    assert leftovers(store) == []


def test_refusals_are_input_errors_with_exit_code_2() -> None:
    assert issubclass(EvidenceRefused, InputError)
    assert EvidenceRefused("x").exit_code == 2


# --------------------------------------------------------------------------------------------
# Size limit
# --------------------------------------------------------------------------------------------


def test_the_size_limit_is_applied_while_streaming(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "store", max_bytes=1024, chunk_size=100)
    source = EndlessSource()
    with pytest.raises(EvidenceRefused) as refused:
        store.put(source, name="大文件.pdf")  # type: ignore[arg-type]
    assert str(refused.value) == "文件“大文件.pdf”超过大小上限 1 KB,未保存"
    assert source.bytes_read == 1025  # stops one byte past the limit
    assert leftovers(store) == []


def test_a_file_exactly_at_the_limit_is_accepted(tmp_path: Path) -> None:
    content = PDF.ljust(1024, b"\n")
    store = EvidenceStore(tmp_path / "store", max_bytes=1024, chunk_size=100)
    assert store.put(io.BytesIO(content), name="a.pdf").size == 1024


def test_put_path_refuses_an_oversized_file_before_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EvidenceStore(tmp_path / "store", max_bytes=2 * 1024 * 1024)
    path = write(tmp_path / "big.pdf", PDF.ljust(2 * 1024 * 1024 + 1, b"\n"))

    def must_not_stream(*args: Any, **kwargs: Any) -> StoredBlob:
        raise AssertionError("put() was called for a file whose size was already too large")

    monkeypatch.setattr(EvidenceStore, "put", must_not_stream)
    with pytest.raises(EvidenceRefused, match=r"^文件“.*big\.pdf”超过大小上限 2 MB,未保存$"):
        store.put_path(path)


def test_the_default_limit_reads_200_mb_in_the_message() -> None:
    assert DEFAULT_MAX_BYTES == 200 * 1024 * 1024
    refused = EvidenceStore(Path("unused"))._too_large("x.pdf")
    assert str(refused) == "文件“x.pdf”超过大小上限 200 MB,未保存"


# --------------------------------------------------------------------------------------------
# Failures leave nothing behind
# --------------------------------------------------------------------------------------------


def test_a_full_disk_in_the_middle_of_writing_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EvidenceStore(tmp_path / "store", chunk_size=64)
    real_write = os.write
    calls = 0

    def write_until_full(fd: int, data: Any) -> int:
        nonlocal calls
        calls += 1
        if calls > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write_until_full)
    with pytest.raises(EvidenceRefused) as refused:
        store.put(io.BytesIO(PDF.ljust(1000, b"\n")), name="证明.pdf")
    monkeypatch.undo()
    assert str(refused.value) == "磁盘空间不足,文件“证明.pdf”未保存"
    assert isinstance(refused.value.__cause__, OSError)
    assert calls == 3
    assert leftovers(store) == []


def test_a_failing_source_leaves_nothing_and_says_it_could_not_read(
    store: EvidenceStore,
) -> None:
    def fail() -> None:
        raise OSError(errno.EIO, "Input/output error")

    source = ChunkedSource([PDF, b"more" * 100], then=fail)
    with pytest.raises(EvidenceRefused, match=r"^无法读取文件“u\.pdf”:读写出错$"):
        store.put(source, name="u.pdf")  # type: ignore[arg-type]
    assert leftovers(store) == []


def test_another_write_error_names_the_file_and_the_reason(
    store: EvidenceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_link(src: Any, dst: Any) -> None:
        raise OSError(errno.ENAMETOOLONG, "File name too long")

    monkeypatch.setattr(os, "link", no_link)
    with pytest.raises(EvidenceRefused) as refused:
        store.put(io.BytesIO(PDF), name="a.pdf")
    monkeypatch.undo()
    assert str(refused.value) == "无法保存文件“a.pdf”:File name too long"
    assert leftovers(store) == []


def test_an_interrupt_in_the_middle_of_reading_leaves_nothing(store: EvidenceStore) -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    source = ChunkedSource([PDF, b"x" * 4096], then=interrupt)
    with pytest.raises(KeyboardInterrupt):
        store.put(source, name="a.pdf")  # type: ignore[arg-type]
    assert leftovers(store) == []


def test_a_missing_file_is_refused_as_unreadable(tmp_path: Path, store: EvidenceStore) -> None:
    path = tmp_path / "不存在.pdf"
    with pytest.raises(EvidenceRefused) as refused:
        store.put_path(path)
    assert str(refused.value) == f"无法读取文件“{path}”:文件不存在"


def test_a_directory_is_refused_as_unreadable(tmp_path: Path, store: EvidenceStore) -> None:
    with pytest.raises(EvidenceRefused, match=r"^无法读取文件“.*”:这是一个文件夹,不是文件$"):
        store.put_path(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path, store: EvidenceStore) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(EvidenceRefused, match=r"^无法读取文件“.*pipe”:不是普通文件$"):
        store.put_path(fifo)


def test_a_file_without_read_permission_is_refused_as_unreadable(
    tmp_path: Path, store: EvidenceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "secret.pdf", PDF)

    # chmod 000 does not stop root, so the denial is simulated where the store opens the file.
    def denied(file: Any, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied", str(file))

    monkeypatch.setattr(blobs, "open", denied, raising=False)
    with pytest.raises(EvidenceRefused) as refused:
        store.put_path(path)
    assert str(refused.value) == f"无法读取文件“{path}”:没有访问权限"


# --------------------------------------------------------------------------------------------
# Addressing, discarding, sweeping
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "abc",
        "A" * 64,
        "g" * 64,
        "0" * 63,
        "0" * 65,
        "0" * 64 + "\n",
        "../" + "0" * 61,
        "/etc/passwd",
        "00/00/" + "0" * 58,
    ],
)
def test_path_of_rejects_anything_but_64_lowercase_hex(store: EvidenceStore, bad: str) -> None:
    with pytest.raises(ValueError):
        store.path_of(bad)
    with pytest.raises(ValueError):
        store.exists(bad)
    with pytest.raises(ValueError):
        store.discard(bad)


def test_discard_removes_a_blob_and_ignores_a_missing_one(store: EvidenceStore) -> None:
    blob = store.put(io.BytesIO(PNG), name="a.png")
    store.discard(blob.sha256)
    assert not store.exists(blob.sha256)
    store.discard(blob.sha256)
    assert store.put(io.BytesIO(PNG), name="a.png").created is True


def test_open_of_a_blob_that_is_not_stored_raises_file_not_found(store: EvidenceStore) -> None:
    with pytest.raises(FileNotFoundError):
        store.open("0" * 64)


def test_sweep_temp_removes_only_stale_temp_files(store: EvidenceStore) -> None:
    tmp = store.root / "tmp"
    tmp.mkdir(parents=True)
    stale = write(tmp / "put-stale.part", b"half a file")
    fresh = write(tmp / "put-fresh.part", b"being written")
    foreign = write(tmp / "notes.txt", b"not ours")
    two_hours_ago = time.time() - 2 * 3600
    for path in (stale, foreign):
        os.utime(path, (two_hours_ago, two_hours_ago))

    assert store.sweep_temp() == 1
    assert not stale.exists()
    assert fresh.exists()
    assert foreign.exists()
    assert store.sweep_temp(older_than=datetime.timedelta(0)) == 1
    assert not fresh.exists()


def test_sweep_temp_of_a_store_never_written_to_removes_nothing(store: EvidenceStore) -> None:
    assert store.sweep_temp() == 0


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------


def test_verify_passes_when_every_blob_is_intact(store: EvidenceStore) -> None:
    blobs = [store.put(io.BytesIO(c), name="x") for c in (PDF, PNG, JPEG)]
    report = store.verify([(b.sha256, b.size) for b in blobs])
    assert report.ok
    assert (report.checked, report.missing, report.altered) == (3, [], [])


def test_verify_finds_missing_and_altered_blobs(store: EvidenceStore) -> None:
    kept, gone, edited, truncated = (
        store.put(io.BytesIO(c), name="x") for c in (PDF, PNG, JPEG, DOCX)
    )
    store.path_of(gone.sha256).unlink()
    edited_path = store.path_of(edited.sha256)
    edited_path.chmod(0o644)
    edited_path.write_bytes(JPEG[:-1] + b"\x00")  # same size, different content
    truncated_path = store.path_of(truncated.sha256)
    truncated_path.chmod(0o644)
    truncated_path.write_bytes(DOCX[:100])

    expected = [(b.sha256, b.size) for b in (kept, gone, edited, truncated)]
    report = store.verify([*expected, expected[0], ("not-a-digest", 1)])
    assert not report.ok
    assert report.checked == 5  # the repeated pair is checked once
    assert report.missing == [gone.sha256, "not-a-digest"]
    assert report.altered == [edited.sha256, truncated.sha256]


def test_verify_reports_a_recorded_size_that_does_not_match(store: EvidenceStore) -> None:
    blob = store.put(io.BytesIO(PDF), name="a.pdf")
    report = store.verify([(blob.sha256, blob.size + 1)])
    assert report.altered == [blob.sha256]


# --------------------------------------------------------------------------------------------
# File names
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\证明.pdf", "证明.pdf"),
        ("C:\\x\\", "x"),
        ("..", "未命名文件"),
        ("", "未命名文件"),
        ("   ", "未命名文件"),
        ("???.pdf", "未命名文件.pdf"),
        ("a\x00b\x1fc\x7f.pdf", "abc.pdf"),
        ("报告\u202egpj.exe", "报告gpj.exe"),  # a right-to-left override could disguise this
        ('a<b>c:d"e|f?g*h.docx', "abcdefgh.docx"),
        ("  ..隐藏文件.pdf", "隐藏文件.pdf"),
        ("关于\t\t 整改\n情况　的报告.docx", "关于 整改 情况 的报告.docx"),
        ("结尾有点. . .", "结尾有点"),
        ("CON.pdf", "_CON.pdf"),
        ("nul", "_nul"),
        ("e\u0301.pdf", "\u00e9.pdf"),
        ("证明材料(第一批).PDF", "证明材料(第一批).PDF"),
    ],
)
def test_sanitise_filename_cases(raw: str, clean: str) -> None:
    assert sanitise_filename(raw) == clean


def test_a_very_long_name_is_cut_to_120_characters_keeping_the_extension() -> None:
    name = sanitise_filename("report " * 100 + ".docx")
    assert len(name) == 120
    assert name == ("report " * 100)[:115].rstrip() + ".docx"


def test_a_long_chinese_name_is_cut_to_fit_255_bytes_keeping_the_extension() -> None:
    # 120 Chinese characters are 360 bytes in UTF-8, more than Linux file systems allow.
    name = sanitise_filename("证" * 300 + ".docx")
    assert name == "证" * 83 + ".docx"
    assert len(name.encode("utf-8")) == 254


def test_a_long_name_of_four_byte_characters_fits_255_bytes_too() -> None:
    name = sanitise_filename("😀" * 200 + ".pdf")
    assert name.endswith(".pdf")
    assert len(name.encode("utf-8")) <= 255


def test_a_long_name_without_an_extension_is_cut_too() -> None:
    assert sanitise_filename("a" * 500) == "a" * 120


def test_a_sanitised_name_is_never_empty_and_never_a_path() -> None:
    for raw in ["/", "\\\\", "./.", "\x00\x01", "<>:|?*", " . . ", "a/b/../"]:
        clean = sanitise_filename(raw)
        assert clean
        assert "/" not in clean and "\\" not in clean
        assert not clean.startswith((".", " "))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_the_store_folders_are_created_on_first_put(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "a" / "b")
    assert not (tmp_path / "a").exists()
    store.put(io.BytesIO(PDF), name="a.pdf")
    assert (tmp_path / "a" / "b" / "tmp").is_dir()
    assert (tmp_path / "a" / "b" / "objects").is_dir()
