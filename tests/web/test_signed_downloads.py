"""Reports downloaded from the office's pages are signed like the CLI's when the office
configured a certificate; a broken certificate is said on the page and nothing is registered."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from reports import verify
from tests.integration.workflow_helpers import REVIEWER_A
from tests.support.certs import PASSWORD, make_pki
from tests.web.conftest import Login, csrf_of
from tests.web.test_office_reports import failed, issued, plan_id, rendered
from workflow.bootstrap import App
from workflow.config import SignConfig


@pytest.fixture
def p12_password() -> str:
    """The password configured (a test parametrizes it to a wrong one)."""
    return PASSWORD


@pytest.fixture
def zc_settings(tmp_path: Path, p12_password: str) -> dict[str, Any]:
    pki = make_pki()
    password = p12_password
    folder = tmp_path / "certs"
    folder.mkdir()
    return {
        "signing": SignConfig(p12=pki.p12(folder), password=password, trust=pki.trust_pem(folder))
    }


def test_the_downloaded_acceptance_report_is_signed_and_registered(zc: App, login: Login) -> None:
    office = login(REVIEWER_A)
    pid = plan_id(zc)
    token = csrf_of(office.get(f"/office/plans/{pid}/reports").text)
    response = rendered(zc, office, office.post(f"/office/plans/{pid}/reports/acceptance", data={"csrf_token": token}))
    assert response.content.startswith(b"%PDF")
    checked = verify.check_pdf(response.content, verify.load_trust(zc.settings.signing))
    assert checked.verdict == verify.VALID
    [row] = issued(zc)
    assert row.sha256 == hashlib.sha256(response.content).hexdigest()


@pytest.mark.parametrize("p12_password", ["错的密码"])
def test_a_wrong_certificate_password_is_said_on_the_page(zc: App, login: Login) -> None:
    office = login(REVIEWER_A)
    pid = plan_id(zc)
    token = csrf_of(office.get(f"/office/plans/{pid}/reports").text)
    response = office.post(f"/office/plans/{pid}/reports/acceptance", data={"csrf_token": token})
    page = failed(zc, office, response)
    assert "密码错误" in page and "flash-error" in page
    assert issued(zc) == []
