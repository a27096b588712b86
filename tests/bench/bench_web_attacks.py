"""GET /login latency while the attacks of issue 12 run against a live `zonecheck serve`.

    python -m tests.bench.bench_web_attacks [--backend postgresql|sqlite] [--workers 4] [--seconds 8]

Starts a throwaway PostgreSQL (or an SQLite file), imports Xuchang's plan (002, numeric
targets), serves it with `zonecheck serve --workers N` on 127.0.0.1 only, and while a probe
thread requests GET /login every 50 ms, runs one attack after another:

1. nothing (the baseline);
2. bursts of 40 parallel API sign-ins with wrong passwords for one name (the throttle);
3. indicator values 1e999990 and 1e999999999 posted with a PDF by 8 threads, then the pages
   and API answers that show indicators (these stalled the server for 25 s each);
4. unauthenticated 215 MB chunked uploads by 4 threads (must be answered before the body);
5. sign-ins and evidence notes carrying NUL (a 500 on PostgreSQL before).

Prints, per phase, the probe's p50/p95/max latency and the attack's answers. Named bench_*.py
so pytest does not collect it; nothing fails on time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import selectors
import shutil
import statistics
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tests.bench.load.run_load import Server, log
from tests.conftest import ThrowawayPostgres, find_pg_bindir
from tests.integration.workflow_helpers import (
    actor,
    pdf_bytes,
    seed_path,
)
from workflow.bootstrap import bootstrap
from workflow.config import Settings
from workflow.db import upgrade
from workflow.domain.states import Role
from workflow.models import AuditEntry
from workflow.services import accounts, people
from workflow.services.plan_import import import_documents

REPO = Path(__file__).resolve().parents[2]
ADMIN = "攻防管理员"
TARGET = "攻防目标"
PASSWORD = "攻防-密码-2026"


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
                conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                conn.request("GET", "/login")
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status != 200:
                    self.errors[phase] += 1
            except OSError:
                self.errors[phase] += 1
            self.latencies.setdefault(phase, []).append(time.perf_counter() - start)
            time.sleep(0.05)

    def figures(self, phase: str) -> str:
        values = sorted(self.latencies.get(phase, []))
        if not values:
            return "no probe"
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        return (
            f"GET /login n={len(values)} p50={statistics.median(values) * 1000:.0f} ms "
            f"p95={p95 * 1000:.0f} ms max={values[-1] * 1000:.0f} ms errors={self.errors[phase]}"
        )


def request(
    host: str, port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes, float]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=120)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data, time.perf_counter() - start


def multipart(fields: dict[str, str], file: tuple[str, bytes] | None) -> tuple[bytes, str]:
    boundary = "zonecheckbench"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode() + v.encode() + b"\r\n"
        for k, v in fields.items()
    ]
    if file:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{file[0]}"\r\n'.encode()
            + b"Content-Type: application/pdf\r\n\r\n" + file[1] + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
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


def checked_passwords(home: Path, db_url: str, name: str) -> tuple[int, int]:
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8, help="length of each phase")
    args = parser.parse_args()
    seeds = Path(os.environ.get("ZONECHECK_SEEDS") or REPO.parent / "shared" / "seeds")

    work = Path(tempfile.mkdtemp(prefix="zonecheck-attacks-"))
    home = work / "zonecheck-data"
    home.mkdir()
    pg: ThrowawayPostgres | None = None
    server: Server | None = None
    try:
        if args.backend == "postgresql":
            bindir, how = find_pg_bindir()
            if bindir is None:
                raise SystemExit(f"PostgreSQL not found: {how}")
            pg = ThrowawayPostgres(bindir)
            db_url = pg.start().url("postgres")
        else:
            db_url = f"sqlite:///{home / 'zonecheck.db'}"
        upgrade(db_url)
        app = bootstrap(Settings(home=home, db_url=db_url))
        try:
            import_documents(app.uow, [seed_path(seeds, "002")], catalog_dir=app.settings.catalog_dir)
            people.add_person(app.uow(), None, ADMIN, role=Role.ADMIN, unit=None)
            people.add_person(app.uow(), actor(app, ADMIN), TARGET, role=Role.REVIEWER, unit=None)
            for name in (ADMIN, TARGET):
                accounts.set_password(app.uow(), actor(app, ADMIN), name, PASSWORD)
        finally:
            app.close()

        env = {k: v for k, v in os.environ.items() if not k.startswith("ZONECHECK_")}
        env.update(ZONECHECK_HOME=str(home), ZONECHECK_DB=db_url, ZONECHECK_COOKIE_SECURE="0")
        server = Server(env, work, work / "server.log", args.workers)
        server.start()
        parsed = urllib.parse.urlsplit(server.url)
        host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
        log(f"{args.backend}, zonecheck serve --workers {args.workers} on {server.url}")

        status, body, _ = request(
            host, port, "POST", "/api/v1/session",
            json.dumps({"name": ADMIN, "password": PASSWORD}).encode(), {"Content-Type": "application/json"},
        )  # fmt: skip
        assert status == 201, body
        bearer = {"Authorization": f"Bearer {json.loads(body)['token']}"}
        status, body, _ = request(host, port, "GET", "/api/v1/plans", headers=bearer)
        plan_id = json.loads(body)[0]["id"]

        probe = Probe(host, port)
        probe.thread.start()
        report: list[str] = []

        time.sleep(args.seconds)
        report.append(f"baseline: {probe.figures('baseline')}")

        probe.phase = "logins"
        statuses: Counter[str] = Counter()
        rounds = first = 0
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            rounds += 1
            answers = in_threads(
                40,
                lambda i: request(
                    host, port, "POST", "/api/v1/session",
                    json.dumps({"name": TARGET, "password": f"wrong-{i}"}).encode(),
                    {"Content-Type": "application/json"},
                ),
            )  # fmt: skip
            statuses.update(str(a[0]) if isinstance(a, tuple) else type(a).__name__ for a in answers)
            if rounds == 1:
                first, _ = checked_passwords(home, db_url, TARGET)
            time.sleep(1)
        checked, _ = checked_passwords(home, db_url, TARGET)
        report.append(
            f"login bursts: {rounds} x 40 parallel wrong passwords for one name, 1 s apart, answers "
            f"{dict(statuses)}, passwords checked {first} in the first burst, {checked} in all "
            f"(one more each time a wait has run out); {probe.figures('logins')}"
        )

        probe.phase = "numbers"
        pdf = pdf_bytes("bench")
        statuses = Counter()
        slowest = 0.0
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            def post(i: int) -> tuple[int, bytes, float]:
                value = "1e999990" if i % 2 else "1e999999999"
                data, kind = multipart({"value": value}, ("统计.pdf", pdf))
                return request(
                    host, port, "POST", f"/api/v1/plans/{plan_id}/indicators/2/reports", data,
                    bearer | {"Content-Type": kind},
                )  # fmt: skip

            for answer in in_threads(8, post):
                statuses[str(answer[0]) if isinstance(answer, tuple) else type(answer).__name__] += 1
                if isinstance(answer, tuple):
                    slowest = max(slowest, answer[2])
            for path in (f"/api/v1/plans/{plan_id}/indicators", f"/api/v1/plans/{plan_id}"):
                got = request(host, port, "GET", path, headers=bearer)
                statuses[f"GET {got[0]}"] += 1
                slowest = max(slowest, got[2])
        report.append(
            f"indicator values 1e999990 / 1e999999999 by 8 threads, then the indicator views: answers "
            f"{dict(statuses)}, slowest {slowest * 1000:.0f} ms; {probe.figures('numbers')}"
        )

        probe.phase = "uploads"
        uploads: list[Any] = []
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            uploads += in_threads(4, lambda i: chunked_upload(host, port, "/api/v1/measures/1/evidence", 215))
        answered = [u for u in uploads if isinstance(u, tuple)]
        report.append(
            f"unauthenticated 215 MiB chunked uploads, 4 threads, {len(uploads)} in all: answers "
            f"{dict(Counter(u[0] for u in answered))}, at most {max(u[1] for u in answered)} MiB sent "
            f"before the answer, slowest {max(u[2] for u in answered) * 1000:.0f} ms; {probe.figures('uploads')}"
        )

        probe.phase = "nul"
        statuses = Counter()
        deadline = time.monotonic() + args.seconds / 2
        while time.monotonic() < deadline:
            got = request(
                host, port, "POST", "/api/v1/session",
                json.dumps({"name": "a\x00b", "password": "x"}).encode(), {"Content-Type": "application/json"},
            )  # fmt: skip
            statuses[f"session {got[0]}"] += 1
            data, kind = multipart({"item": "1", "note": "a\x00b"}, None)
            got = request(host, port, "POST", "/api/v1/measures/1/evidence", data, bearer | {"Content-Type": kind})
            statuses[f"note {got[0]}"] += 1
        report.append(f"NUL in a sign-in name and an evidence note: answers {dict(statuses)}; {probe.figures('nul')}")

        probe.stopped.set()
        probe.thread.join()
        _, entries = checked_passwords(home, db_url, TARGET)
        print()
        load = os.getloadavg()[0]
        print(
            f"== zonecheck serve under attack ({args.backend}, {args.workers} workers, "
            f"{os.cpu_count()} cores, load average {load:.1f} at the end)"
        )
        for line in report:
            print("  " + line)
        print(f"  audit entries written: {entries}")
        return 0
    finally:
        if server is not None:
            server.stop()
        if pg is not None:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
