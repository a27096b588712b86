"""Checking a PDF handed back: its signatures (pyHanko, against the configured trust roots)
and whether the register (`issued_reports`) knows its sha256.

A signature is 有效 only when its bytes are intact, it covers the whole file (nothing was
appended after signing), and its certificate chains up to a certificate the office trusts
(ZONECHECK_SIGN_TRUST), checked today and without going to the network.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from reports.signing import quiet_pyhanko_import, read_bounded
from workflow.config import SIGN_TRUST_MAX_BYTES, SIGN_TRUST_MAX_CERTS, SignConfig
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.errors import InputError
from workflow.read.issued import IssuedRow, issued_by_sha256

VERIFY_MAX_BYTES = 512 * 1024 * 1024  # the largest report issued is tens of MB
VERIFY_MAX_SIGNATURES = 20  # ours carry one; each is a certificate path validation

VALID = "有效"
MODIFIED = "已被修改"
UNSIGNED = "未签名"
UNTRUSTED = "证书不受信任"
NOT_REGISTERED = "登记簿中没有此文件"
REGISTERED = "登记一致"


@dataclass(frozen=True)
class SignatureCheck:
    """One signature of the file, as pyHanko judged it."""

    subject: str  # the signer's certificate subject, as printed
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    signed_at: dt.datetime | None  # as the signer reported it, or the timestamp's
    timestamped: bool
    intact: bool
    trusted: bool
    whole_file: bool
    verdict: str  # VALID, MODIFIED or UNTRUSTED


@dataclass(frozen=True)
class FileCheck:
    sha256: str
    size: int
    signatures: tuple[SignatureCheck, ...]

    @property
    def verdict(self) -> str:
        """The file's verdict: the worst of its signatures'."""
        if not self.signatures:
            return UNSIGNED
        for verdict in (MODIFIED, UNTRUSTED):
            if any(s.verdict == verdict for s in self.signatures):
                return verdict
        return VALID


def read_pdf(path: Path) -> bytes:
    """The file's bytes, bounded; a file that is no PDF at all is refused by name."""
    data = read_bounded(path, VERIFY_MAX_BYTES, "文件")
    # A PDF may carry junk before its header (at most 1 KB, as readers allow).
    if b"%PDF-" not in data[:1024]:
        raise InputError(f"{path} 不是 PDF 文件(文件开头没有 PDF 标记),无法校验", code="verify_not_pdf")
    return data


def load_trust(config: SignConfig) -> list[x509.Certificate]:
    """The certificates `config.trust` names (PEM, several allowed, or one DER); none if unset."""
    path = config.trust
    if path is None:
        return []
    data = read_bounded(path, SIGN_TRUST_MAX_BYTES, "信任证书文件", "ZONECHECK_SIGN_TRUST")
    try:
        certificates = (
            x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data else [x509.load_der_x509_certificate(data)]
        )
    except ValueError:
        raise InputError(
            f"信任证书文件 {path} 不是 PEM 或 DER 格式的证书(ZONECHECK_SIGN_TRUST)", code="sign_trust"
        ) from None
    if len(certificates) > SIGN_TRUST_MAX_CERTS:
        raise InputError(
            f"信任证书文件 {path} 含 {len(certificates)} 张证书,至多 {SIGN_TRUST_MAX_CERTS} 张", code="sign_trust"
        )
    return certificates


def check_pdf(data: bytes, trust: list[x509.Certificate], *, name: str = "文件") -> FileCheck:
    """Every signature of `data`, judged against `trust`."""
    quiet_pyhanko_import()
    from pyhanko.pdf_utils.reader import PdfFileReader

    digest = hashlib.sha256(data).hexdigest()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # pyHanko raises several kinds on a broken file
        raise InputError(f"{name} 不是完整的 PDF 文件(已损坏或被截断),无法校验", code="verify_broken_pdf") from None
    if len(embedded) > VERIFY_MAX_SIGNATURES:
        raise InputError(
            f"{name} 含 {len(embedded)} 个签名,超过可校验的上限 {VERIFY_MAX_SIGNATURES} 个", code="verify_too_many_signatures"
        )
    return FileCheck(digest, len(data), tuple(_check_signature(sig, trust) for sig in embedded))


def _check_signature(embedded: Any, trust: list[x509.Certificate]) -> SignatureCheck:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign.diff_analysis.policy_api import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    roots = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in trust]
    # No fetching: a verdict that never depends on reaching a server (and is never slowed by one).
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    certificate = embedded.signer_cert
    try:
        status = validate_pdf_signature(embedded, context)
    except Exception:  # a signature pyHanko cannot even parse: not the bytes that were signed
        return SignatureCheck(
            _subject(certificate), _issuer(certificate), *_validity(certificate), None, False,
            intact=False, trusted=False, whole_file=False, verdict=MODIFIED,
        )
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level is not None
        and status.modification_level <= ModificationLevel.LTA_UPDATES
    )
    intact = bool(status.intact and status.valid)
    trusted = bool(status.trusted)
    verdict = MODIFIED if not (intact and whole) else (VALID if trusted else UNTRUSTED)
    stamp = status.timestamp_validity
    signed_at = stamp.timestamp if stamp is not None else status.signer_reported_dt
    return SignatureCheck(
        _subject(certificate), _issuer(certificate), *_validity(certificate), signed_at, stamp is not None,
        intact=intact, trusted=trusted, whole_file=whole, verdict=verdict,
    )


_NAME_PARTS = {
    "common_name": "名称",
    "organization_name": "单位",
    "organizational_unit_name": "部门",
    "locality_name": "城市",
    "state_or_province_name": "省份",
    "country_name": "国家",
}


def _subject(certificate: Any) -> str:
    return _name(certificate.subject) if certificate is not None else "(无证书)"


def _issuer(certificate: Any) -> str:
    return _name(certificate.issuer) if certificate is not None else "(无证书)"


def _name(name: Any) -> str:
    """A certificate name in Chinese labels (名称 王主任,单位 …), other parts as they are."""
    parts = []
    for key, value in name.native.items():
        shown = ";".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{_NAME_PARTS.get(key, key)} {shown}")
    return ",".join(parts)


def _validity(certificate: Any) -> tuple[dt.datetime, dt.datetime]:
    if certificate is None:
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        return epoch, epoch
    validity = certificate["tbs_certificate"]["validity"]
    return validity["not_before"].native, validity["not_after"].native


@dataclass(frozen=True)
class Verification:
    """A file's signatures and its entries in the register."""

    path: Path
    file: FileCheck
    issues: tuple[IssuedRow, ...]
    trust_configured: bool

    @property
    def register_verdict(self) -> str:
        return REGISTERED if self.issues else NOT_REGISTERED

    @property
    def ok(self) -> bool:
        """Valid and registered: the only outcome `report verify` exits 0 on."""
        return self.file.verdict == VALID and bool(self.issues)


def verify_report(uow: UnitOfWork, viewer: Actor | None, path: Path, config: SignConfig) -> Verification:
    """Check `path`'s signatures against the configured trust roots and look its sha256 up in
    the register (among the plans `viewer` may see)."""
    trust = load_trust(config)
    data = read_pdf(path)
    file = check_pdf(data, trust, name=str(path))
    return Verification(path, file, tuple(issued_by_sha256(uow, viewer, file.sha256)), bool(trust))
