"""Indicator values over the web: a number out of bounds is refused at the edge and in the
service (nothing stored), and a value stored before the bounds existed is shown without being
expanded (it used to stall every page that showed it for half a minute)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.workflow_helpers import (
    ADMIN,
    REVIEWER_A,
    XUCHANG,
    actor,
    count,
    import_seed,
    pdf_bytes,
    session_of,
    store_files,
)
from tests.web.conftest import Login
from workflow.bootstrap import App
from workflow.errors import InputError
from workflow.models import Evidence, Indicator, IndicatorReport, Person, Plan
from workflow.services import indicators
from workflow.services.evidence import NewEvidence


@pytest.fixture
def xuchang(zc: App, seeds_dir: Path) -> int:
    assert import_seed(zc, seeds_dir, "002") == XUCHANG
    with session_of(zc) as s:
        plan_id: int = s.scalars(select(Plan.id).where(Plan.key == XUCHANG)).one()
    return plan_id


def signed_api(client: TestClient, name: str) -> TestClient:
    from tests.web.conftest import PASSWORD

    response = client.post("/api/v1/session", json={"name": name, "password": PASSWORD})
    assert response.status_code == 201, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return client


@pytest.mark.parametrize("value", ["1e999990", "1e999999999", "10000000000000000", "0.0000001", "NaN"])
def test_an_out_of_bounds_value_is_refused_by_the_api_and_nothing_is_stored(
    zc: App, client: TestClient, xuchang: int, value: str
) -> None:
    api = signed_api(client, REVIEWER_A)
    response = api.post(
        f"/api/v1/plans/{xuchang}/indicators/2/reports",
        data={"value": value, "note": "统计公报"},
        files={"files": ("统计公报.pdf", pdf_bytes("x"), "application/pdf")},
    )
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert "value" in message and f"“{value}”" in message
    assert count(zc, IndicatorReport) == 0 and count(zc, Evidence) == 0
    assert store_files(zc.store.root) == []


def test_the_service_refuses_the_same_values_on_its_own(zc: App, xuchang: int) -> None:
    for value in ("1e999990", "1e999999999", "1000000000000000"):
        with pytest.raises(InputError, match="指标值"):
            indicators.report_value(
                zc.uow(), zc.store, actor(zc, REVIEWER_A), xuchang, 2, value,
                evidence=NewEvidence(links=["https://example.gov.cn/tj"]),
            )  # fmt: skip
    assert count(zc, IndicatorReport) == 0


def test_an_exact_value_at_the_bounds_round_trips_through_the_api(
    zc: App, client: TestClient, xuchang: int
) -> None:
    api = signed_api(client, REVIEWER_A)
    response = api.post(
        f"/api/v1/plans/{xuchang}/indicators/1/reports",
        data={"value": "123456789.123456", "link": "https://example.gov.cn/tj"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["value"] == 123456789.123456
    with session_of(zc) as s:
        assert s.scalars(select(IndicatorReport.value)).one() == Decimal("123456789.123456")


def test_a_huge_value_stored_before_the_bounds_is_shown_short_everywhere(
    zc: App, login: Login, client: TestClient, xuchang: int
) -> None:
    with session_of(zc) as s:
        indicator = s.scalars(select(Indicator).where(Indicator.plan_id == xuchang, Indicator.position == 1)).one()
        person_id = s.scalars(select(Person.id).where(Person.name == ADMIN)).one()
        # What the unchecked API stored for value=1e999990: a million digits of text on SQLite;
        # PostgreSQL's 40-character column refused that one, but took 39 zeros.
        sqlite = zc.engine.dialect.name == "sqlite"
        legacy = Decimal("1e999990") if sqlite else Decimal("1e39")
        s.add(IndicatorReport(indicator=indicator, value=legacy, as_of=dt.date(2024, 6, 30), person_id=person_id))
        s.commit()
    page = login(REVIEWER_A).get(f"/office/plans/{xuchang}")
    assert page.status_code == 200 and ("1E+999990" if sqlite else "1E+39") in page.text
    api = signed_api(client, REVIEWER_A)
    listed = api.get(f"/api/v1/plans/{xuchang}/indicators")
    assert listed.status_code == 200
    second = listed.json()[1]
    assert second["position"] == 2 and second["met"] is True
    assert second["reported"] == (None if sqlite else 1e39)  # no JSON number holds 1E+999990
    status = api.get(f"/api/v1/plans/{xuchang}")
    assert status.status_code == 200 and status.json()["indicators"][1]["reported"] == second["reported"]
    assert "reported_text" not in second  # the API keeps its documented shape
