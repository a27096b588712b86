"""A local mail catcher for the demo: an aiosmtpd SMTP server on 127.0.0.1 that keeps every
message it receives in a Maildir, and writes its port to a file once it listens.

    python scripts/mail_catcher.py MAILDIR PORTFILE

Runs until stopped (SIGTERM/SIGINT). The port is chosen by the system, so two demos never
collide; the caller waits for PORTFILE to appear before sending.
"""

from __future__ import annotations

import signal
import socket
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(maildir: str, portfile: str) -> None:
    controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=free_port())
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    Path(portfile).write_text(str(controller.port), encoding="ascii")
    try:
        stop.wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("用法:python scripts/mail_catcher.py 邮件文件夹 端口文件")
    main(sys.argv[1], sys.argv[2])
