"""The evidence bundle (佐证材料汇编) on both backends, read back as its receiver reads it.

The state: Jiading (003) with evidence on measures 10, 12 and 16 — two different files both
named 通报.pdf on one item, the same 台账.pdf handed in twice, Report.png beside report.PNG,
the same 工作方案.pdf for two measures, a link and a note, a replaced file and a withdrawn one
— and Xuchang (002) with an indicator value reported with a file and a link. Each bundle is
unzipped and checked file by file, with `sha256sum -c` and with pdftotext on its index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from checklists.catalog import EvidenceKind
from checklists.catalog_yaml import write_catalog
from reports.bundle import (
    BundleError,
    BundleInvalid,
    build_bundle,
    verify_bundle,
)
from reports.render import Renderer
from workflow.bootstrap import App
from workflow.models import Evidence, Measure, Plan
from workflow.read.plans import find_plan
from workflow.services import measure_work
from workflow.services.evidence import (
    NewEvidence,
    add_evidence,
    remove_evidence,
    replace_evidence,
)
from workflow.services.indicators import report_value
from workflow.services.plan_catalog import catalog_from_plan
from workflow.services.plan_import import import_documents

from .workflow_helpers import (
    JIADING_PEOPLE,
    MARKET,
    actor,
    add_people,
    import_seed,
    measure_id,
    pdf_bytes,
    plan_id,
    png_bytes,
    session_of,
    write_file,
)

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("sha256sum") is None,
    reason="needs poppler-utils (pdftotext) and coreutils (sha256sum)",
)

LINK = "https://www.jiading.gov.cn/scjgj/zscq/2024/lantian-xingdong-tongbao.html"
NOTE = "已在区知识产权联席会议上通报代理行业“蓝天”行动进展"
XUCHANG_LINK = "https://www.xuchang.gov.cn/tjj/2024/zhuanli.html"
GENERATED = dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.UTC)


@dataclass
class State:
    app: App
    jiading: str
    xuchang: str
    ids: dict[str, int]  # a label of each piece of evidence → its id


def _allow_links_and_notes(app: App, key: str, ref: str) -> None:
    """What an office does in its catalog: let item 1 of a measure take links and notes."""
    with app.uow() as uow:
        catalog = catalog_from_plan(uow.session, find_plan(uow.session, key, None))
    kinds = [EvidenceKind.FILE, EvidenceKind.LINK, EvidenceKind.NOTE]
    measures = [
        m.model_copy(update={"checklist": [i.model_copy(update={"evidence_kinds": kinds}) for i in m.checklist]})
        if m.ref == ref
        else m
        for m in catalog.measures
    ]
    path = app.settings.catalog_dir / f"{key}.yaml"
    write_catalog(catalog.model_copy(update={"measures": measures}), path)
    [result] = import_documents(app.uow, [path], catalog_dir=app.settings.catalog_dir)
    assert result.status == "updated"


@pytest.fixture
def state(app: App, seeds_dir: Path, tmp_path: Path) -> State:
    jiading = import_seed(app, seeds_dir, "003")
    xuchang = import_seed(app, seeds_dir, "002")
    add_people(app, JIADING_PEOPLE)
    _allow_links_and_notes(app, jiading, "12")
    for ref in ("10", "12", "16"):
        measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, jiading, ref))
    up = tmp_path / "uploads"
    ids: dict[str, int] = {}

    def add(ref: str, item: int, *files: Path, **kw: Any) -> list[int]:
        views = add_evidence(
            app.uow(), app.store, actor(app, MARKET), measure_id(app, jiading, ref), item=item, new=NewEvidence(files=list(files), **kw)
        )
        return [v.id for v in views]

    plan_a = write_file(up, "工作方案.pdf", pdf_bytes("工作方案"))
    ids["通报甲"], ids["通报乙"] = add(
        "10", 1,
        write_file(up / "a", "通报.pdf", pdf_bytes("通报 甲")),
        write_file(up / "b", "通报.pdf", pdf_bytes("通报 乙")),
        doc_date=dt.date(2024, 1, 15),
    )  # fmt: skip
    ledger = write_file(up, "台账.pdf", pdf_bytes("台账"))
    [ids["台账1"]] = add("10", 1, ledger)
    [ids["台账2"]] = add("10", 1, ledger)
    ids["Report"], ids["report"] = add(
        "10", 1, write_file(up, "Report.png", png_bytes((10, 20, 30))), write_file(up, "report.PNG", png_bytes((200, 20, 30)))
    )
    [ids["方案10"]] = add("10", 1, plan_a)
    [ids["方案12"]] = add("12", 1, plan_a)
    [ids["链接"]] = add("12", 1, links=[LINK])
    [ids["说明"]] = add("12", 1, note=NOTE)
    [ids["旧版"]] = add("12", 1, write_file(up, "检查记录.pdf", pdf_bytes("检查记录 旧版")))
    [ids["新版"]] = [
        v.id
        for v in replace_evidence(
            app.uow(), app.store, actor(app, MARKET), ids["旧版"], new=NewEvidence(files=[write_file(up / "new", "检查记录.pdf", pdf_bytes("检查记录 新版"))])
        )
    ]
    [ids["照片"], ids["误传"]] = add(
        "16", 2, write_file(up, "现场照片.png", png_bytes((1, 2, 3), size=16)), write_file(up, "误传.pdf", pdf_bytes("误传"))
    )
    remove_evidence(app.uow(), actor(app, MARKET), ids["误传"])
    report_value(
        app.uow(), app.store, actor(app, MARKET), plan_id(app, xuchang), 1, "3712",
        as_of=dt.date(2024, 12, 31),
        evidence=NewEvidence(files=[write_file(up, "统计表.pdf", pdf_bytes("有效发明专利 3712 件"))], links=[XUCHANG_LINK]),
    )  # fmt: skip
    return State(app, jiading, xuchang, ids)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """A folder of its own for the bundles, to see that nothing else is left in it."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


# ------------------------------------------------------------------------------- helpers


def renderer(app: App) -> Renderer:
    return Renderer(app.settings.home / "templates")


def build(state: State, plan: str, out: Path, **kw: Any) -> Any:
    return build_bundle(state.app.uow(), state.app.store, renderer(state.app), plan, out, generated_at=GENERATED, **kw)


def unzip(bundle: Path, folder: Path) -> dict[str, Any]:
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return manifest


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def squash(text: str) -> str:
    return re.sub(r"[\s\u200b]+", "", text)


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True)
    return squash(out.stdout)


def by_evidence(manifest: dict[str, Any]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for entry in manifest["entries"]:
        if entry.get("evidence_id") is not None:
            assert entry["evidence_id"] not in found, f"evidence #{entry['evidence_id']} listed twice"
            found[entry["evidence_id"]] = entry
    return found


def evidence_rows(app: App, key: str) -> list[Evidence]:
    with session_of(app) as session:
        return list(
            session.scalars(
                select(Evidence).join(Measure).join(Plan).where(Plan.key == key).order_by(Evidence.id)
            )
        )


def measure_folder(manifest: dict[str, Any], evidence_id: int) -> str:
    return by_evidence(manifest)[evidence_id]["path"].rsplit("/", 2)[0]


def rewrite(bundle: Path, out: Path, *, drop: str | None = None, alter: str | None = None, add: str | None = None) -> None:
    """A copy of `bundle` with one member left out, one changed and one added."""
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename == drop:
                continue
            data = source.read(info)
            if info.filename == alter:
                data = data[:-8] + b"tampered"
            target.writestr(info, data)
        if add:
            target.writestr(add, b"not in the manifest")


# --------------------------------------------------------------------------------- tests


def test_every_current_file_is_in_its_measures_folder_once_with_its_hash(
    state: State, tmp_path: Path, out_dir: Path
) -> None:
    out = out_dir / "汇编.zip"
    summary = build(state, state.jiading, out)
    manifest = unzip(out, tmp_path / "x")
    listed = by_evidence(manifest)
    rows = evidence_rows(state.app, state.jiading)
    current_files = [e for e in rows if e.current and e.kind is EvidenceKind.FILE]
    assert summary.files == len(current_files) == 10
    assert summary.total_size == sum(e.size or 0 for e in current_files)
    assert summary.links == 1 and summary.notes == 1
    assert summary.zip_size == out.stat().st_size and summary.sha256 == sha256_of(out)
    for e in current_files:
        entry = listed[e.id]
        path = tmp_path / "x" / entry["path"]
        assert sha256_of(path) == e.sha256 == entry["sha256"]
        assert path.stat().st_size == e.size == entry["size"]
        assert entry["path"].startswith(f"{state.jiading}/")
        assert f"/措施 {entry['measure']} " in entry["path"] and f"/清单项 {entry['item']}/" in entry["path"]
        assert (entry["original_name"], entry["uploaded_by"], entry["unit"]) == (e.file_name, MARKET, "区市场监管局")
        assert entry["doc_date"] == e.doc_date.isoformat() and entry["media_type"] == e.media_type
        assert dt.datetime.fromisoformat(entry["uploaded_at"]).utcoffset() == dt.timedelta(0)
        assert not entry["superseded"] and not entry["removed"]
    # Neither the replaced nor the withdrawn file went in.
    assert state.ids["旧版"] not in listed and state.ids["误传"] not in listed
    files_in_zip = sorted(str(p.relative_to(tmp_path / "x")) for p in (tmp_path / "x").rglob("*") if p.is_file())
    expected = sorted([e["path"] for e in manifest["entries"] if e.get("path")] + ["manifest.json"])
    assert files_in_zip == expected
    assert manifest["plan"] == {"key": state.jiading, "title": "嘉定区建设上海市知识产权保护示范区实施方案", "doc_number": "嘉府发〔2023〕18号"}
    assert (manifest["generator"], manifest["generated_at"]) == ("zonecheck", "2026-03-01T02:30:00+00:00")
    # The bundle is complete on its own; nothing is left beside it.
    assert verify_bundle(out).ok
    assert sorted(p.name for p in out.parent.iterdir()) == ["汇编.zip"]


def test_two_files_with_one_name_are_both_kept_under_distinct_visible_names(state: State, tmp_path: Path) -> None:
    out = tmp_path / "汇编.zip"
    build(state, state.jiading, out)
    manifest = unzip(out, tmp_path / "x")
    listed = by_evidence(manifest)
    names = {label: listed[state.ids[label]]["path"] for label in ("通报甲", "通报乙", "台账1", "台账2", "Report", "report")}
    folder = names["通报甲"].rsplit("/", 1)[0]
    assert names["通报甲"] == f"{folder}/通报.pdf" and names["通报乙"] == f"{folder}/通报 (2).pdf"
    assert names["台账1"] == f"{folder}/台账.pdf" and names["台账2"] == f"{folder}/台账 (2).pdf"
    # Report.png and report.PNG would overwrite each other on Windows and macOS.
    assert names["Report"] == f"{folder}/Report.png" and names["report"] == f"{folder}/report (2).PNG"
    for label in ("通报甲", "通报乙"):
        assert listed[state.ids[label]]["original_name"] == "通报.pdf"
    x = tmp_path / "x"
    assert sha256_of(x / names["通报甲"]) != sha256_of(x / names["通报乙"])
    assert sha256_of(x / names["台账1"]) == sha256_of(x / names["台账2"])


def test_a_file_handed_in_for_two_measures_is_in_both_measures_folders(state: State, tmp_path: Path) -> None:
    out = tmp_path / "汇编.zip"
    build(state, state.jiading, out)
    manifest = unzip(out, tmp_path / "x")
    listed = by_evidence(manifest)
    ten, twelve = listed[state.ids["方案10"]], listed[state.ids["方案12"]]
    assert ten["sha256"] == twelve["sha256"]
    assert ten["path"].endswith("/清单项 1/工作方案.pdf") and twelve["path"].endswith("/清单项 1/工作方案.pdf")
    assert "/措施 10 " in ten["path"] and "/措施 12 " in twelve["path"]
    assert (tmp_path / "x" / ten["path"]).read_bytes() == (tmp_path / "x" / twelve["path"]).read_bytes()


def test_links_and_notes_are_listed_without_a_file(state: State, tmp_path: Path) -> None:
    out = tmp_path / "汇编.zip"
    build(state, state.jiading, out)
    listed = by_evidence(unzip(out, tmp_path / "x"))
    link, note = listed[state.ids["链接"]], listed[state.ids["说明"]]
    assert (link["kind"], link["path"], link["url"], link["measure"], link["item"]) == ("link", None, LINK, "12", 1)
    assert (note["kind"], note["path"], note["note"]) == ("note", None, NOTE)
    text = pdf_text(tmp_path / "x" / "目录.pdf")
    assert squash(LINK) in text and squash(NOTE) in text


def test_sha256sum_checks_the_unzipped_bundle(state: State, tmp_path: Path) -> None:
    out = tmp_path / "汇编.zip"
    build(state, state.jiading, out)
    manifest = unzip(out, tmp_path / "x")
    result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path / "x", capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    checked = [line for line in result.stdout.splitlines() if line.endswith(": OK")]
    assert len(checked) == len([e for e in manifest["entries"] if e.get("path") and e["kind"] != "checksums"])
    # And it notices a changed file.
    victim = tmp_path / "x" / by_evidence(manifest)[state.ids["通报乙"]]["path"]
    victim.write_bytes(victim.read_bytes() + b"%")
    failed = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=tmp_path / "x", capture_output=True, text=True)
    assert failed.returncode == 1 and "通报 (2).pdf: FAILED" in failed.stdout


def test_the_index_pdf_lists_every_file_with_its_path_and_full_hash(state: State, tmp_path: Path) -> None:
    out = tmp_path / "汇编.zip"
    summary = build(state, state.jiading, out)
    manifest = unzip(out, tmp_path / "x")
    [index] = [e for e in manifest["entries"] if e["kind"] == "index"]
    assert index["path"] == "目录.pdf" and index["sha256"] == sha256_of(tmp_path / "x" / "目录.pdf")
    assert index["pages"] == summary.index_pages >= 1
    text = pdf_text(tmp_path / "x" / "目录.pdf")
    assert squash("《嘉定区建设上海市知识产权保护示范区实施方案》佐证材料汇编目录") in text
    for entry in manifest["entries"]:
        if entry["kind"] != "file":
            continue
        folder, _, relative = entry["path"].partition(f"/清单项 {entry['item']}/")
        assert squash(folder) in text, folder  # the measure's folder, above its table
        assert squash(f"清单项 {entry['item']}/{relative}") in text, relative
        assert entry["sha256"] in text, entry["path"]
        assert f"#{entry['evidence_id']}" in text
    assert "本汇编共收录佐证文件10个" in text
    assert "原文件名:通报.pdf" in text  # beside 通报 (2).pdf


def test_with_all_replaced_and_withdrawn_files_go_in_their_own_subfolders(state: State, tmp_path: Path) -> None:
    out = tmp_path / "全部.zip"
    summary = build(state, state.jiading, out, include_superseded=True)
    manifest = unzip(out, tmp_path / "x")
    listed = by_evidence(manifest)
    old, new, gone = listed[state.ids["旧版"]], listed[state.ids["新版"]], listed[state.ids["误传"]]
    assert old["path"].endswith("/清单项 1/已替换/检查记录.pdf") and new["path"].endswith("/清单项 1/检查记录.pdf")
    assert (old["superseded"], old["superseded_by"], new["superseded"]) == (True, state.ids["新版"], False)
    assert gone["path"].endswith("/清单项 2/已撤下/误传.pdf") and gone["removed"]
    assert summary.files == 12 and manifest["include_superseded"] is True
    assert sha256_of(tmp_path / "x" / old["path"]) == old["sha256"]
    assert verify_bundle(out).ok


def test_a_measure_a_revision_withdrew_keeps_its_evidence_in_the_bundle(
    state: State, seeds_dir: Path, tmp_path: Path
) -> None:
    # The revised document drops measure 16; its recorded work keeps it as a retired measure.
    original = next(seeds_dir.glob("003_*.txt"))
    lines = original.read_text(encoding="utf-8").splitlines()
    revised = tmp_path / "revision" / original.name
    revised.parent.mkdir()
    revised.write_text("\n".join(line for line in lines if not line.startswith("16.")) + "\n", encoding="utf-8")
    import_documents(state.app.uow, [revised], catalog_dir=state.app.settings.catalog_dir)
    with session_of(state.app) as session:
        retired = session.scalar(select(Measure).join(Plan).where(Plan.key == state.jiading, Measure.ref == "16"))
        assert retired is not None and retired.retired_at is not None
    out = tmp_path / "汇编.zip"
    build(state, state.jiading, out)
    listed = by_evidence(unzip(out, tmp_path / "x"))
    photo = listed[state.ids["照片"]]
    assert "/措施 16 " in photo["path"] and "(已撤销)/清单项 2/现场照片.png" in photo["path"]
    assert verify_bundle(out).ok


def test_indicator_evidence_is_filed_under_the_indicator(state: State, tmp_path: Path) -> None:
    out = tmp_path / "许昌.zip"
    summary = build(state, state.xuchang, out)
    manifest = unzip(out, tmp_path / "x")
    [file_entry] = [e for e in manifest["entries"] if e["kind"] == "file"]
    [link] = [e for e in manifest["entries"] if e["kind"] == "link"]
    assert file_entry["path"] == f"{state.xuchang}/量化指标/01 全市有效发明专利拥有量达到3600件/截至 2024-12-31/统计表.pdf"
    assert (file_entry["indicator"], file_entry["indicator_report"]) == (1, {"value": "3712", "as_of": "2024-12-31"})
    assert (file_entry["measure"], file_entry["item"]) == (None, None)
    assert (link["url"], link["indicator"]) == (XUCHANG_LINK, 1)
    assert sha256_of(tmp_path / "x" / file_entry["path"]) == file_entry["sha256"]
    assert summary.files == 1 and summary.links == 1
    text = pdf_text(tmp_path / "x" / "目录.pdf")
    for fact in ("量化指标佐证材料", "全市有效发明专利拥有量达到3600件", "截至 2024-12-31/统计表.pdf", file_entry["sha256"], "填报值3712件"):
        assert squash(fact) in text, fact


def test_verify_reports_a_missing_an_altered_and_an_extra_file(state: State, tmp_path: Path) -> None:
    out = tmp_path / "汇编.zip"
    build(state, state.jiading, out)
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    listed = by_evidence(manifest)
    dropped, altered = listed[state.ids["通报甲"]]["path"], listed[state.ids["台账2"]]["path"]
    extra = f"{state.jiading}/多出来的文件.pdf"
    tampered = tmp_path / "改过.zip"
    rewrite(out, tampered, drop=dropped, alter=altered, add=extra)
    check = verify_bundle(tampered)
    assert not check.ok
    assert (check.missing, check.altered, check.extra) == ([dropped], [altered], [extra])
    assert f"缺失:{dropped}(清单中有,压缩包中没有)" in check.problems
    assert f"被改动:{altered}(sha256 与清单不符)" in check.problems
    assert f"多出:{extra}(压缩包中有,清单中没有)" in check.problems
    assert len(check.problems) == 3
    # A changed SHA256SUMS is caught too (it is listed in the manifest).
    rewrite(out, tmp_path / "sums.zip", alter="SHA256SUMS")
    assert verify_bundle(tmp_path / "sums.zip").altered == ["SHA256SUMS"]


def test_verify_refuses_a_file_that_is_not_a_bundle(state: State, tmp_path: Path) -> None:
    not_zip = tmp_path / "假的.zip"
    not_zip.write_bytes(pdf_bytes("not a zip"))
    with pytest.raises(BundleInvalid, match="不是有效的佐证材料汇编:.*不是 ZIP 文件或已损坏"):
        verify_bundle(not_zip)
    out = tmp_path / "汇编.zip"
    build(state, state.jiading, out)
    rewrite(out, tmp_path / "无清单.zip", drop="manifest.json")
    with pytest.raises(BundleInvalid, match="不是有效的佐证材料汇编:缺少 manifest.json"):
        verify_bundle(tmp_path / "无清单.zip")
    truncated = tmp_path / "截断.zip"
    truncated.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
    with pytest.raises(BundleInvalid, match="不是有效的佐证材料汇编"):
        verify_bundle(truncated)


def _blob(state: State, label: str) -> Path:
    [row] = [e for e in evidence_rows(state.app, state.jiading) if e.id == state.ids[label]]
    assert row.sha256
    return state.app.store.path_of(row.sha256)


@pytest.mark.parametrize("damage", ["missing", "altered"])
def test_a_missing_or_altered_stored_file_fails_the_build_and_writes_nothing(
    state: State, out_dir: Path, damage: str
) -> None:
    out = out_dir / "汇编.zip"
    build(state, state.jiading, out)
    before = out.read_bytes()
    blob = _blob(state, "通报乙")
    if damage == "missing":
        blob.unlink()
        expected = "在材料库中缺失"
    else:
        os.chmod(blob, 0o644)
        data = blob.read_bytes()
        blob.write_bytes(data[:-8] + b"tampered")  # same size: only the hash can tell
        expected = "已被改动(sha256 与记录不符)"
    fresh = out_dir / "新的.zip"
    for target in (fresh, out):
        with pytest.raises(BundleError) as failure:
            build(state, state.jiading, target)
        message = str(failure.value)
        assert f"佐证材料#{state.ids['通报乙']}“通报.pdf”" in message
        assert f"措施 {state.jiading}/10 清单第 1 项" in message and expected in message
    assert not fresh.exists()
    assert out.read_bytes() == before  # the earlier bundle is untouched
    assert sorted(p.name for p in out_dir.iterdir()) == ["汇编.zip"]


def test_an_interrupted_build_leaves_no_partial_file(state: State, out_dir: Path) -> None:
    out = out_dir / "汇编.zip"

    def interrupt(done: int, total: int, path: str) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(state, state.jiading, out, on_file=interrupt)
    assert list(out_dir.iterdir()) == []


def test_progress_is_reported_once_per_file_in_order(state: State, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    summary = build(state, state.jiading, tmp_path / "汇编.zip", on_file=lambda done, total, path: seen.append((done, total)))
    assert seen == [(n, summary.files) for n in range(1, summary.files + 1)]


def test_a_plan_without_evidence_gives_no_bundle(app: App, seeds_dir: Path, tmp_path: Path) -> None:
    key = import_seed(app, seeds_dir, "001")
    from workflow.errors import InputError

    with pytest.raises(InputError, match="尚无有效的佐证材料,未生成汇编"):
        build_bundle(app.uow(), app.store, renderer(app), key, tmp_path / "空.zip")
    assert list(tmp_path.glob("*.zip")) == []
