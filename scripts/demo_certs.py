"""A throwaway demonstration certificate for the demo run's signed reports (jiading_full_run.sh).

    python scripts/demo_certs.py FOLDER OFFICE SIGNER

writes into FOLDER (which must exist): 演示用证书.p12 (the office's key and certificate with the
CA, PKCS#12), 演示用证书.pw (its password, one line) and 演示用根证书.pem (the CA, what
`report verify` trusts). Every key is generated fresh on each run and lives only in the run's
folder; both names say 演示用,不具法律效力 so that no one takes a demo PDF's signature for a
real seal. Uses `cryptography` (installed with pyHanko); the tests make theirs the same way
(tests/support/certs.py).
"""

from __future__ import annotations

import datetime as dt
import secrets
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DEMO_MARK = "演示用,不具法律效力"
P12_NAME = "演示用证书.p12"
PASSWORD_NAME = "演示用证书.pw"
TRUST_NAME = "演示用根证书.pem"


def _name(common: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_MARK),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    days: int,
    *,
    ca: bool,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # A day's slack: a clock a little behind still finds the certificate valid.
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_key_usage(ca=ca), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def write_demo_certificate(folder: Path, office: str, signer: str) -> tuple[Path, Path, Path]:
    """A fresh CA and an office certificate it issued (ECDSA P-256, fast to make), as the
    PKCS#12 file, its password file and the CA's PEM; returns their paths."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"zonecheck 演示根证书({DEMO_MARK})", "zonecheck 演示 CA")
    ca = _certificate(ca_name, ca_key, ca_name, ca_key, 3650, ca=True)
    office_key = ec.generate_private_key(ec.SECP256R1())
    office_cert = _certificate(_name(signer, office), office_key, ca_name, ca_key, 365, ca=False)

    password = secrets.token_urlsafe(18)
    p12 = folder / P12_NAME
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            DEMO_MARK.encode("utf-8"),
            office_key,
            office_cert,
            [ca],
            serialization.BestAvailableEncryption(password.encode("utf-8")),
        )
    )
    password_file = folder / PASSWORD_NAME
    password_file.write_text(password + "\n", encoding="utf-8")
    trust = folder / TRUST_NAME
    trust.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    for path in (p12, password_file):
        path.chmod(0o600)
    return p12, password_file, trust


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("用法:demo_certs.py 文件夹 机关名称 签署人", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    if not folder.is_dir():
        print(f"错误:文件夹 {folder} 不存在", file=sys.stderr)
        return 1
    for path in write_demo_certificate(folder, argv[1], argv[2]):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
