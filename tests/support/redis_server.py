"""A throwaway redis-server on a free loopback port, for the worker's tests with Redis storage.

Skipped when Debian's `redis-server` is not installed, unless ZONECHECK_REQUIRE_REDIS=1 (CI),
which makes that an error.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ENV_REQUIRE_REDIS = "ZONECHECK_REQUIRE_REDIS"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A redis:// URL of a server that lives for the block: no persistence, loopback only."""
    exe = shutil.which("redis-server")
    if exe is None:
        message = "redis-server is not installed (Debian: apt-get install redis-server)"
        if os.environ.get(ENV_REQUIRE_REDIS):
            pytest.fail(f"{message}; {ENV_REQUIRE_REDIS} is set")
        pytest.skip(message)
    import redis

    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with (folder / "redis.log").open("wb") as out:
        process = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(folder), "--protected-mode", "yes", "--loglevel", "warning"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(url, socket_timeout=1).ping()
                break
            except redis.exceptions.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start: {(folder / 'redis.log').read_text()[-500:]}") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
