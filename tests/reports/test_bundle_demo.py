"""The evidence bundle of the demo's Jiading plan (tests/support/demo_state.py), on both backends:
every current file of every measure, the two units' 工作台账.pdf of measure 3 both kept."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from reports.bundle import build_bundle, verify_bundle
from workflow.read.plans import find_plan, load_measures

from .conftest import Demo

pytestmark = pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils")


def test_the_jiading_demo_bundle_holds_every_current_file_and_checks_out(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "嘉定.zip"
    summary = build_bundle(demo.app.uow(), demo.app.store, demo.renderer, demo.keys["003"], out)
    with zipfile.ZipFile(out) as archive:
        archive.extractall(tmp_path / "x")
    manifest = json.loads((tmp_path / "x" / "manifest.json").read_text(encoding="utf-8"))
    listed = {e["evidence_id"]: e for e in manifest["entries"] if e.get("evidence_id")}
    with demo.app.uow() as uow:
        measures = load_measures(uow.session, find_plan(uow.session, demo.keys["003"], None), with_work=True)
        current = [(m.ref, e.id, e.sha256, e.file_name) for m in measures for e in m.evidence if e.current and e.sha256]
    assert summary.files == len(current) > 20
    for ref, evidence_id, sha256, name in current:
        entry = listed[evidence_id]
        assert (entry["measure"], entry["sha256"], entry["original_name"]) == (ref, sha256, name)
        assert hashlib.sha256((tmp_path / "x" / entry["path"]).read_bytes()).hexdigest() == sha256
    ledgers = sorted(e["path"].rsplit("/", 1)[1] for e in listed.values() if e["measure"] == "3" and e["original_name"] == "工作台账.pdf")
    assert ledgers == ["工作台账 (2).pdf", "工作台账.pdf"]
    result = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=tmp_path / "x", capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert verify_bundle(out).ok
