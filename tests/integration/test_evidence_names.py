"""Stored evidence names on both backends: the name recorded fits the detected content, an
executable extension never survives, and the name as handed in stays in the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

from reports.bundle import build_bundle
from reports.render import Renderer
from workflow.bootstrap import App
from workflow.services import measure_work
from workflow.services.evidence import NewEvidence, add_evidence

from .workflow_helpers import (
    JIADING_PEOPLE,
    MARKET,
    actor,
    add_people,
    import_seed,
    last_audit,
    measure_id,
    pdf_bytes,
    png_bytes,
    write_file,
)


def test_names_that_do_not_fit_the_content_are_stored_with_its_extension(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    plan = import_seed(app, seeds_dir, "003")
    add_people(app, JIADING_PEOPLE)
    measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, plan, "10"))
    up = tmp_path / "uploads"
    files = [
        write_file(up, "核查报告.html", pdf_bytes("核查报告")),
        write_file(up, "现场照片.png.exe", png_bytes()),
        write_file(up, "台账.pdf", pdf_bytes("台账")),
    ]
    views = add_evidence(
        app.uow(), app.store, actor(app, MARKET), measure_id(app, plan, "10"), item=1,
        new=NewEvidence(files=files, doc_date=dt.date(2024, 1, 15)),
    )  # fmt: skip
    assert [v.file_name for v in views] == ["核查报告.pdf", "现场照片.png", "台账.pdf"]

    entry = last_audit(app)
    assert entry.action == "evidence_add"
    recorded = [(e["name"], e.get("original_name")) for e in entry.detail["evidence"]]
    assert recorded == [("核查报告.pdf", "核查报告.html"), ("现场照片.png", "现场照片.png.exe"), ("台账.pdf", None)]

    # The bundle files them under the stored names, and maps each back to it.
    out = tmp_path / "汇编.zip"
    build_bundle(app.uow(), app.store, Renderer(app.settings.home / "templates"), plan, out)
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = {e["path"].rsplit("/", 1)[-1]: e["original_name"] for e in manifest["entries"] if e["kind"] == "file"}
    assert names == {"核查报告.pdf": "核查报告.pdf", "现场照片.png": "现场照片.png", "台账.pdf": "台账.pdf"}
