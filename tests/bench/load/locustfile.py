"""Simulated people for the load test (run by run_load.py; not on its own against a real site).

Members sign in through the login form (with its CSRF cookie), look at their unit's list and
their own measure, and upload small files through the measure page's upload form (as the page's
uploader script does: multipart, `Accept: application/json`, the page's CSRF token). Every file
is unique (no deduplication), and each upload the server confirms is written to
outcomes-<pid>.jsonl with its SHA-256, so run_load.py can check that none was lost.

Reviewers sign in, browse the office's home, the review queue and review pages, and give the
verdict on the measures prepared for them (one accept, one return each): nobody acts on a
measure someone else acts on, so any refusal is an error.

users.json (written by run_load.py) says who is who; ZONECHECK_LOAD_DIR is its folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import random
import re
import struct
import sys
import uuid
import zlib
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task
from locust.stats import StatsEntry

# The test suite's own well-formed PDF (locust runs this file as a script, from any folder).
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from tests.integration.workflow_helpers import pdf_bytes  # noqa: E402

LOAD_DIR = Path(os.environ.get("ZONECHECK_LOAD_DIR", "."))
USERS = json.loads((LOAD_DIR / "users.json").read_text("utf-8"))
PASSWORD: str = USERS["password"]
_members = itertools.cycle(USERS["members"])
_reviewers = itertools.cycle(USERS["reviewers"])
_outcomes = (LOAD_DIR / f"outcomes-{os.getpid()}.jsonl").open("a", encoding="utf-8")

# Think time between a person's actions, seconds ("0.5-2" by default; "0" for no pause).
_think = [float(x) for x in os.environ.get("ZONECHECK_LOAD_THINK", "0.5-2").split("-")]
THINK_MIN, THINK_MAX = _think[0], _think[-1]

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
EVIDENCE_VIEW = re.compile(r'href="(/evidence/\d+/view)"')
REVIEW_LINK = re.compile(r'href="/office/review/(\d+)"')
MEASURE_LINK = re.compile(r'href="/measures/(\d+)"')


def record(kind: str, **fields: Any) -> None:
    _outcomes.write(json.dumps({"kind": kind, **fields}, ensure_ascii=False) + "\n")
    _outcomes.flush()


@events.quitting.add_listener
def _summary(environment: Any, **_kwargs: Any) -> None:
    """The final figures (the CSV files may be written before the last requests finish)."""

    def figures(entry: Any) -> dict[str, Any]:
        return {
            "method": entry.method or "",
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": entry.total_rps,
            **{
                f"p{int(q * 100)}": entry.get_response_time_percentile(q)
                for q in (0.5, 0.95, 0.99)
            },
            "max": entry.max_response_time,
        }

    stats = environment.stats
    # Sign-in is argon2 on purpose (about 0.3 s of CPU each, all at the start): the figures
    # of the work after it are given apart.
    work = StatsEntry(stats, "without sign-in", "")
    for (name, _method), entry in stats.entries.items():
        if not name.startswith("/login"):
            work.extend(entry)
    summary = {
        "total": figures(stats.total),
        "work": figures(work),
        "entries": {name: figures(entry) for (name, _method), entry in stats.entries.items()},
        "errors": [
            {"name": e.name, "method": e.method, "error": str(e.error), "count": e.occurrences}
            for e in stats.errors.values()
        ],
    }
    (LOAD_DIR / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), "utf-8")


def png_file(text: str) -> bytes:
    """A small PNG image with `text` in a tEXt chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    size = 8
    rgb = bytes(random.randrange(256) for _ in range(3))
    row = b"\x00" + rgb * size
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", b"Comment\x00" + text.encode())
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


class Person(HttpUser):
    abstract = True
    wait_time = between(THINK_MIN, THINK_MAX)
    name = ""

    def sign_in(self) -> None:
        page = self.client.get("/login", name="/login")
        token = CSRF.search(page.text)
        assert token, "login page without CSRF field"
        with self.client.post(
            "/login",
            data={"name": self.name, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
            allow_redirects=False,
            catch_response=True,
            name="/login [POST]",
        ) as response:
            if response.status_code != 303:
                response.failure(f"sign-in as {self.name}: HTTP {response.status_code}")

    def page(self, path: str, name: str) -> Any:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{path}: HTTP {response.status_code}")
            elif "/login" in response.url:
                response.failure(f"{path}: sent to the login page (session lost)")
            return response


class Member(Person):
    """A unit member working on their own measure."""

    weight = 4

    def on_start(self) -> None:
        me = next(_members)
        self.name, self.measure = me["name"], me["measure"]
        self.uploads = 0
        self.csrf = ""
        self.sign_in()
        self.measure_page()

    def measure_page(self) -> str:
        response = self.page(f"/measures/{self.measure}", "/measures/[id]")
        token = CSRF.search(response.text or "")
        if token:
            self.csrf = token.group(1)
        return response.text or ""

    @task(3)
    def home(self) -> None:
        self.page("/unit", "/unit")

    @task(3)
    def look_at_measure(self) -> None:
        self.measure_page()

    @task(3)
    def upload(self) -> None:
        self.uploads += 1
        text = f"{self.name} {self.uploads} {uuid.uuid4()}"
        if self.uploads % 2:
            name, data, media = f"佐证-{self.uploads}.pdf", pdf_bytes(text), "application/pdf"
        else:
            name, data, media = f"现场照片-{self.uploads}.png", png_file(text), "image/png"
        with self.client.post(
            f"/measures/{self.measure}/evidence",
            data={"csrf_token": self.csrf, "item": "1", "note": "压测上传", "doc_date": dt.date.today().isoformat()},
            files=[("files", (name, data, media))],
            headers={"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"},
            name="/measures/[id]/evidence [POST]",
            catch_response=True,
        ) as response:
            try:
                answer = response.json()
            except ValueError:
                answer = {}
            if response.status_code == 200 and answer.get("ok") is True:
                record(
                    "upload",
                    who=self.name,
                    measure=self.measure,
                    sha256=hashlib.sha256(data).hexdigest(),
                    name=name,
                )
            else:
                response.failure(f"upload: HTTP {response.status_code} {answer or response.text[:200]}")

    @task(1)
    def view_evidence(self) -> None:
        links = EVIDENCE_VIEW.findall(self.measure_page())
        if links:
            self.page(random.choice(links), "/evidence/[id]/view")


class Reviewer(Person):
    """Somebody of the leading office reviewing the self-checks prepared for them."""

    fixed_count = 10

    def on_start(self) -> None:
        me = next(_reviewers)
        self.name = me["name"]
        self.todo = [("accept", mid) for mid in me["accept"]] + [
            ("return", mid) for mid in me["return"]
        ]
        self.sign_in()

    @task(2)
    def office_home(self) -> None:
        self.page("/office", "/office")

    @task(3)
    def queue(self) -> None:
        response = self.page("/office/review", "/office/review")
        ids = REVIEW_LINK.findall(response.text or "")
        if ids:
            self.page(f"/office/review/{random.choice(ids)}", "/office/review/[id]")

    @task(2)
    def verdict(self) -> None:
        if not self.todo:
            self.queue()
            return
        action, mid = self.todo.pop(0)
        page = self.page(f"/office/review/{mid}", "/office/review/[id]")
        token, version = CSRF.search(page.text or ""), VERSION.search(page.text or "")
        if not token or not version:
            return  # already failed as a page, or the page changed: reported by page()
        data = {"csrf_token": token.group(1), "version": version.group(1)}
        if action == "accept":
            data |= {"comment": "材料齐全,同意验收", "score": str(random.randint(80, 100))}
        else:
            due = dt.date.today() + dt.timedelta(days=15)
            data |= {"comment": "佐证材料不足,请补充", "due": due.isoformat()}
        with self.client.post(
            f"/office/review/{mid}/{action}",
            data=data,
            allow_redirects=False,
            name=f"/office/review/[id]/{action} [POST]",
            catch_response=True,
        ) as response:
            where = response.headers.get("location", "")
            if response.status_code == 303 and where == "/office/review":
                record(action, who=self.name, measure=mid)
            else:
                response.failure(f"{action} {mid}: HTTP {response.status_code} → {where}")
