"""A refused file in an import leaves nothing behind: no plan, no catalog file, no audit entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.plan_files import plan_docx
from workflow.bootstrap import App
from workflow.errors import InputError
from workflow.models import Measure, Plan
from workflow.services.plan_import import import_documents


def _count(app: App, model: type) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_broken_file_beside_good_ones_imports_nothing(app: App, seeds_dir: Path, tmp_path: Path) -> None:
    seed = next(seeds_dir.glob("000_*.txt"))
    good = plan_docx(seed.read_text(encoding="utf-8"), tmp_path / "good.docx")
    broken = tmp_path / "broken.docx"
    broken.write_bytes(good.read_bytes()[:2000])  # cut off mid-download
    with pytest.raises(InputError, match="broken.docx"):
        import_documents(app.uow, [good, broken], catalog_dir=app.settings.catalog_dir)
    assert _count(app, Plan) == 0 and _count(app, Measure) == 0
    assert not app.settings.catalog_dir.exists() or not any(app.settings.catalog_dir.iterdir())

    [result] = import_documents(app.uow, [good], catalog_dir=app.settings.catalog_dir)
    assert result.status == "new" and result.counts and _count(app, Measure) >= 70
