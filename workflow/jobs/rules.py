"""Render jobs as plain rules: their states, the bounds on the queue, and when a job whose
worker stopped answering is taken up again. No database here (workflow.jobs.renders has it)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


JOB_STATE_LABELS = {
    JobState.QUEUED: "排队中",
    JobState.RUNNING: "生成中",
    JobState.DONE: "已完成",
    JobState.FAILED: "失败",
}
PENDING = (JobState.QUEUED, JobState.RUNNING)

# What a job renders besides the registered reports (reports.documents.KIND_FORMATS).
BUNDLE = "bundle"
LEDGER = "ledger"

# At most this many jobs of one person for one plan wait or run at once: a person clicking
# on and on queues nothing more, and cannot fill the worker for everybody else.
MAX_PENDING_PER_PERSON_PLAN = 5
# A render is tried this many times (a worker killed mid-render counts as a try) before
# it is marked failed: a report that kills its worker every time must not do so forever.
MAX_ATTEMPTS = 3
# A running job's worker renews its lease every LEASE / 3; a lease not renewed for this
# long means the worker is gone, and the sweep queues the job again.
DEFAULT_LEASE = dt.timedelta(seconds=90)
MAX_ERROR = 500
MAX_OPTIONS_CHARS = 8000


def lease_expired(lease_until: dt.datetime | None, now: dt.datetime) -> bool:
    return lease_until is None or lease_until <= now


def may_retry(attempts: int) -> bool:
    """Whether a job that was tried `attempts` times may be tried again."""
    return attempts < MAX_ATTEMPTS


def short_error(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


def job_folder(home: Path, job_id: int) -> Path:
    """Where job `job_id`'s file is written (in the data folder)."""
    return home / "renders" / str(job_id)


def job_url(job_id: int) -> str:
    """The job's page, which the message to its requester links to."""
    return f"/office/jobs/{job_id}"
