"""Real servers on loopback for the notification channels' tests: an SMTP server (aiosmtpd)
that keeps what it receives or refuses it, a port that accepts connections and never answers,
and an HTTP server speaking DingTalk's and WeCom's token and send APIs (stdlib http.server),
whose answers a test can script (an expired token, a rate limit)."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.live_server import free_port

__all__ = [
    "CorpApi", "LoopbackCert", "MailCatcher", "corp_api_server", "free_port", "loopback_cert", "silent_server",
    "smtp_server",
]


@dataclass
class MailCatcher:
    """What the SMTP server received; `refuse_rcpt` makes it answer RCPT with that line."""

    received: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    refuse_rcpt: str | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.refuse_rcpt is not None:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        mail = message_from_bytes(content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.received.append(mail)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def smtp_server(catcher: MailCatcher, **tls: Any) -> Iterator[int]:
    """An aiosmtpd server on 127.0.0.1 handing mail to `catcher`; yields its port. `tls`:
    aiosmtpd's ssl_context= (TLS from the start) or tls_context= and require_starttls=."""
    controller = Controller(catcher, hostname="127.0.0.1", port=free_port(), **tls)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@dataclass(frozen=True)
class LoopbackCert:
    """A self-signed certificate for 127.0.0.1: the server's context, and the file a client
    trusts it by."""

    server: ssl.SSLContext
    ca_file: Path

    def client(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))


def loopback_cert(folder: Path) -> LoopbackCert:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    return LoopbackCert(server, cert_file)


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never says a word: a mail
    server that hangs. Yields the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


@dataclass
class CorpApi:
    """The state of the loopback DingTalk/WeCom server: the credentials it accepts, the tokens it
    issued (only the newest is valid), the messages it accepted, and scripted answers to the
    next sends (errcodes, or a dict answered as is)."""

    key: str
    secret: str
    token_count: int = 0
    valid_token: str | None = None
    accepted: list[dict[str, Any]] = field(default_factory=list)
    script: list[int | dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    invalid_users: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expire_token(self) -> None:
        with self.lock:
            self.valid_token = None


class _Handler(BaseHTTPRequestHandler):
    api: CorpApi  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        return

    def _answer(self, payload: dict[str, Any] | bytes, status: int = 200) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.api.requests.append(url.path)
        if url.path in ("/gettoken", "/cgi-bin/gettoken"):
            key, secret = (
                (query.get("appkey"), query.get("appsecret"))
                if url.path == "/gettoken"
                else (query.get("corpid"), query.get("corpsecret"))
            )
            if (key, secret) != (self.api.key, self.api.secret):
                self._answer({"errcode": 40089 if url.path == "/gettoken" else 40001, "errmsg": "invalid credential"})
                return
            with self.api.lock:
                self.api.token_count += 1
                self.api.valid_token = f"token-{self.api.token_count}"
                token = self.api.valid_token
            self._answer({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})
        elif url.path == "/huge":
            self._answer(b"{" + b" " * (1024 * 1024) + b"}")
        else:
            self._answer({"errcode": 404, "errmsg": "no such api"}, status=404)

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.api.requests.append(url.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if url.path not in ("/topapi/message/corpconversation/asyncsend_v2", "/cgi-bin/message/send"):
            self._answer({"errcode": 404, "errmsg": "no such api"}, status=404)
            return
        with self.api.lock:
            if query.get("access_token") != self.api.valid_token:
                self._answer({"errcode": 42001, "errmsg": "access_token expired"})
                return
            scripted = self.api.script.pop(0) if self.api.script else 0
        if isinstance(scripted, dict):
            self._answer(scripted)
            return
        if scripted != 0:
            self._answer({"errcode": scripted, "errmsg": "scripted"})
            return
        if url.path == "/cgi-bin/message/send":
            invalid = [u for u in str(body.get("touser", "")).split("|") if u in self.api.invalid_users]
            if not invalid:
                self.api.accepted.append(body)
            self._answer({"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid), "msgid": "m1"})
        else:
            self.api.accepted.append(body)
            self._answer({"errcode": 0, "errmsg": "ok", "task_id": len(self.api.accepted), "request_id": "r1"})


@contextlib.contextmanager
def corp_api_server(api: CorpApi) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 answering both APIs' paths from `api`; yields its base URL."""
    handler = type("CorpApiHandler", (_Handler,), {"api": api})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
