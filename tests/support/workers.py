"""`zonecheck worker` as a real process (its own session, so it and its worker processes can
be killed together, as a machine losing power or the OOM killer would), and waiting on jobs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from workflow.bootstrap import App
from workflow.jobs.rules import JobState
from workflow.models import RenderJob

ZONECHECK = str(Path(sys.executable).with_name("zonecheck"))


def start_worker(env: Mapping[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:  # the child has its own copy of the descriptor
        return subprocess.Popen(
            [ZONECHECK, "worker", *args], env={**os.environ, **env},
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def kill_worker(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the consumer and every process it started: nothing gets to clean up."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def stop_worker(process: subprocess.Popen[bytes], timeout: float = 60) -> int:
    """SIGTERM, as systemd stops it: the worker finishes what it holds and exits."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        kill_worker(process)
        raise


def job_state(app: App, job_id: int) -> RenderJob:
    with app.uow() as uow:
        job = uow.session.get(RenderJob, job_id)
        assert job is not None
        uow.session.expunge(job)
        return job


def wait_for(app: App, job_id: int, done: Callable[[RenderJob], bool], timeout: float, log: Path) -> RenderJob:
    deadline = time.monotonic() + timeout
    while True:
        job = job_state(app, job_id)
        if done(job):
            return job
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise AssertionError(f"job {job_id} still {job.state} ({job.error}) after {timeout} s; worker log:\n{tail}")
        time.sleep(0.1)


def finished(job: RenderJob) -> bool:
    return job.state in (JobState.DONE, JobState.FAILED)
