"""Throttling of sign-in tries, shared by every worker process through the database.

Each try counts against two rows of `login_throttle`: the login name, and the client's address
(its key starts with a space, which no login name can: names are stripped). The try is
*reserved*, counted as a failure, in one short transaction before the password is verified,
with both rows locked (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite the transaction's first
statement, an INSERT, takes the database's write lock). So tries sent in parallel see each
other: of 40 at once, only the free ones reach the password check. A correct password gives
its try back.

- A name: FREE_FAILURES tries free, then a wait of 2, 4, 8 … seconds (at most MAX_WAIT) after
  the last; at LOCK_AFTER the name is locked for LOCK_FOR. Forgotten a day after the last try.
- An address: ADDRESS_FREE tries free whatever the names, then 2, 4, 8 … seconds, at most
  ADDRESS_MAX_WAIT. Forgotten an hour after the last try. IPv6 counts per /64 (one machine's
  usual share), or one attacker would have 2^64 addresses.
- A trusted client (one the caller vouches for: it showed proof of an earlier sign-in as this
  very person) is held back by neither, so a name locked by strangers does not keep its owner
  out; its tries still count. An admin's password reset clears the name's row.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workflow.db import UnitOfWork
from workflow.errors import Refused
from workflow.models import LoginThrottle

FREE_FAILURES = 3
MAX_WAIT = dt.timedelta(seconds=60)
LOCK_AFTER = 10
LOCK_FOR = dt.timedelta(minutes=15)
NAME_FORGET = dt.timedelta(days=1)

# Many people may share one address (an office behind one gateway) and tries in flight count
# until they are checked: room for a room of people signing in at once.
ADDRESS_FREE = 30
ADDRESS_MAX_WAIT = dt.timedelta(minutes=15)
ADDRESS_FORGET = dt.timedelta(hours=1)

ADDRESS_KEY = " 地址 "  # leading space: no stripped login name starts like this
_MAX_DOUBLINGS = 30  # 2**30 s is beyond every cap: the exponent never grows unbounded


class LoginRefused(Refused):
    """Wrong name or password, or too many tries; `retry_after` seconds when throttled."""

    code = "login_refused"

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Reservation:
    """A try let through to the password check; the counts include it."""

    name: str
    address_key: str
    name_failures: int
    address_failures: int
    trusted: bool


def address_key(client: str) -> str:
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return ADDRESS_KEY + client[:60]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return ADDRESS_KEY + str(address.ipv4_mapped)
        return ADDRESS_KEY + str(ipaddress.ip_network(f"{address}/64", strict=False))
    return ADDRESS_KEY + str(address)


def reserve(uow: UnitOfWork, name: str, client: str, *, trusted: bool, now: dt.datetime) -> Reservation:
    """Count this try before its password is checked; LoginRefused (not counted) if it must wait."""
    key = address_key(client)
    with uow:
        rows = _locked_rows(uow.session, [name, key])
        by_name, by_address = rows[name], rows[key]
        _forget(by_name, NAME_FORGET, now)
        _forget(by_address, ADDRESS_FORGET, now)
        if not trusted:
            blocked = _name_block(by_name, now) or _address_block(by_address, now)
            if blocked is not None:
                raise blocked  # rolled back: a try refused unread costs nothing more
        for row in (by_name, by_address):
            row.failures += 1
            row.last_failure_at = now
        if by_name.failures >= LOCK_AFTER:
            by_name.locked_until = now + LOCK_FOR
        reservation = Reservation(name, key, by_name.failures, by_address.failures, trusted)
        uow.commit()
    return reservation


def give_back(session: Session, reservation: Reservation) -> None:
    """In the transaction of a successful sign-in: the name's earlier failures are forgiven
    (tries reserved after this one stay counted) and its lock lifted; the address gets this
    one try back."""
    rows = _locked_rows(session, [reservation.name, reservation.address_key])
    by_name, by_address = rows[reservation.name], rows[reservation.address_key]
    by_name.failures = max(0, by_name.failures - reservation.name_failures)
    if by_name.failures < LOCK_AFTER:
        by_name.locked_until = None
    by_address.failures = max(0, by_address.failures - 1)
    for row in (by_name, by_address):
        if row.failures == 0 and row.locked_until is None:
            session.delete(row)


def failure_refusal(reservation: Reservation, reason: str = "用户名或密码错误") -> LoginRefused:
    """What a checked wrong password is told: when to try again, and when the lock comes."""
    failures = reservation.name_failures
    if reservation.trusted:
        return LoginRefused(reason)
    if failures >= LOCK_AFTER:
        minutes = int(LOCK_FOR.total_seconds() // 60)
        return LoginRefused(
            f"连续 {failures} 次登录失败,该账号已被锁定 {minutes} 分钟", retry_after=minutes * 60
        )
    waits = [
        _wait(failures, FREE_FAILURES, MAX_WAIT),
        _wait(reservation.address_failures, ADDRESS_FREE, ADDRESS_MAX_WAIT),
    ]
    wait = max(int(w.total_seconds()) for w in waits)
    if wait == 0:
        return LoginRefused(reason)
    warning = f"(再失败 {LOCK_AFTER - failures} 次账号将被锁定)" if failures >= FREE_FAILURES else ""
    return LoginRefused(f"{reason},请 {wait} 秒后再试{warning}", retry_after=wait)


def _locked_rows(session: Session, keys: list[str]) -> dict[str, LoginThrottle]:
    """Both rows, created if missing and locked, always in the same order (no deadlock)."""
    keys = sorted(set(keys))
    values = [{"name": k, "failures": 0} for k in keys]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(LoginThrottle).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(LoginThrottle).values(values).on_conflict_do_nothing())
    rows = session.scalars(
        select(LoginThrottle)
        .where(LoginThrottle.name.in_(keys))
        .order_by(LoginThrottle.name)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {row.name: row for row in rows}


def _forget(row: LoginThrottle, after: dt.timedelta, now: dt.datetime) -> None:
    locked = row.locked_until is not None and row.locked_until > now
    if row.last_failure_at is not None and now - row.last_failure_at > after and not locked:
        row.failures, row.locked_until = 0, None


def _wait(failures: int, free: int, cap: dt.timedelta) -> dt.timedelta:
    if failures < free:
        return dt.timedelta(0)
    return min(dt.timedelta(seconds=2 ** min(failures - free + 1, _MAX_DOUBLINGS)), cap)


def _name_block(row: LoginThrottle, now: dt.datetime) -> LoginRefused | None:
    if row.locked_until is not None and row.locked_until > now:
        minutes = -(-int((row.locked_until - now).total_seconds()) // 60)
        return LoginRefused(
            f"该账号因连续 {row.failures} 次登录失败已被锁定,请 {minutes} 分钟后再试或联系管理员"
            "(在本浏览器中曾成功登录者不受此限)",
            retry_after=minutes * 60,
        )
    return _wait_block(row, FREE_FAILURES, MAX_WAIT, "登录失败次数过多,请 {} 秒后再试", now)


def _address_block(row: LoginThrottle, now: dt.datetime) -> LoginRefused | None:
    message = "从此网络地址登录失败次数过多,请 {} 秒后再试"
    return _wait_block(row, ADDRESS_FREE, ADDRESS_MAX_WAIT, message, now)


def _wait_block(
    row: LoginThrottle, free: int, cap: dt.timedelta, message: str, now: dt.datetime
) -> LoginRefused | None:
    if row.last_failure_at is None:
        return None
    ready = row.last_failure_at + _wait(row.failures, free, cap)
    if ready <= now:
        return None
    seconds = max(1, int((ready - now).total_seconds() + 0.999))
    return LoginRefused(message.format(seconds), retry_after=seconds)
