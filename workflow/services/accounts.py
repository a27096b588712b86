"""Passwords, sign-in, and sessions for the web application and its API.

Tokens handed to browsers (cookie) and other systems (bearer) are random 256-bit strings; only
their SHA-256 is stored. Each kind is accepted only as what it is (`session_of`). A browser that
signs in also gets a device token (kind "device", 90 days, sent only to the login page): proof
of an earlier sign-in as that person, which lets it past a name lock that strangers caused.
Tries are throttled per name and per address before the password is checked
(`workflow.services.login_throttle`); every refused try is in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, authorize
from workflow.domain.storable import unstorable
from workflow.errors import InputError
from workflow.models import LoginThrottle, Person, WebSession, utcnow
from workflow.services import login_throttle
from workflow.services.acting import actor_of, find_person, person_required, run_audited
from workflow.services.audit_log import AuditChain
from workflow.services.login_throttle import FREE_FAILURES as FREE_FAILURES
from workflow.services.login_throttle import LOCK_AFTER as LOCK_AFTER
from workflow.services.login_throttle import LOCK_FOR as LOCK_FOR
from workflow.services.login_throttle import MAX_WAIT as MAX_WAIT
from workflow.services.login_throttle import LoginRefused as LoginRefused

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; a megabyte "password" is an attack

BROWSER_IDLE = dt.timedelta(hours=2)
BROWSER_MAX = dt.timedelta(hours=12)
API_MAX = dt.timedelta(days=30)
TOUCH_EVERY = dt.timedelta(minutes=1)  # how stale last_seen may get before a request writes it
DEVICE_MAX = dt.timedelta(days=90)
DEVICES_PER_PERSON = 10


class _BoundedHasher:
    """argon2 with at most MAX_CONCURRENT_HASHES hashes computed at once in this process.

    Each hash takes argon2-cffi's 64 MiB (RFC 9106's low-memory profile) while it runs: 40
    sign-ins at once for 40 names, each within its free tries, made a server peak at 772 MiB.
    The others wait their turn (about 0.2 s a hash); on two cores they would have waited for
    the CPU anyway.
    """

    def __init__(self, hasher: PasswordHasher, concurrent: int) -> None:
        self._hasher = hasher
        self._turns = threading.BoundedSemaphore(concurrent)

    def hash(self, password: str) -> str:
        with self._turns:
            return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        with self._turns:
            return self._hasher.verify(stored, password)

    def check_needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)


MAX_CONCURRENT_HASHES = 2
_hasher = _BoundedHasher(PasswordHasher(), MAX_CONCURRENT_HASHES)


@functools.cache
def _dummy_hash() -> str:
    """Verified when the name is unknown, so a wrong name costs as long as a wrong password.

    Made on first use, not at import: a hash costs ~0.2 s, which every CLI command paid.
    """
    return _hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class SignedIn:
    token: str  # give to the client; never stored
    csrf_token: str
    actor: Actor
    expires_at: dt.datetime
    device_token: str | None = None  # for the browser's device cookie; never stored


@dataclass(frozen=True)
class SessionInfo:
    actor: Actor
    csrf_token: str
    kind: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InputError(f"密码不能超过 {MAX_PASSWORD_LENGTH} 个字符")
    if password.strip() != password:
        raise InputError("密码首尾不能有空格或换行")
    if unstorable(password):
        raise InputError("密码不能含换行、制表符或其他控制字符")


def set_password(uow: UnitOfWork, actor: Actor | None, name: str, password: str) -> None:
    """An admin sets the password of anyone of their zone; a person may set their own. Ends
    their sessions. `name` is the login name, the one identity the pages and the CLI share."""
    acting = person_required(actor)
    check_password_rules(password)
    hashed = hash_password(password)

    def work(session: Session, chain: AuditChain) -> None:
        person = find_person(session, name)
        if person.id != acting.id:
            authorize(acting, Work.ADMINISTER, zone_id=person.zone_id)
        person.password_hash = hashed
        session.execute(delete(WebSession).where(WebSession.person_id == person.id))
        session.execute(delete(LoginThrottle).where(LoginThrottle.name == person.name))
        chain.append(acting, "password_set", person.name)

    run_audited(uow, acting, "password_set", name.strip(), work)


def sign_in(
    uow: UnitOfWork,
    name: str,
    password: str,
    *,
    kind: str = "browser",
    client: str = "",
    presented: Sequence[str | None] = (),
    now: dt.datetime | None = None,
) -> SignedIn:
    """Check name and password; open a session. Raises LoginRefused (audited) otherwise.

    `presented`: the tokens the client sent along (its session cookie, bearer token, device
    cookie). One that is a live session or device token of this very person makes the client
    trusted: the name's wait and lock do not apply to it (see login_throttle).
    """
    now = now or utcnow()
    name = name.strip()[:100]
    if not name or not password or len(password) > MAX_PASSWORD_LENGTH:
        raise LoginRefused("请输入用户名和密码")
    if unstorable(name) or unstorable(password):
        raise LoginRefused("用户名或密码中有不能识别的字符")  # nothing stored: NUL cannot be
    trusted_by = _trusting_token(uow, name, presented, now)
    try:
        reservation = login_throttle.reserve(uow, name, client, trusted=trusted_by is not None, now=now)
    except LoginRefused as blocked:
        _audit_failure(uow, name, client, blocked, checked=False, now=now)
        raise
    with uow:
        person = uow.session.scalar(select(Person).where(Person.name == name))
        stored = person.password_hash if person is not None and person.active else None
    # Outside any transaction: argon2 takes ~0.2 s, and no lock is held meanwhile.
    ok = _verify(stored or _dummy_hash(), password) and stored is not None
    if not ok:
        refusal = login_throttle.failure_refusal(reservation)
        _audit_failure(uow, name, client, refusal, checked=True, now=now, spend=trusted_by)
        raise refusal
    assert stored is not None
    rehashed = _hasher.hash(password) if _hasher.check_needs_rehash(stored) else None
    return _open_session(uow, name, stored, rehashed, kind, client, reservation, trusted_by, now)


def _trusting_token(
    uow: UnitOfWork, name: str, presented: Sequence[str | None], now: dt.datetime
) -> WebSession | None:
    """A live session or device token of the person named, among those the client sent."""
    hashes = [hash_token(t) for t in presented if t and len(t) <= 100]
    if not hashes:
        return None
    with uow:
        rows = uow.session.scalars(
            select(WebSession)
            .join(Person, WebSession.person_id == Person.id)
            .where(WebSession.token_sha256.in_(hashes), Person.name == name, Person.active.is_(True))
        ).all()
        alive = [row for row in rows if _alive(row, now)]
        for row in alive:
            uow.session.expunge(row)
        return alive[0] if alive else None


def _alive(row: WebSession, now: dt.datetime) -> bool:
    if row.expires_at <= now:
        return False
    return row.kind != "browser" or now - row.last_seen_at <= BROWSER_IDLE


def _open_session(
    uow: UnitOfWork,
    name: str,
    verified_hash: str,
    rehashed: str | None,
    kind: str,
    client: str,
    reservation: login_throttle.Reservation,
    trusted_by: WebSession | None,
    now: dt.datetime,
) -> SignedIn:
    with uow:
        # The audit head first, as every writer takes it: then the throttle rows.
        chain = AuditChain(uow.session)
        person = uow.session.scalar(
            select(Person).where(Person.name == name).options(joinedload(Person.unit))
        )
        if person is None or not person.active or person.password_hash != verified_hash:
            uow.rollback()  # the password was changed, or the person left, while it was checked
            refusal = login_throttle.failure_refusal(reservation)
            _audit_failure(uow, name, client, refusal, checked=True, now=now)
            raise refusal
        login_throttle.give_back(uow.session, reservation)
        if rehashed is not None:
            person.password_hash = rehashed
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        lifetime = API_MAX if kind == "api" else BROWSER_MAX
        session_row = WebSession(
            token_sha256=hash_token(token),
            person_id=person.id,
            kind=kind,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
        uow.session.add(session_row)
        # Expired sessions of this person are swept here rather than by a scheduler.
        uow.session.execute(
            delete(WebSession).where(WebSession.person_id == person.id, WebSession.expires_at < now)
        )
        device = None
        if kind == "browser" and not (trusted_by is not None and trusted_by.kind == "device"):
            device = _new_device(uow.session, person.id, now)
        actor = actor_of(person)
        detail = {"kind": kind, "client": client, "trusted": trusted_by is not None}
        chain.append(actor, "login", person.name, detail=detail, at=now)
        uow.commit()
        return SignedIn(
            token=token, csrf_token=csrf, actor=actor, expires_at=session_row.expires_at, device_token=device
        )


def _new_device(session: Session, person_id: int, now: dt.datetime) -> str:
    """A device token for the browser that just signed in; the oldest beyond the cap go."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_sha256=hash_token(token),
            person_id=person_id,
            kind="device",
            csrf_token="",  # never a session: session_of does not take this kind
            created_at=now,
            last_seen_at=now,
            expires_at=now + DEVICE_MAX,
        )
    )
    session.flush()
    older = session.scalars(
        select(WebSession.token_sha256)
        .where(WebSession.person_id == person_id, WebSession.kind == "device")
        .order_by(WebSession.created_at.desc(), WebSession.token_sha256)
        .offset(DEVICES_PER_PERSON)
    ).all()
    if older:
        session.execute(delete(WebSession).where(WebSession.token_sha256.in_(older)))
    return token


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _audit_failure(
    uow: UnitOfWork,
    name: str,
    client: str,
    refusal: LoginRefused,
    *,
    checked: bool,
    now: dt.datetime,
    spend: WebSession | None = None,
) -> None:
    """Audit a refused try (`checked`: its password was verified); a device token that vouched
    for a wrong password is spent. The count itself was taken when the try was reserved."""
    with uow:
        chain = AuditChain(uow.session)
        if spend is not None and spend.kind == "device":
            uow.session.execute(delete(WebSession).where(WebSession.token_sha256 == spend.token_sha256))
        chain.append(
            None,
            "login",
            name,
            comment=str(refusal),
            detail={"client": client, "password_checked": checked},
            refused=True,
            at=now,
        )
        uow.commit()


def session_of(
    uow: UnitOfWork, token: str, *, kind: Literal["browser", "api"], now: dt.datetime | None = None
) -> SessionInfo | None:
    """Who holds `token` as a session of `kind` (a browser's cookie, an API client's bearer
    token), or None when it is unknown, of another kind, expired, idle too long or the person
    left. Kinds do not stand in for each other: a 30-day API token sent as the cookie would
    escape the browser's idle limit."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    with uow:
        row = uow.session.scalar(
            select(WebSession)
            .where(WebSession.token_sha256 == hash_token(token), WebSession.kind == kind)
            .options(joinedload(WebSession.person).joinedload(Person.unit))
        )
        if row is None or not row.person.active:
            return None
        last_seen = row.last_seen_at
        if row.expires_at <= now or (row.kind == "browser" and now - last_seen > BROWSER_IDLE):
            uow.session.delete(row)
            uow.commit()
            return None
        info = SessionInfo(actor=actor_of(row.person), csrf_token=row.csrf_token, kind=row.kind)
        if now - last_seen > TOUCH_EVERY:
            row.last_seen_at = now
            uow.commit()
        return info


def sign_out(uow: UnitOfWork, token: str) -> None:
    with uow:
        row = uow.session.get(WebSession, hash_token(token), options=[joinedload(WebSession.person)])
        if row is None:
            return
        actor = actor_of(row.person)
        uow.session.delete(row)
        AuditChain(uow.session).append(actor, "logout", row.person.name, detail={"kind": row.kind})
        uow.commit()


def record_refusal(uow: UnitOfWork, actor: Actor, action: str, target: str, reason: str) -> None:
    """Put a refused read (a page or file the person may not see) on the audit trail."""
    with uow:
        AuditChain(uow.session).append(actor, action, target, comment=reason, refused=True)
        uow.commit()
