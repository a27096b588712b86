"""Throwaway certificates for the signing tests: a CA and an office certificate made with
`cryptography` at test time, written as PKCS#12 and PEM into the test's own folder.

Nothing here is committed as a file: every key is generated fresh and lives in a tmp_path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSWORD = "测试密码-p12"


def _name(common: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


@dataclass(frozen=True)
class ThrowawayPki:
    ca_key: ec.EllipticCurvePrivateKey
    ca: x509.Certificate
    office_key: ec.EllipticCurvePrivateKey
    office: x509.Certificate

    def p12(self, folder: Path, name: str = "office.p12", *, password: str | None = PASSWORD,
            with_key: bool = True) -> Path:
        """The office's key and certificate (and the CA) as a PKCS#12 file."""
        encryption = (
            serialization.BestAvailableEncryption(password.encode("utf-8"))
            if password
            else serialization.NoEncryption()
        )
        data = pkcs12.serialize_key_and_certificates(
            b"office", self.office_key if with_key else None, self.office, [self.ca], encryption
        )
        path = folder / name
        path.write_bytes(data)
        return path

    def trust_pem(self, folder: Path, name: str = "ca.pem") -> Path:
        path = folder / name
        path.write_bytes(self.ca.public_bytes(serialization.Encoding.PEM))
        return path


def _usage(*, sign_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=not sign_certificates, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=sign_certificates,
        crl_sign=sign_certificates, encipher_only=False, decipher_only=False,
    )


def _issue(
    subject: x509.Name,
    public_key: Any,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    valid: tuple[dt.datetime, dt.datetime],
    extensions: list[tuple[x509.ExtensionType, bool]],
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


def make_pki(
    *,
    office: str = "上海市嘉定区知识产权局",
    signer: str = "王主任",
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> ThrowawayPki:
    """A CA and an office certificate it issued (ECDSA P-256: fast to make)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("测试根证书", "zonecheck 测试 CA")
    ca = _issue(
        ca_name, ca_key.public_key(), ca_name, ca_key,
        (now - dt.timedelta(days=3650), now + dt.timedelta(days=3650)),
        [(x509.BasicConstraints(ca=True, path_length=None), True), (_usage(sign_certificates=True), True)],
    )
    office_key = ec.generate_private_key(ec.SECP256R1())
    cert = _issue(
        _name(signer, office), office_key.public_key(), ca_name, ca_key,
        (not_before or now - dt.timedelta(days=30), not_after or now + dt.timedelta(days=365)),
        [(x509.BasicConstraints(ca=False, path_length=None), True), (_usage(sign_certificates=False), True)],
    )
    return ThrowawayPki(ca_key, ca, office_key, cert)


def make_tsa_certificate(pki: ThrowawayPki) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A timestamping certificate issued by `pki`'s CA (RSA: pyHanko's local stamper signs with RSA)."""
    now = dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = _issue(
        _name("测试时间戳服务", "zonecheck 测试 CA"), key.public_key(), pki.ca.subject, pki.ca_key,
        (now - dt.timedelta(days=30), now + dt.timedelta(days=365)),
        [(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True)],
    )
    return key, cert
