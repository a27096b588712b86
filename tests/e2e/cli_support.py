"""What the in-process CLI tests share: `run` invokes the CLI in this process, and
`jiading_cli_app` builds a database holding Jiading's plan (seed 003) and its people, with the
environment pointing the CLI at it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.integration.workflow_helpers import JIADING_PEOPLE, add_people, import_seed, make_app
from workflow.bootstrap import App
from workflow.cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def jiading_cli_app(db_url: str, home: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> App:
    """The caller closes it."""
    application = make_app(db_url, home)
    import_seed(application, seeds_dir, "003")
    add_people(application, JIADING_PEOPLE)
    monkeypatch.setenv("ZONECHECK_HOME", str(application.settings.home))
    monkeypatch.setenv("ZONECHECK_DB", db_url)
    monkeypatch.delenv("ZONECHECK_USER", raising=False)
    return application
