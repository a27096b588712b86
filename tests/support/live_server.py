"""`zonecheck serve` as a subprocess on 127.0.0.1, for the load and attack benchmarks and the
hostile-input tests (which measure the server process itself, so it cannot run in-process)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ZONECHECK = Path(sys.executable).with_name("zonecheck")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerDidNotStart(RuntimeError):
    pass


class Server:
    """`zonecheck serve --workers N` on 127.0.0.1."""

    def __init__(self, env: dict[str, str], cwd: Path, log_path: Path, workers: int) -> None:
        self.env, self.cwd, self.log_path, self.workers = env, cwd, log_path, workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.url.removeprefix("http://").partition(":")
        return host, int(port)

    def start(self) -> None:
        for _attempt in range(3):  # another process may take the free port first
            port = free_port()
            self.url = f"http://127.0.0.1:{port}"
            with self.log_path.open("ab") as out:
                self.proc = subprocess.Popen(
                    [str(ZONECHECK), "serve", "--host", "127.0.0.1", "--port", str(port),
                     "--workers", str(self.workers)],
                    env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT, start_new_session=True,
                )  # fmt: skip
            if self._ready():
                return
            self.stop()
        raise ServerDidNotStart(f"zonecheck serve did not start; see {self.log_path}:\n{self.tail()}")

    def _ready(self, timeout: float = 60) -> bool:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            with (
                contextlib.suppress(urllib.error.URLError, OSError),
                urllib.request.urlopen(self.url + "/login", timeout=5) as response,
            ):
                if response.status == 200:
                    return True
            time.sleep(0.3)
        return False

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
