"""A timestamp server (RFC 3161 over HTTP) on 127.0.0.1 for the tests of PAdES B-T: a real
HTTP server in a thread, answering with pyHanko's local stamper and a certificate of the
test CA, as an office's own timestamp server on its network would."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from reports.signing import quiet_pyhanko_import
from tests.support.certs import ThrowawayPki, make_tsa_certificate


@contextmanager
def timestamp_server(pki: ThrowawayPki) -> Iterator[str]:
    """The URL of a running timestamp server, stopped at the end of the block."""
    quiet_pyhanko_import()
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    key, cert = make_tsa_certificate(pki)
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)),
        tsa_key=keys.PrivateKeyInfo.load(key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())),
        certs_to_embed=[asn1_x509.Certificate.load(pki.ca.public_bytes(Encoding.DER))],
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802  (http.server's name)
            length = min(int(self.headers.get("Content-Length") or 0), 64 * 1024)
            request = tsp.TimeStampReq.load(self.rfile.read(length))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: pytest shows failures, not every request

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
