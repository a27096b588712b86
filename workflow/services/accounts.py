"""Passwords, sign-in with throttling, and sessions for the web application and its API.

Tokens handed to browsers (cookie) and other systems (bearer) are random 256-bit strings; only
their SHA-256 is stored. Failed sign-ins are counted per login name in the database, so every
worker process sees the same count: after a few failures each next try must wait longer, and
after many the name is locked for a while. Every failure and lock is in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, authorize
from workflow.errors import InputError, Refused
from workflow.models import LoginThrottle, Person, WebSession, utcnow
from workflow.services.acting import actor_of, find_person, person_required, run_audited
from workflow.services.audit_log import AuditChain

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; a megabyte "password" is an attack

# Throttling: the first FREE_FAILURES failures cost nothing; each further one doubles the wait
# before the next try (2, 4, 8 … seconds, at most MAX_WAIT); LOCK_AFTER failures lock the name.
FREE_FAILURES = 3
MAX_WAIT = dt.timedelta(seconds=60)
LOCK_AFTER = 10
LOCK_FOR = dt.timedelta(minutes=15)

BROWSER_IDLE = dt.timedelta(hours=2)
BROWSER_MAX = dt.timedelta(hours=12)
API_MAX = dt.timedelta(days=30)
TOUCH_EVERY = dt.timedelta(minutes=1)  # how stale last_seen may get before a request writes it

_hasher = PasswordHasher()
# Verified when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class LoginRefused(Refused):
    """Wrong name or password, or too many tries; `retry_after` seconds when throttled."""

    code = "login_refused"

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    token: str  # give to the client; never stored
    csrf_token: str
    actor: Actor
    expires_at: dt.datetime


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


def _wait_message(seconds: int) -> str:
    return f"登录失败次数过多,请 {seconds} 秒后再试"


def _as_utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _throttled(row: LoginThrottle | None, now: dt.datetime) -> LoginRefused | None:
    if row is None:
        return None
    if row.locked_until is not None and _as_utc(row.locked_until) > now:
        minutes = -(-int((_as_utc(row.locked_until) - now).total_seconds()) // 60)
        return LoginRefused(
            f"该账号因连续 {row.failures} 次登录失败已被锁定,请 {minutes} 分钟后再试或联系管理员",
            retry_after=minutes * 60,
        )
    if row.failures >= FREE_FAILURES and row.last_failure_at is not None:
        wait = min(dt.timedelta(seconds=2 ** (row.failures - FREE_FAILURES + 1)), MAX_WAIT)
        ready = _as_utc(row.last_failure_at) + wait
        if ready > now:
            seconds = max(1, int((ready - now).total_seconds() + 0.999))
            return LoginRefused(_wait_message(seconds), retry_after=seconds)
    return None


def sign_in(
    uow: UnitOfWork,
    name: str,
    password: str,
    *,
    kind: str = "browser",
    client: str = "",
    now: dt.datetime | None = None,
) -> SignedIn:
    """Check name and password; open a session. Raises LoginRefused (audited) otherwise."""
    now = now or utcnow()
    name = name.strip()[:100]
    if not name or not password or len(password) > MAX_PASSWORD_LENGTH:
        raise LoginRefused("请输入用户名和密码")
    with uow:
        throttle = uow.session.get(LoginThrottle, name)
        blocked = _throttled(throttle, now)
        if blocked is not None:
            _record_failure(uow, name, client, str(blocked), count=False, now=now)
            raise blocked
        person = uow.session.scalar(
            select(Person).where(Person.name == name).options(joinedload(Person.unit))
        )
        stored = person.password_hash if person is not None and person.active else None
        ok = _verify(stored or _DUMMY_HASH, password) and stored is not None
        if not ok:
            refusal = _record_failure(uow, name, client, "用户名或密码错误", count=True, now=now)
            raise refusal
        assert person is not None and stored is not None
        if _hasher.check_needs_rehash(stored):
            person.password_hash = _hasher.hash(password)
        if throttle is not None:
            uow.session.delete(throttle)
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
        actor = actor_of(person)
        chain = AuditChain(uow.session)
        chain.append(actor, "login", person.name, detail={"kind": kind, "client": client})
        uow.commit()
        return SignedIn(token=token, csrf_token=csrf, actor=actor, expires_at=session_row.expires_at)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _record_failure(
    uow: UnitOfWork, name: str, client: str, reason: str, *, count: bool, now: dt.datetime
) -> LoginRefused:
    """Count the failure (unless the try was refused unread) and audit it; commit."""
    uow.rollback()
    chain = AuditChain(uow.session)  # also serialises the read-modify-write of the counter
    row = uow.session.get(LoginThrottle, name, populate_existing=True)
    refusal = LoginRefused(reason)
    if count:
        if row is None:
            row = LoginThrottle(name=name, failures=0)
            uow.session.add(row)
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= LOCK_AFTER:
            row.locked_until = now + LOCK_FOR
            minutes = int(LOCK_FOR.total_seconds() // 60)
            refusal = LoginRefused(
                f"连续 {row.failures} 次登录失败,该账号已被锁定 {minutes} 分钟",
                retry_after=minutes * 60,
            )
        elif row.failures >= FREE_FAILURES:
            wait = min(2 ** (row.failures - FREE_FAILURES + 1), int(MAX_WAIT.total_seconds()))
            refusal = LoginRefused(
                f"{reason},请 {wait} 秒后再试(再失败 {LOCK_AFTER - row.failures} 次账号将被锁定)",
                retry_after=wait,
            )
    chain.append(
        None,
        "login",
        name,
        comment=str(refusal),
        detail={"client": client, "failures": row.failures if row else 0},
        refused=True,
        at=now,
    )
    uow.commit()
    return refusal


def session_of(uow: UnitOfWork, token: str, *, now: dt.datetime | None = None) -> SessionInfo | None:
    """Who holds `token`, or None when it is unknown, expired, idle too long or the person left."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    with uow:
        row = uow.session.scalar(
            select(WebSession)
            .where(WebSession.token_sha256 == hash_token(token))
            .options(joinedload(WebSession.person).joinedload(Person.unit))
        )
        if row is None or not row.person.active:
            return None
        last_seen = _as_utc(row.last_seen_at)
        if _as_utc(row.expires_at) <= now or (row.kind == "browser" and now - last_seen > BROWSER_IDLE):
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
