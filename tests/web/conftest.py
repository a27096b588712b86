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
    JIADING,
    JIADING_PEOPLE,
    add_people,
    import_seed,
    make_app,
)
from workflow.bootstrap import App
from workflow.models import Person
from workflow.services import accounts
from workflow.web.app import create_app

PASSWORD = "正确的密码-2026"

Login = Callable[[str], TestClient]


@functools.cache
def password_hash() -> str:
    return accounts.hash_password(PASSWORD)


@pytest.fixture
def zc_settings() -> dict[str, Any]:
    """Settings of `zc` other than the defaults (a module overrides this fixture)."""
    return {}


@pytest.fixture
def zc(db_url: str, tmp_path: Path, seeds_dir: Path, zc_settings: dict[str, Any]) -> Iterator[App]:
    """Jiading's plan (003) imported; the Jiading people, each with PASSWORD."""
    app = make_app(db_url, tmp_path / "home", **zc_settings)
    assert import_seed(app, seeds_dir, "003") == JIADING
    add_people(app, JIADING_PEOPLE)
    # One argon2 hash for everybody (hashing costs ~0.2 s; `set_password` has its own tests).
    with app.uow() as uow:
        uow.session.execute(update(Person).values(password_hash=password_hash()))
        uow.commit()
    yield app
    app.close()


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
def login(zc: App) -> Iterator[Login]:
    """login(name) → a TestClient signed in as that person (a fresh browser each call)."""
    clients: list[TestClient] = []

    def make(name: str) -> TestClient:
        c = TestClient(create_app(zc=zc), base_url="https://testserver", follow_redirects=False)
        c.__enter__()
        clients.append(c)
        return sign_in(c, name)

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def page_csrf(client: TestClient, path: str = "/") -> str:
    """The CSRF token of a signed-in client, read from a page's logout form."""
    response = client.get(path, follow_redirects=True)
    return csrf_of(response.text)
