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
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.bench.load.run_load import log
from tests.conftest import ThrowawayPostgres, find_pg_bindir
from tests.integration.workflow_helpers import (
    actor,
    pdf_bytes,
    seed_path,
)
from tests.support.live_server import Server
from tests.support.web_attacks import (
    HUGE_VALUES,
    Probe,
    api_token,
    checked_passwords,
    chunked_upload,
    in_threads,
    indicator_value,
    indicator_views,
    login_burst,
    nul_note,
    nul_sign_in,
    request,
)
from workflow.bootstrap import bootstrap
from workflow.config import Settings
from workflow.db import upgrade
from workflow.domain.states import Role
from workflow.services import accounts, people
from workflow.services.plan_import import import_documents

REPO = Path(__file__).resolve().parents[2]
ADMIN = "攻防管理员"
TARGET = "攻防目标"
PASSWORD = "攻防-密码-2026"


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
        host, port = server.host_port
        log(f"{args.backend}, zonecheck serve --workers {args.workers} on {server.url}")

        bearer = api_token(host, port, ADMIN, PASSWORD)
        _, body, _ = request(host, port, "GET", "/api/v1/plans", headers=bearer)
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
            statuses.update(login_burst(host, port, TARGET, 40))
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
            answers = in_threads(
                8, lambda i: indicator_value(host, port, bearer, plan_id, HUGE_VALUES[i % 2], pdf)
            )
            for answer in answers:
                statuses[str(answer[0]) if isinstance(answer, tuple) else type(answer).__name__] += 1
                if isinstance(answer, tuple):
                    slowest = max(slowest, answer[2])
            for got in indicator_views(host, port, bearer, plan_id):
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
            statuses[f"session {nul_sign_in(host, port)[0]}"] += 1
            statuses[f"note {nul_note(host, port, bearer, 1)[0]}"] += 1
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
