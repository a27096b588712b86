"""Fixtures for the web tests: a migrated database with Jiading's plan, people with passwords,
and signed-in test clients (over https://testserver, so Secure cookies are sent back)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.integration.workflow_helpers import (
    ADMIN,
    JIADING,
    JIADING_PEOPLE,
    add_people,
    import_seed,
)
from tests.support.databases import app_with_state
from workflow.bootstrap import App
from workflow.models import Person
from workflow.services import accounts
from workflow.web.app import create_app
from workflow.web.routes.auth import DEVICE_COOKIE
from workflow.web.security import SESSION_COOKIE

PASSWORD = "正确的密码-2026"

Login = Callable[[str], TestClient]


@functools.cache
def password_hash() -> str:
    return accounts.hash_password(PASSWORD)


@pytest.fixture
def zc_settings() -> dict[str, Any]:
    """Settings of `zc` other than the defaults (a module overrides this fixture)."""
    return {}


# Sessions opened for real (accounts.sign_in with PASSWORD, argon2 and all) when the signed-in
# state is built, once per worker and backend: `login` and the API tests' `api` hand them out
# instead of checking the password again in every test (~0.2 s of CPU each). The sign-in
# itself is tested by test_login*.py and the session tests of test_api.py, which sign in.
SESSIONS_PER_PERSON = {"browser": 2, "api": 1}  # what the tests use (more fall back to signing in)
SIGNED_IN = "jiading-people-signed-in"
POOL = pytest.StashKey[dict[tuple[str, str], list[accounts.SignedIn]]]()


@pytest.fixture
def zc(
    request: pytest.FixtureRequest,
    db_url: str,
    tmp_path: Path,
    seeds_dir: Path,
    zc_settings: dict[str, Any],
) -> Iterator[App]:
    """Jiading's plan (003) imported; the Jiading people, each with PASSWORD.

    Built once per worker and backend, and copied for each test (tests/support/databases.py).
    For a test that signs people in through `login` or `api`, the copy also holds sessions
    opened for them (see SESSIONS_PER_PERSON)."""
    home = tmp_path / "home"
    if {"login", "api"} & set(request.fixturenames):
        build = functools.partial(_jiading_people_signed_in, seeds_dir=seeds_dir)
        app, sessions = app_with_state(db_url, home, SIGNED_IN, build, **zc_settings)
        request.node.stash[POOL] = {key: list(signed) for key, signed in sessions.items()}
    else:
        build_plain = functools.partial(_jiading_people, seeds_dir=seeds_dir)
        app, _ = app_with_state(db_url, home, "jiading-people", build_plain, **zc_settings)
    yield app
    app.close()


def _jiading_people(app: App, seeds_dir: Path) -> None:
    assert import_seed(app, seeds_dir, "003") == JIADING
    add_people(app, JIADING_PEOPLE)
    # One argon2 hash for everybody (hashing costs ~0.2 s; `set_password` has its own tests).
    with app.uow() as uow:
        uow.session.execute(update(Person).values(password_hash=password_hash()))
        uow.commit()


def _jiading_people_signed_in(
    app: App, seeds_dir: Path
) -> dict[tuple[str, str], list[accounts.SignedIn]]:
    _jiading_people(app, seeds_dir)
    return {
        (kind, name): [
            accounts.sign_in(app.uow(), name, PASSWORD, kind=kind, client="testclient")
            for _ in range(count)
        ]
        for name in [ADMIN, *(spec[0] for spec in JIADING_PEOPLE)]
        for kind, count in SESSIONS_PER_PERSON.items()
    }


def pooled_session(
    request: pytest.FixtureRequest, name: str, kind: str
) -> accounts.SignedIn | None:
    """A session opened for ``name`` when the test's state was built (None once used up)."""
    pool = request.node.stash.get(POOL, {}).get((kind, name))
    return pool.pop(0) if pool else None


@pytest.fixture
def client(zc: App) -> Iterator[TestClient]:
    """An anonymous browser."""
    with TestClient(create_app(zc=zc), base_url="https://testserver", follow_redirects=False) as c:
        yield c


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    response = client.post(
        "/login", data={"name": name, "password": password, "csrf_token": csrf_of(page.text)}
    )
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def login(zc: App, request: pytest.FixtureRequest) -> Iterator[Login]:
    """login(name) → a TestClient signed in as that person (a fresh browser each call): with a
    session opened when the state was built, as /login's answer would set its cookies, else
    through the login form."""
    clients: list[TestClient] = []

    def make(name: str) -> TestClient:
        c = TestClient(create_app(zc=zc), base_url="https://testserver", follow_redirects=False)
        c.__enter__()
        clients.append(c)
        signed = pooled_session(request, name, "browser")
        if signed is None:
            return sign_in(c, name)
        c.cookies.set(SESSION_COOKIE, signed.token, domain="testserver.local", path="/")
        if signed.device_token is not None:
            c.cookies.set(
                DEVICE_COOKIE, signed.device_token, domain="testserver.local", path="/login"
            )
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def page_csrf(client: TestClient, path: str = "/") -> str:
    """The CSRF token of a signed-in client, read from a page's logout form."""
    response = client.get(path, follow_redirects=True)
    return csrf_of(response.text)
