"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workflow.bootstrap import App

from .workflow_helpers import make_app


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[App]:
    """A migrated database on the parametrised backend, with its data folder under tmp_path."""
    application = make_app(db_url, tmp_path / "home")
    yield application
    application.close()
