"""Property-based fuzzing of the JSON API from its own OpenAPI description (schemathesis).

Every operation gets generated requests (valid and invalid bodies, ids and form data) with
the bearer token of a unit member of Jiading's plan, and valid ones from a reviewer: first with
any ids, then on real objects (the plan, a started measure, a stored file). No request may cause a server error, and each
answer must have a documented status, content type and the documented shape. SQLite only and
bounded (derandomized, a fixed number of examples per operation) so CI stays reproducible and
fast; the API's behaviour on PostgreSQL is covered by test_api.py.
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from tests.integration.workflow_helpers import (
    JIADING,
    MARKET,
    REVIEWER_A,
    actor,
    measure_id,
    pdf_bytes,
    session_of,
)
from tests.web.conftest import PASSWORD
from workflow.bootstrap import App
from workflow.models import Plan
from workflow.services import evidence, measure_work
from workflow.web.app import create_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only (overrides the two-backend fixture): the fuzzer's cost is in the requests."""
    return f"sqlite:///{tmp_path}/zonecheck.db"


class Token:
    """Signs a person in through the API: the fuzzer's bearer tokens."""

    def __init__(self, app: FastAPI, name: str) -> None:
        self.app = app
        self.name = name
        self.value = ""
        self.value = self.new()

    def new(self) -> str:
        # Shows the live token, as a client renewing it would: the fuzzer's own wrong
        # sign-ins from this address would otherwise make it wait (login_throttle).
        headers = {"Authorization": f"Bearer {self.value}"} if self.value else {}
        with TestClient(self.app, base_url="https://testserver") as client:
            response = client.post(
                "/api/v1/session", json={"name": self.name, "password": PASSWORD}, headers=headers
            )
            assert response.status_code == 201, response.text
            token: str = response.json()["token"]
            return token


@pytest.fixture
def web_app(zc: App) -> FastAPI:
    return create_app(zc=zc)


def fuzz(
    schema: Any,
    token: Token,
    statuses: Counter[int],
    mode: GenerationMode,
    examples: int,
    **fixed: Any,
) -> tuple[int, dict[str, str]]:
    """Run every operation with `examples` generated cases; (cases run, failure per operation)."""
    ran = 0
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        params = {p.name for p in operation.path_parameters}
        path_parameters = {k: v for k, v in fixed.items() if k in params}
        strategy = operation.as_strategy(mode, path_parameters=path_parameters or None)

        @given(case=strategy)
        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            nonlocal ran
            ran += 1
            # Signing out gets a token of its own, so it never ends the one the others use.
            signs_out = case.method == "DELETE" and case.path == "/api/v1/session"
            bearer = token.new() if signs_out else token.value
            response = case.call_and_validate(
                headers={"Authorization": f"Bearer {bearer}"}, checks=CHECKS
            )
            statuses[response.status_code] += 1

        try:
            run()
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - reported below
            failures[operation.label] = str(failure)[:3000]
    return ran, failures


@pytest.mark.parametrize(
    ("mode", "who"),
    [
        # A unit member (the unit's work) and a reviewer (the office's lists and verdicts);
        # invalid requests from the member only: authorization is not what they exercise.
        pytest.param(GenerationMode.POSITIVE, MARKET, id="member"),
        pytest.param(GenerationMode.NEGATIVE, MARKET, id="member-invalid"),
        pytest.param(GenerationMode.POSITIVE, REVIEWER_A, id="reviewer"),
    ],
)
def test_the_api_never_fails_and_answers_as_documented(
    zc: App, web_app: FastAPI, mode: GenerationMode, who: str
) -> None:
    token = Token(web_app, who)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", web_app)
    # A measure in progress with a stored file, so downloads and metadata are fuzzed for real.
    ten = measure_id(zc, JIADING, "10")
    measure_work.start(zc.uow(), actor(zc, MARKET), ten)
    upload = evidence.Upload("方案.pdf", io.BytesIO(pdf_bytes("fuzz")))
    [added] = evidence.add_evidence(
        zc.uow(), zc.store, actor(zc, MARKET), ten, item=1, new=evidence.NewEvidence(files=[upload])
    )
    with session_of(zc) as session:
        plan_id = session.scalar(select(Plan.id).where(Plan.key == JIADING))
    real = {
        "plan_id": plan_id,
        "measure_id": measure_id(zc, JIADING, "10"),
        "evidence_id": added.id,
        "number": 1,
    }
    statuses: Counter[int] = Counter()
    # Any ids first (mostly unknown: 404 and 422), then the real objects.
    ran, failures = fuzz(schema, token, statuses, mode, 20)
    more, real_failures = fuzz(schema, token, statuses, mode, 15, **real)
    print(
        f"\nschemathesis {mode.value} as {who}: {ran + more} cases, "
        f"statuses {sorted(statuses.items())}, {len(failures) + len(real_failures)} failing operations"
    )
    assert not failures and not real_failures, "\n\n".join(
        f"{label}:\n{text}" for label, text in {**failures, **real_failures}.items()
    )
