"""Evidence through the service on both backends: files land in the store and the database
together or not at all, refused files leave nothing behind, and recorded evidence is kept."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from workflow.bootstrap import App
from workflow.errors import InputError, Refused
from workflow.evidence import EvidenceRefused, EvidenceStore
from workflow.models import Evidence
from workflow.read.evidence import list_evidence
from workflow.services import evidence as evidence_service
from workflow.services import measure_work
from workflow.services.evidence import (
    NewEvidence,
    add_evidence,
    remove_evidence,
    replace_evidence,
    verify_store,
)

from .workflow_helpers import (
    COURT,
    JIADING_PEOPLE,
    MARKET,
    REVIEWER_A,
    actor,
    add_people,
    audit_entries,
    count,
    import_seed,
    last_audit,
    measure_id,
    pdf_bytes,
    png_bytes,
    session_of,
    snapshot,
    store_files,
    write_file,
)


@pytest.fixture
def plan(app: App, seeds_dir: Path) -> str:
    """Seed 003 with its people; measure 10 (区市场监管局 alone) started."""
    key = import_seed(app, seeds_dir, "003")
    add_people(app, JIADING_PEOPLE)
    measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, key, "10"))
    return key


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


def rows(app: App) -> list[Evidence]:
    with session_of(app) as session:
        return list(session.scalars(select(Evidence).order_by(Evidence.id)))


def add(app: App, plan: str, *files: Path, store: EvidenceStore | None = None, **kw: Any) -> Any:
    new = NewEvidence(files=list(files), **kw)
    return add_evidence(app.uow(), store or app.store, actor(app, MARKET), measure_id(app, plan, "10"), item=1, new=new)


def blob_path(app: App, sha256: str | None) -> Path:
    assert sha256 is not None
    return app.store.path_of(sha256)


def padded_pdf(label: str, size: int) -> bytes:
    """A PDF of about `size` bytes (a trailing comment pads it), so it spans many chunks."""
    data = pdf_bytes(label)
    return data + b"%" + b"x" * max(0, size - len(data) - 2) + b"\n"


def test_files_are_stored_by_content_and_recorded_with_an_audit_entry(
    app: App, plan: str, uploads: Path
) -> None:
    pdf = write_file(uploads, "通知.pdf", pdf_bytes("notice"))
    png = write_file(uploads, "照片.png", png_bytes())
    views = add(app, plan, pdf, png, note="通知与照片")
    assert [(v.file_name, v.media_type, v.size) for v in views] == [
        ("通知.pdf", "pdf", pdf.stat().st_size),
        ("照片.png", "png", png.stat().st_size),
    ]
    for view, source in zip(views, (pdf, png), strict=True):
        assert blob_path(app, view.sha256).read_bytes() == source.read_bytes()
    entry = last_audit(app)
    assert (entry.action, entry.target, entry.comment) == (
        "evidence_add",
        f"{plan}/10",
        "通知与照片",
    )
    assert [e["sha256"] for e in entry.detail["evidence"]] == [v.sha256 for v in views]
    assert [v.id for v in list_evidence(app.uow(), None, measure_id(app, plan, "10"))] == [v.id for v in views]


def test_a_full_disk_mid_file_leaves_no_row_no_blob_and_no_temp_file(
    app: App, plan: str, uploads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EvidenceStore(app.settings.evidence_dir, chunk_size=1024)
    first = write_file(uploads, "照片.png", png_bytes())  # stored whole before the disk fills
    big = write_file(uploads, "会议纪要.pdf", padded_pdf("minutes", 10_000))
    temp_dir = app.settings.evidence_dir / "tmp"
    real_write = os.write
    writes: list[int] = []

    def fill_up(fd: int, data: Any) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(temp_dir)):
            writes.append(fd)
            if len(writes) > 3:  # the big file's third chunk: the disk is full mid-file
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", fill_up)
    entries = len(audit_entries(app))
    before = snapshot(app, plan, "10")
    with pytest.raises(EvidenceRefused) as caught:
        add(app, plan, first, big, store=store)
    assert str(caught.value) == f"磁盘空间不足,文件“{big}”未保存"
    assert len(writes) == 4
    assert rows(app) == []
    assert store_files(app.settings.evidence_dir) == []  # neither blob nor temp file
    assert len(audit_entries(app)) == entries
    assert snapshot(app, plan, "10") == before


def test_a_database_failure_after_the_blobs_are_stored_discards_the_new_blob(
    app: App, plan: str, uploads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = write_file(uploads, "方案.pdf", pdf_bytes("plan"))
    stored: list[Path] = []
    real_detail = evidence_service._audit_detail

    def fail_in_transaction(new_rows: Any, item: Any, *rest: Any) -> Any:
        # The rows are flushed by now: the blob is on disk and the transaction is half done.
        stored.extend(store_files(app.settings.evidence_dir / "objects"))
        real_detail(new_rows, item)
        raise OperationalError(
            "INSERT INTO audit_log …", {}, Exception("server closed the connection")
        )

    monkeypatch.setattr(evidence_service, "_audit_detail", fail_in_transaction)
    entries = len(audit_entries(app))
    before = snapshot(app, plan, "10")
    with pytest.raises(OperationalError):
        add(app, plan, pdf)
    assert len(stored) == 1  # the blob existed during the transaction …
    assert store_files(app.settings.evidence_dir) == []  # … and is gone again
    assert rows(app) == []
    assert len(audit_entries(app)) == entries
    assert snapshot(app, plan, "10") == before


def test_a_blob_used_by_an_earlier_row_is_never_discarded(
    app: App, plan: str, uploads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = write_file(uploads, "共用.pdf", pdf_bytes("shared"))
    [kept] = add(app, plan, shared)
    kept_blob = blob_path(app, kept.sha256)

    # The same content again, plus a new image, in an upload whose transaction fails.
    fresh = write_file(uploads, "新图.png", png_bytes((1, 2, 3)))

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("INSERT", {}, Exception("deadlock detected"))

    monkeypatch.setattr(evidence_service, "_audit_detail", fail)
    with pytest.raises(OperationalError):
        add(app, plan, shared, fresh)
    assert kept_blob.exists()
    assert store_files(app.settings.evidence_dir / "objects") == [kept_blob]

    # Even when the earlier row's blob had gone missing and this upload recreated it
    # (so the store reports it as new), the earlier row keeps it.
    kept_blob.unlink()
    with pytest.raises(OperationalError):
        add(app, plan, shared)
    assert kept_blob.read_bytes() == shared.read_bytes()
    assert [r.id for r in rows(app)] == [kept.id]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("空白.pdf", b"", "是空文件,未保存"),
        ("大文件.pdf", padded_pdf("big", 5000), "超过大小上限 4 KB,未保存"),
        ("假装.pdf", "这是一段文字,不是 PDF。".encode(), "类型不在允许范围内(检测为:文本)"),
        ("程序.pdf", b"MZ\x90\x00" + b"\x00" * 200, "类型不在允许范围内(检测为:可执行文件)"),
    ],
    ids=["empty", "oversized", "text", "executable"],
)
def test_a_refused_file_stores_nothing(
    app: App, plan: str, uploads: Path, name: str, data: bytes, message: str
) -> None:
    store = EvidenceStore(app.settings.evidence_dir, max_bytes=4096)
    good = write_file(uploads, "先传的.png", png_bytes())  # its new blob is undone too
    bad = write_file(uploads, name, data)
    entries = len(audit_entries(app))
    with pytest.raises(EvidenceRefused) as caught:
        add(app, plan, good, bad, store=store)
    assert str(caught.value).startswith(f"文件“{bad}”")
    assert message in str(caught.value)
    assert rows(app) == []
    assert store_files(app.settings.evidence_dir) == []
    assert len(audit_entries(app)) == entries


def test_evidence_for_a_measure_of_another_unit_is_refused_before_any_byte_is_stored(
    app: App, plan: str, uploads: Path
) -> None:
    pdf = write_file(uploads, "材料.pdf", pdf_bytes("x"))
    with pytest.raises(Refused, match="所在单位不是措施 003_ae6539458f46096d/10的责任单位"):
        add_evidence(
            app.uow(), app.store, actor(app, COURT), measure_id(app, plan, "10"), item=1, new=NewEvidence(files=[pdf])
        )
    with pytest.raises(Refused, match="尚未启动"):
        add_evidence(
            app.uow(), app.store, actor(app, MARKET), measure_id(app, plan, "12"), item=1, new=NewEvidence(files=[pdf])
        )
    with pytest.raises(InputError, match="没有清单第 5 项"):
        add_evidence(
            app.uow(), app.store, actor(app, MARKET), measure_id(app, plan, "10"), item=5, new=NewEvidence(files=[pdf])
        )
    assert store_files(app.settings.evidence_dir) == []
    assert rows(app) == []
    refusals = [(e.actor, e.action, e.refused) for e in audit_entries(app)[-2:]]
    assert refusals == [(COURT, "evidence_add", True), (MARKET, "evidence_add", True)]


def test_evidence_is_removed_only_before_the_first_self_check_then_only_replaced(
    app: App, plan: str, uploads: Path
) -> None:
    m10 = measure_id(app, plan, "10")
    [mistake] = add(app, plan, write_file(uploads, "错传.pdf", pdf_bytes("wrong")))
    removed = remove_evidence(app.uow(), actor(app, MARKET), mistake.id)
    assert removed.removed and not removed.current
    [first] = add(app, plan, write_file(uploads, "方案.pdf", pdf_bytes("v1")))
    measure_work.set_part(app.uow(), actor(app, MARKET), m10)
    measure_work.submit_self_check(app.uow(), actor(app, MARKET), m10, statement="已完成")

    # Under review, the evidence is frozen.
    with pytest.raises(Refused, match="已提交自查、正在审核,不能变更佐证材料"):
        replace_evidence(app.uow(), app.store, actor(app, MARKET), first.id, new=NewEvidence(note="补充"))
    measure_work.return_for_rectification(app.uow(), actor(app, REVIEWER_A), m10, comment="请更新方案")

    before = snapshot(app, plan, "10")
    with pytest.raises(Refused, match="已提交过自查,佐证材料不能删除,只能替换$") as locked:
        remove_evidence(app.uow(), actor(app, MARKET), first.id)
    # The CLI names its replace command from these (zonecheck evidence replace N).
    assert (locked.value.code, locked.value.params) == ("evidence_locked", {"evidence": first.id})
    assert snapshot(app, plan, "10") == before
    assert last_audit(app).refused and last_audit(app).action == "evidence_remove"

    new_pdf = write_file(uploads, "方案(修订).pdf", pdf_bytes("v2"))
    [replacement] = replace_evidence(
        app.uow(), app.store, actor(app, MARKET), first.id, new=NewEvidence(files=[new_pdf])
    )
    stored = {r.id: r for r in rows(app)}
    assert stored[first.id].superseded_by_id == replacement.id
    assert stored[first.id].removed_at is None
    assert stored[replacement.id].superseded_by_id is None
    assert blob_path(app, first.sha256).exists() and blob_path(app, replacement.sha256).exists()
    assert [v.id for v in list_evidence(app.uow(), None, m10)] == [replacement.id]
    assert [v.id for v in list_evidence(app.uow(), None, m10, include_old=True)] == [
        mistake.id,
        first.id,
        replacement.id,
    ]
    entry = last_audit(app)
    assert (entry.action, entry.detail["replaces"]) == ("evidence_replace", first.id)

    with pytest.raises(Refused, match="已被替换或删除,不能再替换"):
        replace_evidence(app.uow(), app.store, actor(app, MARKET), first.id, new=NewEvidence(note="再换"))
    assert count(app, Evidence) == 3


def test_evidence_verify_finds_a_deleted_and_an_altered_blob(
    app: App, plan: str, uploads: Path
) -> None:
    gone, changed, intact = add(
        app,
        plan,
        write_file(uploads, "甲.pdf", pdf_bytes("a")),
        write_file(uploads, "乙.png", png_bytes()),
        write_file(uploads, "丙.pdf", pdf_bytes("c")),
    )
    clean = verify_store(app.uow(), app.store)
    assert clean.ok and clean.checked == 3

    blob_path(app, gone.sha256).unlink()
    altered = blob_path(app, changed.sha256)
    altered.chmod(0o644)
    data = bytearray(altered.read_bytes())
    data[-1] ^= 0xFF  # same size, different content
    altered.write_bytes(bytes(data))

    report = verify_store(app.uow(), app.store)
    assert not report.ok and report.checked == 3
    assert report.problems == [
        f"缺失:佐证材料#{gone.id}“甲.pdf”(sha256 {gone.sha256[:12]}…)",
        f"被改动:佐证材料#{changed.id}“乙.png”(sha256 {changed.sha256[:12]}…)",
    ]
    assert blob_path(app, intact.sha256).exists()


def test_a_co_unit_cannot_replace_or_remove_another_units_evidence_but_the_lead_can(
    app: App, plan: str, uploads: Path
) -> None:
    from .workflow_helpers import ECONOMY

    m3 = measure_id(app, plan, "3")  # 区市场监管局 leads, 区经委 co-operates
    measure_work.start(app.uow(), actor(app, MARKET), m3)
    new = NewEvidence(files=[write_file(uploads, "监管局.pdf", pdf_bytes("lead"))])
    [lead_file] = add_evidence(app.uow(), app.store, actor(app, MARKET), m3, item=1, new=new)
    new = NewEvidence(files=[write_file(uploads, "经委.pdf", pdf_bytes("co"))])
    [co_file] = add_evidence(app.uow(), app.store, actor(app, ECONOMY), m3, item=1, new=new)

    before = snapshot(app, plan, "3")
    with pytest.raises(Refused, match=rf"佐证材料#{lead_file.id} 由区市场监管局提交"):
        replace_evidence(app.uow(), app.store, actor(app, ECONOMY), lead_file.id, new=NewEvidence(note="改"))
    with pytest.raises(Refused, match="不能替换或撤下"):
        remove_evidence(app.uow(), actor(app, ECONOMY), lead_file.id)
    assert snapshot(app, plan, "3") == before
    assert last_audit(app).refused

    # The lead unit may tidy up the co-unit's evidence.
    assert remove_evidence(app.uow(), actor(app, MARKET), co_file.id).removed


def test_evidence_verify_clears_the_temp_file_of_an_upload_killed_midway(
    app: App, plan: str, uploads: Path
) -> None:
    from workflow.evidence.blobs import _TEMP_PREFIX, _TEMP_SUFFIX

    add(app, plan, write_file(uploads, "甲.pdf", pdf_bytes("a")))
    tmp = app.store.root / "tmp"
    stale = tmp / f"{_TEMP_PREFIX}killed{_TEMP_SUFFIX}"
    stale.write_bytes(b"%PDF-1.4 half a file")
    two_hours_ago = stale.stat().st_mtime - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    fresh = tmp / f"{_TEMP_PREFIX}uploading{_TEMP_SUFFIX}"  # an upload still running
    fresh.write_bytes(b"%PDF-1.4 in progress")

    report = verify_store(app.uow(), app.store)
    assert report.ok and report.swept == 1
    assert not stale.exists() and fresh.exists()
