"""Form bodies written byte by byte, for the fuzz tests and the attack benchmark.

HTTP clients encode text as UTF-8 and refuse what does not encode (a lone surrogate); an
attacker's client sends any bytes. These builders take each value as bytes, or as text encoded
with "surrogatepass", so a form can carry surrogates and invalid UTF-8 as well as NUL.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote_from_bytes

Value = str | bytes
Field = tuple[Value, Value]  # (name, value); a name may repeat
File = tuple[Value, Value, bytes]  # (field name, file name, content)

BOUNDARY = "zonecheck-form-boundary-7d1c"


def raw(value: Value) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def urlencoded(fields: Sequence[Field]) -> tuple[bytes, str]:
    """(body, content type) of an application/x-www-form-urlencoded form."""
    body = "&".join(f"{quote_from_bytes(raw(k))}={quote_from_bytes(raw(v))}" for k, v in fields)
    return body.encode("ascii"), "application/x-www-form-urlencoded"


def multipart(fields: Sequence[Field], files: Sequence[File] = ()) -> tuple[bytes, str]:
    """(body, content type) of a multipart/form-data form; names are sent as they are, quotes
    and line breaks escaped as browsers do (%22, %0A, %0D)."""
    parts = []
    for name, value in fields:
        parts.append(_part_head(name) + b"\r\n\r\n" + raw(value) + b"\r\n")
    for name, file_name, content in files:
        head = _part_head(name) + b'; filename="' + _escaped(file_name) + b'"'
        parts.append(head + b"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + b"\r\n")
    body = b"".join(b"--" + BOUNDARY.encode() + b"\r\n" + part for part in parts)
    body += b"--" + BOUNDARY.encode() + b"--\r\n"
    return body, f"multipart/form-data; boundary={BOUNDARY}"


def _part_head(name: Value) -> bytes:
    return b'Content-Disposition: form-data; name="' + _escaped(name) + b'"'


def _escaped(value: Value) -> bytes:
    return raw(value).replace(b'"', b"%22").replace(b"\r", b"%0D").replace(b"\n", b"%0A")
