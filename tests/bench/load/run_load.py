"""Load test of `zonecheck serve` on PostgreSQL: 50 simulated people for 60 seconds, loopback only.

    python -m tests.bench.load.run_load [--users 50] [--spawn-rate 10] [--time 60s] [--think 0.5-2] [--keep]

(`make load` runs it through tests/bench/load/run_load.sh, which sets up .venv first.)

1. starts a throwaway PostgreSQL server on 127.0.0.1 (the test suite's `ThrowawayPostgres`);
2. fills a data folder: Jiading's (003) and Wuhan's (000) plans, 60 people with passwords,
   each unit member's own measures started, and measures already self-checked for each
   reviewer to accept or return (nobody fights over a measure);
3. runs `zonecheck serve --workers 4 --host 127.0.0.1` on a free port;
4. runs locust headless against http://127.0.0.1:PORT (never another address), see
   locustfile.py: members sign in through the login form, browse their list and measures and
   upload small unique PDF/PNG files; reviewers browse the queue and accept or return;
5. stops the server and checks that no upload was lost: every upload a client was told had
   succeeded is in the database with the same SHA-256 on the same measure, and
   `zonecheck evidence verify` (every stored file re-hashed) is clean;
6. prints requests/s, p50/p95/p99 latency, errors and uploads; exits 1 on any error.

With --background-render the whole run is done twice on fresh data: once as above, once with
a `zonecheck worker` rendering the acceptance report of a 700-measure plan (one render after
another, asked for as the office does on the web) for as long as locust runs; it prints the
p95 of the pages (sign-ins aside) in both runs and how much the render slowed them (target:
within 20 %).

The session cookie is Secure; Python's cookie jar (locust's client) sends Secure cookies only
over https, so this loopback rig serves with ZONECHECK_COOKIE_SECURE=0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select

from checklists.catalog import MeasureKind, UnitRole
from tests.conftest import ThrowawayPostgres, find_pg_bindir
from tests.integration.workflow_helpers import (
    actor,
    pdf_bytes,
    seed_path,
)
from tests.support.live_server import ZONECHECK, Server
from workflow.bootstrap import App, bootstrap
from workflow.config import Settings
from workflow.db import upgrade
from workflow.domain.states import Role
from workflow.models import Evidence, Measure, Plan
from workflow.services import accounts, measure_work, people
from workflow.services.acting import find_measure
from workflow.services.evidence import NewEvidence, add_evidence
from workflow.services.measure_work import plan_period, submission_request
from workflow.services.plan_import import import_documents

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
LOCUST = Path(sys.executable).with_name("locust")

ADMIN = "压测管理员"
PASSWORD = "压测-密码-2026"
MEMBERS = 40  # -u 50: 10 reviewers (fixed_count), the rest members, each with a measure of their own
REVIEWERS = 10
REVIEW_MEASURES_EACH = 2  # one to accept, one to return


def log(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------- data set-up


def alone_measures(app: App) -> list[tuple[str, int, str, str]]:
    """(plan key, measure id, ref, unit) of every measure whose only unit is its lead and that
    has one checklist item (one upload makes it ready for a self-check)."""
    out = []
    with app.uow() as uow:
        rows = uow.session.execute(
            select(Plan.key, Measure).join(Plan).order_by(Plan.key, Measure.id)
        ).all()
        for plan_key, measure in rows:
            links = measure.unit_links
            if (
                measure.kind is MeasureKind.MEASURE
                and len(links) == 1
                and links[0].role is UnitRole.LEAD
                and not links[0].unit.is_group
                and len(measure.checklist) == 1
            ):
                out.append((plan_key, measure.id, measure.ref, links[0].unit.name))
    return out


def evidence_days(app: App, ident: str) -> list[dt.date]:
    """成文日期 that satisfy the measure's deadline rules: one per missing year of an annual
    measure, one inside the plan's period for an ongoing one, else today."""
    today = dt.date.today()
    with app.uow() as uow:
        measure = find_measure(uow.session, ident, None)
        facts = submission_request(uow.session, measure, "", today)
        period = plan_period(uow.session, measure.plan)
    if facts.missing_years:
        return [min(dt.date(year, 1, 15), today) for year in facts.missing_years]
    if facts.ongoing_without_dated_evidence:
        day = period.start or period.end or today
        return [min(day, today)]
    return [today]


def prepare(home: Path, db_url: str, seeds: Path) -> dict[str, Any]:
    """The data the simulated people work on; returns what locustfile.py reads (users.json)."""
    upgrade(db_url)
    app = bootstrap(Settings(home=home, db_url=db_url))
    try:
        import_documents(
            app.uow,
            [seed_path(seeds, "003"), seed_path(seeds, "000")],
            catalog_dir=app.settings.catalog_dir,
        )
        people.add_person(app.uow(), None, ADMIN, role=Role.ADMIN, unit=None)
        accounts.set_password(app.uow(), actor(app, ADMIN), ADMIN, PASSWORD)

        measures = alone_measures(app)
        need = MEMBERS + REVIEWERS * REVIEW_MEASURES_EACH
        if len(measures) < need:
            raise SystemExit(f"only {len(measures)} single-unit measures; the load test needs {need}")
        # Review pool first (started, evidenced and self-checked here); every member then gets
        # a measure of their own unit that nobody else touches.
        review_pool, member_pool = measures[: REVIEWERS * REVIEW_MEASURES_EACH], measures[-MEMBERS:]
        uploads = home.parent / "prep-files"
        uploads.mkdir(exist_ok=True)

        units_seen: dict[str, str] = {}  # unit → the member who prepares its review measures
        members = []
        for i, (plan_key, mid, ref, unit) in enumerate(member_pool, start=1):
            name = f"成员{i:02d}"
            people.add_person(app.uow(), actor(app, ADMIN), name, role=Role.MEMBER, unit=unit)
            accounts.set_password(app.uow(), actor(app, ADMIN), name, PASSWORD)
            measure_work.start(app.uow(), actor(app, name), mid)
            members.append({"name": name, "unit": unit, "measure": mid, "ident": f"{plan_key}/{ref}"})
            units_seen.setdefault(unit, name)

        reviewers = []
        for i in range(REVIEWERS):
            name = f"审核{i + 1:02d}"
            people.add_person(app.uow(), actor(app, ADMIN), name, role=Role.REVIEWER, unit=None)
            accounts.set_password(app.uow(), actor(app, ADMIN), name, PASSWORD)
            reviewers.append({"name": name, "accept": [], "return": []})

        for j, (plan_key, mid, ref, unit) in enumerate(review_pool):
            ident = f"{plan_key}/{ref}"
            who = units_seen.get(unit)
            if who is None:
                who = f"准备{len(units_seen) + 1:02d}"
                people.add_person(app.uow(), actor(app, ADMIN), who, role=Role.MEMBER, unit=unit)
                units_seen[unit] = who
            measure_work.start(app.uow(), actor(app, who), mid)
            for day in evidence_days(app, ident):
                path = uploads / f"prep-{mid}-{day}.pdf"
                path.write_bytes(pdf_bytes(f"prep {ident} {day}"))
                add_evidence(
                    app.uow(), app.store, actor(app, who), mid, item=1,
                    new=NewEvidence(files=[path], doc_date=day),
                )  # fmt: skip
            measure_work.set_part(app.uow(), actor(app, who), mid)
            measure_work.submit_self_check(app.uow(), actor(app, who), mid, statement="已按方案完成(压测准备)")
            reviewer = reviewers[j % REVIEWERS]
            reviewer["accept" if j // REVIEWERS == 0 else "return"].append(mid)
        return {"password": PASSWORD, "members": members, "reviewers": reviewers}
    finally:
        app.close()


def evidence_rows(home: Path, db_url: str) -> set[tuple[int, str]]:
    """(measure id, sha256) of every stored evidence file."""
    app = bootstrap(Settings(home=home, db_url=db_url))
    try:
        with app.uow() as uow:
            rows = uow.session.execute(
                select(Evidence.measure_id, Evidence.sha256).where(Evidence.sha256.is_not(None))
            )
            return {(int(mid), str(sha)) for mid, sha in rows if mid is not None}
    finally:
        app.close()


# ------------------------------------------------------------------------------ the run


def run_locust(
    url: str, work: Path, users: int, spawn_rate: int, duration: str, think: str
) -> int:
    if not url.startswith("http://127.0.0.1:"):
        raise SystemExit(f"refusing to load anything but this machine's loopback: {url}")
    env = dict(os.environ, ZONECHECK_LOAD_DIR=str(work), ZONECHECK_LOAD_THINK=think)
    cmd = [
        str(LOCUST), "-f", str(HERE / "locustfile.py"), "--headless",
        "-u", str(users), "-r", str(spawn_rate), "-t", duration,
        "--host", url, "--csv", str(work / "locust"), "--only-summary",
        "--stop-timeout", "30", "--exit-code-on-error", "1",
    ]  # fmt: skip
    log("+ " + " ".join(cmd))
    return subprocess.run(cmd, env=env, cwd=work, check=False).returncode


def read_stats(work: Path) -> dict[str, Any]:
    """Locust's final figures (written by locustfile.py when it quits)."""
    stats: dict[str, Any] = json.loads((work / "summary.json").read_text("utf-8"))
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--time", default="60s")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--think", default="0.5-2",
        help="seconds each simulated person pauses between actions, MIN-MAX (0: none, to find "
        "the server's limit; the default keeps the request rate near that of real people)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the work folder (printed)")
    parser.add_argument(
        "--background-render", action="store_true",
        help="run twice: without, then with the worker rendering a 700-measure acceptance report "
        "throughout; print the p95 of both",
    )  # fmt: skip
    args = parser.parse_args()

    seeds = Path(os.environ.get("ZONECHECK_SEEDS") or REPO.parent / "shared" / "seeds")
    if not any(seeds.glob("003_*.txt")) or not any(seeds.glob("000_*.txt")):
        raise SystemExit(f"seed plans 000 and 003 not found in {seeds} (set ZONECHECK_SEEDS)")
    bindir, how = find_pg_bindir()
    if bindir is None:
        raise SystemExit(f"PostgreSQL is needed for the load test: {how}")

    if not args.background_render:
        ok, _stats = one_run(args, seeds, bindir, background=False)
        return 0 if ok else 1
    runs = {background: one_run(args, seeds, bindir, background=background) for background in (False, True)}
    quiet, busy = runs[False][1]["work"], runs[True][1]["work"]
    renders = runs[True][1].get("renders", [])
    slower = busy["p95"] / quiet["p95"] - 1 if quiet["p95"] else float("nan")
    print(
        f"pages' p95 (sign-ins aside): {quiet['p95']:.0f} ms without, {busy['p95']:.0f} ms with the worker "
        f"rendering the 700-measure acceptance report throughout ({len(renders)} renders finished"
        f"{': ' + ', '.join(f'{r:.0f} s' for r in renders) if renders else ''}): {slower:+.0%} (target within +20 %: "
        f"{'met' if slower <= 0.20 else 'MISSED'})"
    )
    return 0 if runs[False][0] and runs[True][0] else 1


BIG_PLAN = "load-700"


def add_big_plan(home: Path, db_url: str) -> None:
    """A 700-measure plan with work (tests/bench/synthetic.py), for the background render."""
    from tests.bench import synthetic

    app = bootstrap(Settings(home=home, db_url=db_url))
    try:
        with app.uow() as uow:
            source = uow.session.scalars(select(Plan.key).where(Plan.key.startswith("000_"))).one()
        # The bench's admin, unit and member (whom add_work and add_files credit), added by the
        # load test's admin: the zone has its admin already.
        admin = actor(app, ADMIN)
        people.add_person(app.uow(), admin, synthetic.ADMIN, role=Role.ADMIN, unit=None)
        people.add_unit(app.uow(), admin, synthetic.BENCH_UNIT)
        people.add_person(app.uow(), admin, synthetic.MEMBER, role=Role.MEMBER, unit=synthetic.BENCH_UNIT)
        big = synthetic.grow_plan(app.engine, source, 700, key=BIG_PLAN)
        # Work with notes and links only: rows of files without bytes would fail `evidence verify`.
        synthetic.add_work(app.engine, [big], today=dt.date.today())
        synthetic.settle(app.engine)
    finally:
        app.close()


class BackgroundRenders:
    """One render of the big plan's acceptance report after another, while locust runs."""

    def __init__(self, home: Path, db_url: str) -> None:
        import threading

        self.home, self.db_url = home, db_url
        self.seconds: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="background-renders", daemon=True)

    def _loop(self) -> None:
        from tests.bench.bench_worker_memory import ask_acceptance
        from tests.support.workers import job_state

        os.environ["ZONECHECK_HOME"] = str(self.home)  # the queue the worker reads
        app = bootstrap(Settings(home=self.home, db_url=self.db_url))
        try:
            number = 0
            while not self.stop.is_set():
                number += 1
                began = time.monotonic()
                job_id = ask_acceptance(app, BIG_PLAN, number=f"压测{number}号")
                while not self.stop.is_set() and job_state(app, job_id).state.value in ("queued", "running"):
                    time.sleep(0.5)
                if not self.stop.is_set():
                    self.seconds.append(time.monotonic() - began)
        finally:
            app.close()


def one_run(args: argparse.Namespace, seeds: Path, bindir: Path, *, background: bool) -> tuple[bool, dict[str, Any]]:
    work = Path(tempfile.mkdtemp(prefix="zonecheck-load-"))
    os.chmod(work, 0o755)
    home = work / "zonecheck-data"
    home.mkdir()
    pg = ThrowawayPostgres(bindir)
    server: Server | None = None
    renders: BackgroundRenders | None = None
    worker_proc: subprocess.Popen[bytes] | None = None
    ok = False
    stats: dict[str, Any] = {}
    try:
        pg_server = pg.start()
        db_url = pg_server.url("postgres")
        log(f"work folder {work}; PostgreSQL on 127.0.0.1:{pg_server.port}")
        started = time.monotonic()
        users = prepare(home, db_url, seeds)
        if args.background_render:
            add_big_plan(home, db_url)  # in both runs: the same database, rendered in one only
        (work / "users.json").write_text(json.dumps(users, ensure_ascii=False, indent=1), "utf-8")
        log(
            f"data ready in {time.monotonic() - started:.0f} s: {len(users['members'])} members, "
            f"{len(users['reviewers'])} reviewers"
        )
        before = evidence_rows(home, db_url)

        env = {k: v for k, v in os.environ.items() if not k.startswith("ZONECHECK_")}
        env.update(ZONECHECK_HOME=str(home), ZONECHECK_DB=db_url, ZONECHECK_COOKIE_SECURE="0")
        server = Server(env, work, work / "server.log", args.workers)
        server.start()
        log(f"zonecheck serve --workers {args.workers} on {server.url}")
        if background:
            from tests.support.workers import start_worker

            worker_proc = start_worker(env, work / "worker.log", "--workers", "1", "--no-periodic")
            renders = BackgroundRenders(home, db_url)
            renders.thread.start()
            time.sleep(5)  # the first render under way before the people arrive
            log("zonecheck worker rendering the 700-measure acceptance report in the background")
        locust_rc = run_locust(
            server.url, work, args.users, args.spawn_rate, args.time, args.think
        )
        server.stop()

        ok = report(work, home, db_url, env, before, server, locust_rc, args)
        stats = read_stats(work)
        if renders is not None:
            stats["renders"] = list(renders.seconds)
    finally:
        if renders is not None:
            renders.stop.set()
            renders.thread.join(30)
        if worker_proc is not None:
            from tests.support.workers import kill_worker

            kill_worker(worker_proc)  # a render in hand is of no more use
        if server is not None:
            server.stop()
        pg.stop()
        if args.keep or not ok:
            log(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return ok, stats


def report(
    work: Path,
    home: Path,
    db_url: str,
    env: dict[str, str],
    before: set[tuple[int, str]],
    server: Server,
    locust_rc: int,
    args: argparse.Namespace,
) -> bool:
    stats = read_stats(work)
    total = stats["total"]
    uploads_ok: list[dict[str, Any]] = []
    outcomes: dict[str, int] = defaultdict(int)
    for path in sorted(work.glob("outcomes-*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            event = json.loads(line)
            outcomes[event["kind"]] += 1
            if event["kind"] == "upload":
                uploads_ok.append(event)

    after = evidence_rows(home, db_url)
    new_rows = after - before
    lost = [u for u in uploads_ok if (u["measure"], u["sha256"]) not in after]
    verify = subprocess.run(
        [str(ZONECHECK), "evidence", "verify"], env=env, cwd=work, capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    server_errors = [
        line for line in server.tail(100000).splitlines() if "Traceback" in line or " 500 " in line
    ]

    requests, failures = int(total["requests"]), int(total["failures"])
    print()
    print(
        f"zonecheck load test: {args.users} users for {args.time}, think time {args.think} s, "
        f"zonecheck serve --workers {args.workers} on PostgreSQL, loopback"
    )
    print(f"  requests        {requests}  ({total['rps']:.1f} requests/s)")
    print(
        f"  latency         p50 {total['p50']:.0f} ms · p95 {total['p95']:.0f} ms · "
        f"p99 {total['p99']:.0f} ms · max {total['max']:.0f} ms"
    )
    work_ = stats["work"]
    print(
        f"  without sign-in p50 {work_['p50']:.0f} ms · p95 {work_['p95']:.0f} ms · "
        f"p99 {work_['p99']:.0f} ms ({work_['requests']} requests)"
    )
    print(f"  errors          {failures}" + (f" (locust exit {locust_rc})" if locust_rc else ""))
    for error in stats["errors"]:
        print(f"                  {error['count']}× {error['method']} {error['name']}: {error['error']}")
    print(f"  uploads         {len(uploads_ok)} confirmed; {len(new_rows)} new evidence files "
          f"in the database; {len(lost)} lost")
    reviews = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()) if k != "upload")
    print(f"  reviews         {reviews or 'none'}")
    print(f"  evidence verify exit {verify.returncode}: {verify.stdout.strip().splitlines()[-1:]}")
    print(f"  server log      {len(server_errors)} error lines")
    print("  per request (count, p50/p95/p99 ms, failures):")
    for name, row in sorted(stats["entries"].items()):
        print(
            f"    {row['method']:5} {name:38} {row['requests']:>6}  "
            f"{row['p50']:>5.0f}/{row['p95']:>5.0f}/{row['p99']:>5.0f}  {row['failures']}"
        )
    print()
    ok = (
        locust_rc == 0 and failures == 0 and not lost and verify.returncode == 0
        and not server_errors and len(uploads_ok) > 0
    )  # fmt: skip
    if lost:
        print(f"LOST UPLOADS: {lost[:10]}")
    if server_errors:
        print("SERVER ERRORS:\n" + "\n".join(server_errors[:20]))
    if verify.returncode != 0:
        print(verify.stdout, verify.stderr)
    print("PASSED" if ok else "FAILED")
    return ok


if __name__ == "__main__":
    sys.exit(main())
