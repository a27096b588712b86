"""The attacks of issue 12 against a live `zonecheck serve`, and what they are measured with.

Shared by the attack benchmark (tests/bench/bench_web_attacks.py, each attack repeated for a
while) and the hostile-server tests (tests/web/test_hostile_server.py, each attack once, then
asserted). Plain http.client over loopback: no client library decides for the attacker what may
be sent (NUL, a body never finished, 40 requests at once).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import selectors
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import func, select

from tests.support.forms import Field, File, multipart, urlencoded
from workflow.bootstrap import bootstrap
from workflow.config import Settings
from workflow.models import AuditEntry

Answer = tuple[int, bytes, float]  # status, body, seconds


def request(
    host: str, port: int, method: str, path: str, body: bytes | Iterable[bytes] = b"",
    headers: dict[str, str] | None = None,
) -> Answer:  # fmt: skip
    start = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=120)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data, time.perf_counter() - start


def in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """`work(i)` for i in range(count), all released at once; an OSError is the answer."""
    results: list[Any] = [None] * count
    gate = threading.Barrier(count)

    def run(i: int) -> None:
        gate.wait()
        try:
            results[i] = work(i)
        except OSError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


class Probe:
    """GET /login every 50 ms; latencies grouped by the phase running at the time."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.phase = "baseline"
        self.latencies: dict[str, list[float]] = {}
        self.errors: Counter[str] = Counter()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stopped.is_set():
            phase = self.phase
            start = time.perf_counter()
            try:
                status, _, _ = request(self.host, self.port, "GET", "/login")
                if status != 200:
                    self.errors[phase] += 1
            except OSError:
                self.errors[phase] += 1
            self.latencies.setdefault(phase, []).append(time.perf_counter() - start)
            time.sleep(0.05)

    def slowest(self, phase: str) -> float:
        return max(self.latencies.get(phase, [0.0]))

    def figures(self, phase: str) -> str:
        values = sorted(self.latencies.get(phase, []))
        if not values:
            return "no probe"
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        return (
            f"GET /login n={len(values)} p50={statistics.median(values) * 1000:.0f} ms "
            f"p95={p95 * 1000:.0f} ms max={values[-1] * 1000:.0f} ms errors={self.errors[phase]}"
        )


class PeakMemory:
    """The peak resident memory of a process (Linux): its VmHWM, reset between phases by
    writing 5 to /proc/PID/clear_refs, so each phase's peak is its own, not the run's."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def reset(self) -> None:
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def peak_mib(self) -> float:
        status = Path(f"/proc/{self.pid}/status").read_text()
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        assert match, status
        return int(match.group(1)) / 1024


@dataclass
class Browser:
    """One browser over http.client: keeps the cookies the server sets (the server runs with
    ZONECHECK_COOKIE_SECURE=0, as over plain HTTP) and reads the forms' CSRF tokens."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def send(self, method: str, path: str, body: bytes = b"", kind: str | None = None) -> tuple[int, str, dict[str, str]]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if kind:
            headers["Content-Type"] = kind
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for value in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        conn.close()
        return response.status, text, dict(response.headers)

    def csrf(self, path: str) -> str:
        status, text, _ = self.send("GET", path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', text)
        assert status == 200 and match, f"GET {path}: {status}"
        return match.group(1)

    def post_form(self, path: str, fields: list[Field], files: list[File] | None = None, *, csrf_from: str) -> tuple[int, str, dict[str, str]]:
        fields = [*fields, ("csrf_token", self.csrf(csrf_from))]
        body, kind = multipart(fields, files) if files else urlencoded(fields)
        return self.send("POST", path, body, kind)

    def sign_in(self, name: str, password: str) -> None:
        status, text, _ = self.post_form("/login", [("name", name), ("password", password)], csrf_from="/login")
        assert status == 303, f"sign-in of {name}: {status} {text[:300]}"

    def notice(self) -> dict[str, str]:
        """The one-shot notice a redirect left ({"kind", "text"}), read from its cookie as the
        next page would; empty without one."""
        raw = self.cookies.get("zc_flash")
        notice: dict[str, str] = json.loads(unquote(raw)) if raw else {}
        return notice


# ------------------------------------------------------------------------------ the attacks


def api_token(host: str, port: int, name: str, password: str) -> dict[str, str]:
    status, body, _ = request(
        host, port, "POST", "/api/v1/session",
        json.dumps({"name": name, "password": password}).encode(), {"Content-Type": "application/json"},
    )  # fmt: skip
    assert status == 201, body
    return {"Authorization": f"Bearer {json.loads(body)['token']}"}


def login_burst(host: str, port: int, names: str | list[str], count: int = 40) -> Counter[str]:
    """`count` parallel API sign-ins with wrong passwords, for one name or one name each;
    their statuses."""
    def name_of(i: int) -> str:
        return names if isinstance(names, str) else names[i % len(names)]

    answers = in_threads(
        count,
        lambda i: request(
            host, port, "POST", "/api/v1/session",
            json.dumps({"name": name_of(i), "password": f"wrong-{i}"}).encode(), {"Content-Type": "application/json"},
        ),
    )  # fmt: skip
    return Counter(str(a[0]) if isinstance(a, tuple) else type(a).__name__ for a in answers)


def checked_passwords(home: Path, db_url: str, name: str) -> tuple[int, int]:
    """(passwords checked for `name`, audit entries in all), read from the audit log."""
    app = bootstrap(Settings(home=home, db_url=db_url))
    try:
        with app.uow() as uow:
            entries = uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "login", AuditEntry.target == name)
            ).all()
            total = uow.session.scalar(select(func.count()).select_from(AuditEntry))
            checked = sum(1 for e in entries if e.detail.get("password_checked"))
        return checked, int(total or 0)
    finally:
        app.close()


HUGE_VALUES = ("1e999990", "1e999999999")


def indicator_value(host: str, port: int, bearer: dict[str, str], plan_id: int, value: str, pdf: bytes) -> Answer:
    """A value for the plan's indicator 2, with a PDF (the report of issue 12, item 1)."""
    body, kind = multipart([("value", value)], [("files", "统计.pdf", pdf)])
    path = f"/api/v1/plans/{plan_id}/indicators/2/reports"
    return request(host, port, "POST", path, body, bearer | {"Content-Type": kind})


def indicator_views(host: str, port: int, bearer: dict[str, str], plan_id: int) -> list[Answer]:
    """The API answers that show indicator values (each stalled for 25 s with 1e999990 stored)."""
    return [
        request(host, port, "GET", path, headers=bearer)
        for path in (f"/api/v1/plans/{plan_id}/indicators", f"/api/v1/plans/{plan_id}")
    ]


def chunked_upload(host: str, port: int, path: str, mib: int) -> tuple[str, int, float]:
    """Sends up to `mib` MiB chunked, stopping once the server has answered; (status, MiB
    sent, seconds to the answer)."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=120)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    sock = conn.sock
    assert sock is not None
    chunk = f"{1 << 20:x}\r\n".encode() + b"x" * (1 << 20) + b"\r\n"
    sent = 0
    watch = selectors.DefaultSelector()
    watch.register(sock, selectors.EVENT_READ)
    with contextlib.suppress(OSError):
        for _ in range(mib):
            if watch.select(timeout=0):
                break  # the server has answered: it will not read the rest
            sock.sendall(chunk)
            sent += 1
    watch.close()
    status = "no answer"
    with contextlib.suppress(OSError, http.client.HTTPException):
        status = str(conn.getresponse().status)
    conn.close()
    return status, sent, time.perf_counter() - start


def file_upload(
    host: str, port: int, path: str, headers: dict[str, str], fields: list[Field], name: str, content: Path | bytes
) -> Answer:  # fmt: skip
    """A multipart upload of one file, streamed from disk when it is a path (a 98 MB ZIP
    never sits in this process's memory)."""
    if isinstance(content, bytes):
        body, kind = multipart(fields, [("files", name, content)])
        return request(host, port, "POST", path, body, headers | {"Content-Type": kind})
    head, kind = multipart(fields, [("files", name, b"\x00")])
    before, _, after = head.rpartition(b"\x00")  # the one NUL byte marks where the file goes
    size = content.stat().st_size

    def chunks() -> Iterator[bytes]:
        yield before
        with content.open("rb") as fh:
            while block := fh.read(1 << 20):
                yield block
        yield after

    length = str(len(before) + size + len(after))
    return request(host, port, "POST", path, chunks(), headers | {"Content-Type": kind, "Content-Length": length})


def nul_sign_in(host: str, port: int) -> Answer:
    return request(
        host, port, "POST", "/api/v1/session",
        json.dumps({"name": "a\x00b", "password": "x"}).encode(), {"Content-Type": "application/json"},
    )  # fmt: skip


def nul_note(host: str, port: int, bearer: dict[str, str], measure_id: int) -> Answer:
    body, kind = multipart([("item", "1"), ("note", "a\x00b")])
    return request(host, port, "POST", f"/api/v1/measures/{measure_id}/evidence", body, bearer | {"Content-Type": kind})

