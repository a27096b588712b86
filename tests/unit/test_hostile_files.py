"""Hostile files at every file input: each is built here, and each is refused, or read at a
bounded cost, with a Chinese message that names the file and the entry or line.

Memory is measured with tracemalloc around the call (the files are written before it starts),
as a bound that a regression would cross by orders of magnitude; no test times anything.
"""

from __future__ import annotations

import io
import json
import os
import re
import tracemalloc
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pathvalidate
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checklists.catalog_yaml import MAX_CATALOG_BYTES, CatalogError, load_catalog, read_catalog
from reports.bundle import BundleInvalid, verify_bundle
from reports.bundle.layout import MAX_ENTRIES, MAX_MANIFEST_BYTES
from tests.support.hostile_oles import cfb_bytes, directory_of
from tests.support.hostile_zips import (
    ALIAS_BOMB,
    DEFLATED,
    PDF,
    bundle,
    deflated,
    deflated_stream,
    listed,
    repeated,
    stored,
    write_zip,
    zip_of_empty_entries,
)
from workflow.evidence import EvidenceRefused, EvidenceStore, detect_type, stored_name
from workflow.evidence.filenames import (
    EXECUTABLE_EXTENSIONS,
    safe_component,
    sanitise_filename,
    split_extension,
)
from workflow.evidence.filetypes import EXTENSIONS, MAX_OLE_ENTRIES, MAX_ZIP_ENTRIES, sniff
from workflow.evidence.oledirectory import OleDirectoryError, directory_entries

T = TypeVar("T")
MIB = 1024 * 1024


def peak_bytes(action: Callable[[], T]) -> tuple[T | BaseException, int]:
    """What `action` returned or raised, and the peak of Python allocations while it ran."""
    tracemalloc.start()
    try:
        result: T | BaseException = action()
    except Exception as exc:  # the refusal is the result under test
        result = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, peak


# ------------------------------------------------------------------------- ZIP sniffing


def test_a_zip_declaring_200k_entries_is_refused_from_its_end_record_alone(tmp_path: Path) -> None:
    bomb = zip_of_empty_entries(tmp_path / "many.zip", 200_000)
    store = EvidenceStore(tmp_path / "store")
    result, peak = peak_bytes(lambda: store.put_path(bomb))
    assert isinstance(result, EvidenceRefused)
    assert str(result) == f"文件“{bomb}”是含 200000 个条目的 ZIP 压缩包,超过上限 10000 个,未保存"
    assert peak < 4 * MIB  # the copy's 1 MiB chunks; zipfile listing them all takes 97 MB
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_a_zip_understating_its_entries_is_refused_when_the_scan_passes_the_limit(tmp_path: Path) -> None:
    # The end record says 3 entries; the directory holds 200,000. The scan stops at 10,001.
    bomb = zip_of_empty_entries(tmp_path / "liar.zip", 200_000, declared=3)
    with open(bomb, "rb") as source:
        result, peak = peak_bytes(lambda: EvidenceStore(tmp_path / "store").put(source, name="liar.zip"))
    assert isinstance(result, EvidenceRefused)
    assert str(result) == "文件“liar.zip”是条目超过 10000 个的 ZIP 压缩包(上限 10000 个),未保存"
    assert peak < 4 * MIB


def test_a_docx_marker_in_the_last_allowed_entry_is_still_found(tmp_path: Path) -> None:
    path = zip_of_empty_entries(tmp_path / "big.docx", MAX_ZIP_ENTRIES, last="word/document.xml")
    assert detect_type(path) == "docx"
    over = zip_of_empty_entries(tmp_path / "bigger.docx", MAX_ZIP_ENTRIES + 1, last="word/document.xml")
    with pytest.raises(EvidenceRefused, match="是含 10001 个条目的 ZIP 压缩包,超过上限 10000 个"):
        EvidenceStore(tmp_path / "store").put_path(over)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[:-22] + b"PK\x05\x06" + b"\xff" * 18, id="directory-before-start"),
        pytest.param(lambda data: data.replace(b"PK\x01\x02", b"PK\x01\x09", 1), id="bad-header"),
        pytest.param(lambda data: data[:-10], id="cut-end-record"),
    ],
)
def test_a_zip_with_a_broken_directory_is_refused_as_damaged(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    good = write_zip(tmp_path / "good.zip", [stored("a.txt", b"a"), stored("b.txt", b"b")])
    bad = tmp_path / "bad.zip"
    bad.write_bytes(damage(good.read_bytes()))
    assert detect_type(good) == "zip"
    with pytest.raises(EvidenceRefused, match=re.escape("(检测为:损坏的 ZIP 压缩包)")):
        EvidenceStore(tmp_path / "store").put_path(bad)


# ------------------------------------------------------------------------- OLE sniffing


def test_an_office_file_whose_directory_lists_a_million_entries_is_refused_unread(tmp_path: Path) -> None:
    bomb = directory_of(tmp_path / "报表.xls", 1_000_000)  # 128 MB, its FAT found via the DIFAT
    store = EvidenceStore(tmp_path / "store")
    result, peak = peak_bytes(lambda: store.put_path(bomb))
    assert isinstance(result, EvidenceRefused)
    assert str(result) == f"文件“{bomb}”是目录条目超过 10000 个的 Office 文档(上限 10000 个),未保存"
    # The copy's 1 MiB chunks; olefile alone holds the 128 MB directory stream and an object
    # per entry it reaches.
    assert peak < 4 * MIB
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_an_office_directory_up_to_the_limit_is_handed_to_olefile(tmp_path: Path) -> None:
    at_limit = directory_of(tmp_path / "at.doc", MAX_OLE_ENTRIES)
    with open(at_limit, "rb") as fh:
        assert directory_entries(fh, max_entries=MAX_OLE_ENTRIES) == MAX_OLE_ENTRIES
    # The builder's file is a real compound file: olefile reads it (a root without streams).
    assert sniff(at_limit).label == "无法识别的 Office 文档"
    over = directory_of(tmp_path / "over.doc", MAX_OLE_ENTRIES + 1)
    with pytest.raises(EvidenceRefused, match="是目录条目超过 10000 个的 Office 文档"):
        EvidenceStore(tmp_path / "store").put_path(over)


def _patched(data: bytes, offset: int, value: bytes) -> bytes:
    return data[:offset] + value + data[offset + len(value) :]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda d: _patched(d, 48, (10**6).to_bytes(4, "little")), id="directory-past-end"),
        # Sector 1 is the directory; its FAT entry (the second of sector 0) names itself.
        pytest.param(lambda d: _patched(d, 512 + 4, (1).to_bytes(4, "little")), id="chain-loops"),
        pytest.param(lambda d: _patched(d, 44, (10**6).to_bytes(4, "little")), id="fat-larger-than-file"),
        pytest.param(lambda d: _patched(d, 30, (20).to_bytes(2, "little")), id="sector-size"),
        pytest.param(lambda d: _patched(d, 76, (10**6).to_bytes(4, "little")), id="fat-past-end"),
        pytest.param(lambda d: d[:300], id="cut-header"),
    ],
)
def test_an_office_file_with_a_broken_directory_chain_is_refused_as_damaged(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    good = cfb_bytes({"WordDocument": b"doc"})
    (tmp_path / "good.doc").write_bytes(good)
    assert detect_type(tmp_path / "good.doc") == "doc"
    bad = tmp_path / "bad.doc"
    bad.write_bytes(damage(good))
    with open(bad, "rb") as fh, pytest.raises(OleDirectoryError):
        directory_entries(fh, max_entries=MAX_OLE_ENTRIES)
    with pytest.raises(EvidenceRefused, match=re.escape("(检测为:损坏的 Office 文档)")):
        EvidenceStore(tmp_path / "store").put_path(bad)


# ------------------------------------------------------------------------- stored names


@pytest.mark.parametrize(
    ("given", "media_type", "kept"),
    [
        ("核查报告.html", "pdf", "核查报告.pdf"),
        ("a.pdf.exe", "pdf", "a.pdf"),
        ("a.pdf.exe", "zip", "a.zip"),
        ("合同.exe.exe", "png", "合同.png"),
        ("照片.JPEG", "jpg", "照片.JPEG"),
        ("证明材料(第一批).PDF", "pdf", "证明材料(第一批).PDF"),
        ("台账.docm", "docx", "台账.docx"),
        ("统计表.et", "xls", "统计表.et"),
        ("方案第3.5版", "pdf", "方案第3.5版.pdf"),
        ("年度总结", "ofd", "年度总结.ofd"),
        (".exe", "pdf", "未命名文件.pdf"),
        ("报告\u202egpj.exe", "jpg", "报告gpj.jpg"),
        ("CON.exe", "pdf", "_CON.pdf"),
        ("证" * 200 + ".html", "pdf", "证" * 83 + ".pdf"),
    ],
)
def test_a_stored_name_has_no_executable_extension_and_fits_its_type(
    given: str, media_type: str, kept: str
) -> None:
    assert stored_name(given, media_type) == kept


@pytest.mark.parametrize(
    "ext", [".exe", ".bat", ".cmd", ".com", ".scr", ".hta", ".js", ".vbs", ".ps1", ".lnk", ".svg",
            ".html", ".htm", ".sh", ".jar", ".msi", ".EXE", ".Ps1"],
)  # fmt: skip
def test_no_executable_or_script_extension_survives(ext: str) -> None:
    assert ext.casefold() in EXECUTABLE_EXTENSIONS
    assert stored_name(f"a.pdf{ext}", "pdf") == "a.pdf"
    assert stored_name(f"说明{ext}", "png") == "说明.png"


def test_the_store_returns_the_stored_and_the_original_name(tmp_path: Path) -> None:
    blob = EvidenceStore(tmp_path / "store").put(io.BytesIO(PDF), name="核查报告.html")
    assert (blob.media_type, blob.name, blob.original_name, blob.renamed) == (
        "pdf", "核查报告.pdf", "核查报告.html", True,
    )  # fmt: skip


# --------------------------------------------------------------------------- bundles


def test_an_honest_handmade_bundle_passes(tmp_path: Path) -> None:
    check = verify_bundle(bundle(tmp_path / "ok.zip", [(stored("p/a.pdf", PDF), listed(PDF))]))
    assert check.ok, check.problems
    assert check.checked == 3


def test_a_manifest_inflating_past_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = deflated_stream("manifest.json", repeated(b" ", 64 * MIB))
    path = bundle(tmp_path / "m.zip", [], manifest=big)
    assert path.stat().st_size < MIB
    result, peak = peak_bytes(lambda: verify_bundle(path))
    assert isinstance(result, BundleInvalid)
    assert str(result) == (
        f"不是有效的佐证材料汇编:{path} 中的 manifest.json 声明解压后为 64.0 MB,超过上限 16 MB,不予校验"
    )
    assert peak < 4 * MIB


def test_a_manifest_whose_header_understates_it_is_read_no_further_than_stated(tmp_path: Path) -> None:
    # The header says 1000 bytes; the stream inflates to 64 MiB: zipfile stops at what the
    # header says and the CRC then fails, at the cost of reading those 1000 bytes.
    lying = deflated_stream("manifest.json", repeated(b" ", 64 * MIB))
    lying.file_size = 1000
    path = bundle(tmp_path / "m.zip", [], manifest=lying)
    result, peak = peak_bytes(lambda: verify_bundle(path))
    assert isinstance(result, BundleInvalid)
    assert str(result).startswith(f"不是有效的佐证材料汇编:{path} 中的 manifest.json 无法读取(Bad CRC-32")
    assert peak < 4 * MIB


def test_a_member_larger_than_the_manifest_says_is_not_inflated(tmp_path: Path) -> None:
    bomb = deflated_stream("p/a.pdf", repeated(b"\x00", 256 * MIB))  # header honest: 256 MiB
    path = bundle(tmp_path / "b.zip", [(bomb, listed(b"0123456789"))])
    result, peak = peak_bytes(lambda: verify_bundle(path))
    assert not isinstance(result, BaseException)
    assert result.problems == [f"被改动:p/a.pdf(大小 {256 * MIB} 字节,清单中为 10 字节)"]
    assert peak < 4 * MIB


def test_a_member_whose_header_understates_it_is_read_only_to_the_stated_size(tmp_path: Path) -> None:
    bomb = deflated_stream("p/a.pdf", repeated(b"\x00", 256 * MIB))
    bomb.file_size = 10  # header and manifest agree on 10 bytes; the stream says otherwise
    path = bundle(tmp_path / "b.zip", [(bomb, listed(b"\x00" * 10))])
    result, peak = peak_bytes(lambda: verify_bundle(path))
    assert not isinstance(result, BaseException)
    assert result.altered == ["p/a.pdf"] and "无法读取" in result.problems[0]
    assert peak < 4 * MIB


def test_a_header_claiming_more_than_deflate_can_reach_is_refused_unread(tmp_path: Path) -> None:
    forged = deflated("p/a.pdf", PDF + os.urandom(8192))  # about 8 KB deflated
    forged.file_size = 20 * MIB  # 2,500:1, within what the ZIP's size allows in total
    path = bundle(tmp_path / "f.zip", [(forged, {**listed(PDF), "size": 20 * MIB})])
    check = verify_bundle(path)
    assert check.refused == ["p/a.pdf"]
    assert check.problems[0].startswith(f"拒绝:汇编 {path.name} 中的 p/a.pdf 声明的压缩比")


def test_declared_sizes_beyond_what_the_zip_could_hold_are_refused(tmp_path: Path) -> None:
    members = [(stored(f"p/{i}.pdf", PDF), {**listed(PDF), "size": 40 * MIB}) for i in range(3)]
    with pytest.raises(BundleInvalid, match=r"声明的文件共 120\.0 MB,超过按汇编大小.*所能容纳的 64\.0 MB"):
        verify_bundle(bundle(tmp_path / "t.zip", members))


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        (0o120777, "是符号链接(汇编中只应有普通文件)"),
        (0o010644, "是特殊文件(目录、设备、管道或套接字;汇编中只应有普通文件)"),
        (0o040755, "是特殊文件(目录、设备、管道或套接字;汇编中只应有普通文件)"),
    ],
)
def test_a_symlink_or_special_file_listed_in_the_manifest_is_refused(tmp_path: Path, mode: int, why: str) -> None:
    target = b"../../../../etc/passwd"
    link = stored("p/a.pdf", target, mode=mode)
    path = bundle(tmp_path / "l.zip", [(link, listed(target))])
    check = verify_bundle(path)
    assert not check.ok
    assert check.refused == ["p/a.pdf"]
    assert check.problems == [f"拒绝:汇编 {path.name} 中的 p/a.pdf {why},未读取"]


def test_a_nested_archive_is_refused_unless_declared_as_a_zip_based_type(tmp_path: Path) -> None:
    inner = write_zip(tmp_path / "inner.zip", [stored("x.txt", b"x")]).read_bytes()
    path = bundle(tmp_path / "n.zip", [(stored("p/a.pdf", inner), listed(inner, "pdf")),
                                        (stored("p/b.zip", inner), listed(inner, "zip"))])  # fmt: skip
    check = verify_bundle(path)
    assert check.refused == ["p/a.pdf"]
    assert check.problems == [f"拒绝:汇编 {path.name} 中的 p/a.pdf 是嵌套的压缩包,而清单中记为“pdf”"]


def test_an_encrypted_member_is_refused_unread(tmp_path: Path) -> None:
    secret = stored("p/a.pdf", PDF, flags=0x801)
    check = verify_bundle(bundle(tmp_path / "e.zip", [(secret, listed(PDF))]))
    assert check.refused == ["p/a.pdf"] and "已加密" in check.problems[0]


def test_a_bundle_of_more_entries_than_the_limit_is_refused_before_zipfile_lists_them(tmp_path: Path) -> None:
    path = zip_of_empty_entries(tmp_path / "many.zip", 200_000, declared=7)
    result, peak = peak_bytes(lambda: verify_bundle(path))
    assert isinstance(result, BundleInvalid)
    assert str(result) == f"不是有效的佐证材料汇编:{path} 含超过 {MAX_ENTRIES} 个条目,超过上限 {MAX_ENTRIES} 个,不予校验"
    assert peak < 4 * MIB


def test_a_manifest_listing_nothing_is_not_a_complete_bundle(tmp_path: Path) -> None:
    empty = json.dumps({"format": "zonecheck-evidence-bundle", "entries": []}).encode()
    path = write_zip(tmp_path / "empty.zip", [deflated("manifest.json", empty)])
    with pytest.raises(BundleInvalid, match="manifest.json 中没有 目录.pdf"):
        verify_bundle(path)


def test_a_manifest_nested_beyond_the_json_parsers_depth_is_invalid_not_a_crash(tmp_path: Path) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    path = write_zip(tmp_path / "deep.zip", [deflated("manifest.json", deep)])
    with pytest.raises(BundleInvalid, match="manifest.json 无法解析"):
        verify_bundle(path)


def test_the_manifest_limit_leaves_room_for_the_largest_bundle() -> None:
    # About 700 bytes per entry, as the builder writes them (indented, Chinese kept).
    assert MAX_ENTRIES * 700 < MAX_MANIFEST_BYTES


# ------------------------------------------------------------------------ catalog YAML

def test_a_yaml_alias_bomb_is_refused_at_its_first_anchor() -> None:
    assert len(ALIAS_BOMB.encode()) < 600  # 9**9 = 387 million strings once expanded
    result, peak = peak_bytes(lambda: load_catalog(ALIAS_BOMB, source="炸弹.yaml"))
    assert isinstance(result, CatalogError)
    assert str(result) == "炸弹.yaml 第 1 行: 方案目录中不能使用 YAML 锚点(&)或别名(*),请把内容直接写出"
    assert peak < 4 * MIB


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("plan:\n  title: x\nmeasures:\n  - ref: '1'\n    units: *u\n", 5),  # an alias alone
        ("plan: &p\n  title: x\n", 1),  # an anchor alone
        ("base: &b {kind: none}\nplan:\n  <<: *b\n", 1),  # a merge key needs an anchor
    ],
)
def test_anchors_aliases_and_merges_are_refused_with_their_line(text: str, line: int) -> None:
    with pytest.raises(CatalogError, match=rf"^x\.yaml 第 {line} 行: 方案目录中不能使用 YAML 锚点"):
        load_catalog(text, source="x.yaml")


@pytest.mark.parametrize("text", ["!!set # 注释\n", "plan: !!binary aGVsbG8=\n", "plan: !custom x\n"])
def test_explicit_tags_are_refused_with_their_line(text: str) -> None:
    # `!!set` on a scalar crashed ruamel.yaml's constructor (AttributeError; found by fuzzing).
    with pytest.raises(CatalogError, match=r"^x\.yaml 第 1 行: 方案目录中不能使用 YAML 标签"):
        load_catalog(text, source="x.yaml")


def test_nesting_past_the_limit_is_refused_with_its_line() -> None:
    text = "plan:\n  title: x\nmeasures: " + "[" * 100_000 + "]" * 100_000 + "\n"
    with pytest.raises(CatalogError, match=r"^x\.yaml 第 3 行: 嵌套超过 20 层,不是方案目录$"):
        load_catalog(text, source="x.yaml")


def test_a_catalog_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    text = "plan:\n  title: x\n" + "# padding\n" * (MAX_CATALOG_BYTES // 10)
    with pytest.raises(CatalogError, match=r"^big\.yaml: 文件超过 5 MB,不是方案目录"):
        load_catalog(text, source="big.yaml")
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    result, peak = peak_bytes(lambda: read_catalog(path))
    assert isinstance(result, CatalogError) and str(result).startswith(f"{path}: 文件超过 5 MB")
    assert peak < MAX_CATALOG_BYTES + 2 * MIB  # one bounded read, never decoded or parsed


def test_a_catalog_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("plan:\n  title: 方案\n".encode("gb18030"))
    with pytest.raises(CatalogError, match=r"gbk\.yaml 第 2 行: 不是 UTF-8 编码的文本"):
        read_catalog(path)


def test_deflated_member_helper_round_trips_through_zipfile(tmp_path: Path) -> None:
    """The hand-built ZIPs are real ZIPs: zipfile reads back what they say."""
    import zipfile

    path = write_zip(tmp_path / "h.zip", [deflated("a/b.txt", b"hello" * 100), stored("c", b"x")])
    with zipfile.ZipFile(path) as archive:
        assert archive.read("a/b.txt") == b"hello" * 100
        assert archive.getinfo("a/b.txt").compress_type == DEFLATED
        assert archive.testzip() is None


# ------------------------------------------------------------------------- any name at all


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(max_size=600) | st.sampled_from(["..", "CON", "a.pdf.exe", "\u202e", "COM¹.txt"]),
    media_type=st.sampled_from(sorted(EXTENSIONS)),
)
def test_any_name_becomes_a_safe_one(name: str, media_type: str) -> None:
    for clean in (sanitise_filename(name), stored_name(name, media_type), safe_component(name)):
        assert clean and len(clean.encode("utf-8")) <= 255
        assert not set(clean) & set('<>:"/\\|?*') and clean == clean.strip(" ")
        assert not clean.startswith(".") and not clean.endswith(".")
        assert all(unicodedata.category(ch) not in ("Cc", "Cf", "Cs") for ch in clean)
        assert pathvalidate.is_valid_filename(clean, platform="universal"), clean
    kept = stored_name(name, media_type)
    assert split_extension(kept)[1].casefold() in EXTENSIONS[media_type]
