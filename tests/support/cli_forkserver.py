"""A `zonecheck` for shell scripts under test that skips Python's start-up: a fork server.

The demo scripts (scripts/jiading_full_run.sh, scripts/partial_run.sh) call `zonecheck` from
PATH hundreds of times; in a fresh process each call spends ~0.8 s of CPU importing SQLAlchemy,
the models and the command modules before doing a few milliseconds of work, which made the two
script tests most of the suite's CPU time. Their subject is the scripts and the commands' effects,
not the interpreter's start-up (tests/e2e keeps real `zonecheck` processes for that: exit codes,
output encoding, the console script, the scripts' own refusals).

So a server process imports the CLI and every command module once, then forks one child per
call. The `zonecheck` put first on PATH is a small client that hands the server its argument
list, environment, working folder and its own stdin/stdout/stderr (as file descriptors, over a
Unix socket), and exits with the child's exit status. The child is a real process running the
real `workflow.cli:main` on the caller's descriptors, exactly as the console script would,
starting from the state right after import (nothing else ran in the server before the fork).

    server = CliForkServer.start()   # a new folder holds the socket and bin/zonecheck
    env["PATH"] = f"{server.bin_dir}:{env['PATH']}"
    ...
    server.stop()

``python -m tests.support.cli_forkserver SOCKET`` is the server itself.
"""

from __future__ import annotations

import array
import atexit
import contextlib
import importlib
import io
import json
import locale
import os
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# The client: stdlib only, run with -I -S so that it starts in a few milliseconds. It sends one
# message (a length-prefixed JSON header, with fds 0-2 attached) and waits for a 4-byte status.
CLIENT = """\
#!{python} -IS
import array, json, os, socket, struct, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect({socket_path!r})
header = json.dumps({{"argv": sys.argv, "env": dict(os.environ), "cwd": os.getcwd()}}).encode()
message = struct.pack("!I", len(header)) + header
sock.sendmsg([message], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [0, 1, 2]))])
status = b""
while len(status) < 4:
    chunk = sock.recv(4 - len(status))
    if not chunk:
        sys.stderr.write("zonecheck (test fork server): the command's process died\\n")
        sys.exit(70)
    status += chunk
sys.exit(struct.unpack("!i", status)[0])
"""


def _preload() -> None:
    """Import what a `zonecheck` process imports, for every command, without running any."""
    from sqlalchemy.orm import configure_mappers

    from workflow.cli.main import COMMANDS, cli

    for name in COMMANDS:
        cli.load(name)  # type: ignore[attr-defined]
    importlib.import_module("workflow.models")
    configure_mappers()  # what the first query of every process would do


def _read_request(conn: socket.socket) -> tuple[dict[str, object], list[int]]:
    data, fds = b"", []
    while len(data) < 4 or len(data) < 4 + struct.unpack("!I", data[:4])[0]:
        chunk, ancillary, _flags, _addr = conn.recvmsg(1 << 16, socket.CMSG_SPACE(3 * 4))
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.extend(array.array("i", payload[: len(payload) - len(payload) % 4]))
        if not chunk:
            raise ConnectionError("client went away")
        data += chunk
    return json.loads(data[4:].decode()), fds


def _text_stream(fd: int, mode: str, errors: str, line_buffering: bool = False) -> io.TextIOWrapper:
    # Open for the rest of the process's life, as the interpreter's own sys.std* are.
    raw = open(fd, mode + "b", closefd=False)  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8", errors=errors, line_buffering=line_buffering)


def _run_child(conn: socket.socket) -> int:
    """In the forked child: become the caller's `zonecheck` process and run the command."""
    request, fds = _read_request(conn)
    for target, fd in zip((0, 1, 2), fds, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    env = request["env"]
    assert isinstance(env, dict)
    os.environ.clear()
    os.environ.update(env)
    with contextlib.suppress(locale.Error):
        locale.setlocale(locale.LC_CTYPE, "")
    time.tzset()
    os.chdir(str(request["cwd"]))
    argv = request["argv"]
    assert isinstance(argv, list)
    sys.argv = [str(arg) for arg in argv]
    # Fresh text streams on the caller's descriptors, as a new interpreter would open them (UTF-8
    # as in the C.UTF-8 locale Python coerces to; `main` reconfigures stdout/stderr anyway).
    sys.stdin = _text_stream(0, "r", errors="surrogateescape")
    sys.stdout = _text_stream(1, "w", errors="surrogateescape", line_buffering=os.isatty(1))
    sys.stderr = _text_stream(2, "w", errors="backslashreplace", line_buffering=True)
    from workflow.cli import main

    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    except BaseException:  # what the interpreter does with an uncaught exception
        traceback.print_exc()
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    return code


def _reap(_signum: int, _frame: object) -> None:
    # Reaped (not ignored) so that the children's CPU time counts in the server's rusage.
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] != 0:
            pass


def serve(socket_path: str) -> None:
    _preload()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    while True:
        try:
            conn, _addr = listener.accept()
        except InterruptedError:
            continue
        pid = os.fork()
        if pid == 0:
            listener.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            code = 70
            try:
                code = _run_child(conn)
                conn.sendall(struct.pack("!i", code))
            finally:
                os._exit(code)
        conn.close()


@dataclass
class CliForkServer:
    """A running fork server and the folder whose `zonecheck` talks to it."""

    proc: subprocess.Popen[str]
    folder: Path

    @property
    def bin_dir(self) -> Path:
        """The folder to put first on PATH: its `zonecheck` is the client."""
        return self.folder / "bin"

    @classmethod
    def start(cls) -> CliForkServer:
        # A short path: a Unix socket's path is limited to 107 bytes, pytest's tmp_path is long.
        folder = Path(
            tempfile.mkdtemp(prefix="zc-cli-", dir="/tmp" if os.path.isdir("/tmp") else None)
        )
        socket_path = folder / "zonecheck.sock"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZONECHECK_")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.cli_forkserver", str(socket_path)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            proc.kill()
            proc.wait()
            raise RuntimeError("the zonecheck fork server did not start (see stderr above)")
        server = cls(proc, folder)
        bin_dir = server.bin_dir
        bin_dir.mkdir()
        client = bin_dir / "zonecheck"
        client.write_text(CLIENT.format(python=sys.executable, socket_path=str(socket_path)))
        client.chmod(0o755)
        # The scripts run `$(dirname zonecheck)/python` for their small JSON and YAML edits.
        # (A wrapper, not a symlink: the venv is found beside the path that is run.)
        python = bin_dir / "python"
        python.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
        python.chmod(0o755)
        return server

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)


if __name__ == "__main__":
    serve(sys.argv[1])
