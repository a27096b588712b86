"""Signing issued PDFs with the office's certificate: PAdES (pyHanko), a visible block in the seal box.

The certificate is a PKCS#12 file named in the settings (`workflow.config.SignConfig`). It is
read and checked (readable, the right password, a private key that belongs to the certificate,
valid today) before anything is rendered, so a bad certificate costs nothing and writes
nothing. Signatures are PAdES baseline B-B, or B-T when the office runs a timestamp server of
its own (ZONECHECK_SIGN_TSA): nothing here goes to the internet.

The visible block goes where the seal goes: the report's templates mark the seal box with
`id="seal"`, which WeasyPrint writes as a named destination (page and top-left corner), so
the position is read back from the PDF itself and the renderer needs no hook. A template
without that mark (an office's own copy made before it existed) gets an invisible
signature rather than a block that might cover its text.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, pkcs12
from cryptography.x509.oid import NameOID

from workflow.config import (
    SIGN_P12_MAX_BYTES,
    SIGN_PASSWORD_MAX_CHARS,
    SIGN_TSA_MAX_CHARS,
    SignConfig,
)
from workflow.errors import InputError

SEAL_ANCHOR = "seal"
# The seal box of reports/templates/_print.css (.seal-mark, 42 mm square): the destination
# gives its top-left corner only.
SEAL_SIZE_PT = 42 / 25.4 * 72
FIELD_NAME = "zonecheck-seal"
_MAX_NAME_NODES = 10_000  # a named-destination tree is walked at most this far


def quiet_pyhanko_import() -> None:
    """Import pyHanko's signing modules once, without cryptography's DSA deprecation warning
    (pyHanko imports the DSA types whether or not a key is DSA; ours never is)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="DSA is deprecated")
        import pyhanko.sign.signers.pdf_cms  # noqa: F401
        import pyhanko.sign.timestamps  # noqa: F401
        import pyhanko_certvalidator.sig_validate  # noqa: F401


class SignError(InputError):
    """Signing or checking cannot go on: the certificate, its password, the trust list or the
    file is unusable; the message names which and why."""

    code = "sign_error"


@dataclass(frozen=True)
class OfficeCertificate:
    """The office's key and certificate, as read from its PKCS#12 file and checked."""

    key: PrivateKeyTypes
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    source: Path

    @property
    def signer_name(self) -> str:
        return subject_part(self.certificate, NameOID.COMMON_NAME)

    @property
    def office(self) -> str:
        """The office named on the certificate (O), else its common name."""
        return subject_part(self.certificate, NameOID.ORGANIZATION_NAME) or self.signer_name


def subject_part(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    values = certificate.subject.get_attributes_for_oid(oid)
    value = values[0].value if values else ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def read_bounded(path: Path, limit: int, what: str, setting: str = "") -> bytes:
    """A file read whole, at most `limit` bytes; an error names `what`, the path and the
    setting it came from."""
    where = f"({setting})" if setting else ""
    try:
        size = path.stat().st_size
        if size > limit:
            raise SignError(f"{what} {path} 有 {size} 字节,超过上限 {limit} 字节{where}", code="sign_file_too_large")
        return path.read_bytes()
    except FileNotFoundError:
        raise SignError(f"找不到{what} {path}{where}", code="sign_file_missing") from None
    except IsADirectoryError:
        raise SignError(f"{what} {path} 是一个文件夹,应为文件{where}", code="sign_file_missing") from None
    except OSError as exc:
        raise SignError(f"无法读取{what} {path}:{exc.strerror or exc}{where}", code="sign_file_missing") from None


def _password(config: SignConfig) -> bytes | None:
    if config.password is not None and config.password_file is not None:
        raise SignError(
            "证书密码只能用一种方式给出:ZONECHECK_SIGN_P12_PASSWORD 与 ZONECHECK_SIGN_P12_PASSWORD_FILE 不能同时设置",
            code="sign_password_twice",
        )
    if config.password_file is not None:
        raw = read_bounded(
            config.password_file, SIGN_PASSWORD_MAX_CHARS * 4 + 2, "证书密码文件", "ZONECHECK_SIGN_P12_PASSWORD_FILE"
        )
        try:
            text = raw.decode("utf-8").splitlines()[0] if raw.strip() else ""
        except UnicodeDecodeError:
            raise SignError(
                f"证书密码文件 {config.password_file} 不是 UTF-8 文本", code="sign_password_file"
            ) from None
    else:
        text = config.password or ""
    if len(text) > SIGN_PASSWORD_MAX_CHARS:
        raise SignError(f"证书密码超过 {SIGN_PASSWORD_MAX_CHARS} 个字符", code="sign_password_too_long")
    return text.encode("utf-8") if text else None


def load_office_certificate(config: SignConfig, *, now: dt.datetime) -> OfficeCertificate | None:
    """The configured certificate, checked; None when the office configured none."""
    path = config.p12
    if path is None:
        return None
    # pyHanko first: it registers OIDs with asn1crypto (tst_info, …), whose name lookups are
    # cached on first use, and the parse below would cache them without pyHanko's.
    quiet_pyhanko_import()
    data = read_bounded(path, SIGN_P12_MAX_BYTES, "证书文件", "ZONECHECK_SIGN_P12")
    password = _password(config)
    try:
        # The structure first: a damaged file and a wrong password look alike to the decryption.
        asn1_pkcs12.Pfx.load(data, strict=True).native  # noqa: B018  (parsing is the check)
    except (ValueError, TypeError, KeyError):
        raise SignError(
            f"证书文件 {path} 不是有效的 PKCS#12(.p12/.pfx)文件,可能已损坏或格式不对", code="sign_p12_corrupt"
        ) from None
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        raise SignError(
            f"无法打开证书文件 {path}:密码错误(或文件内容已损坏);请检查 ZONECHECK_SIGN_P12_PASSWORD"
            "或 ZONECHECK_SIGN_P12_PASSWORD_FILE",
            code="sign_password_wrong",
        ) from None
    if key is None:
        raise SignError(f"证书文件 {path} 中没有私钥,无法签名;请导出含私钥的 PKCS#12 文件", code="sign_no_key")
    if certificate is None:
        raise SignError(f"证书文件 {path} 中没有与私钥对应的证书", code="sign_no_certificate")
    if _public_der(key) != certificate.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo):
        raise SignError(f"证书文件 {path} 中的私钥与证书不匹配", code="sign_key_mismatch")
    subject = certificate.subject.rfc4514_string()
    if now < certificate.not_valid_before_utc:
        raise SignError(
            f"证书 {subject} 尚未生效(生效日期 {certificate.not_valid_before_utc:%Y-%m-%d}),不能用于签名",
            code="sign_not_yet_valid",
        )
    if now > certificate.not_valid_after_utc:
        raise SignError(
            f"证书 {subject} 已于 {certificate.not_valid_after_utc:%Y-%m-%d} 过期,不能用于签名;请更换证书",
            code="sign_expired",
        )
    if not _may_sign(certificate):
        raise SignError(f"证书 {subject} 的密钥用途不含数字签名,不能用于签名", code="sign_key_usage")
    return OfficeCertificate(key, certificate, tuple(others), path)


def _public_der(key: PrivateKeyTypes) -> bytes:
    return key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def _may_sign(certificate: x509.Certificate) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return bool(usage.digital_signature or usage.content_commitment)


def check_tsa_url(url: str | None) -> str | None:
    if url is None:
        return None
    if len(url) > SIGN_TSA_MAX_CHARS or not url.startswith(("http://", "https://")):
        raise SignError(
            f"ZONECHECK_SIGN_TSA 应为时间戳服务器的 http:// 或 https:// 地址(至多 {SIGN_TSA_MAX_CHARS} 个字符)",
            code="sign_tsa_url",
        )
    return url


@dataclass(frozen=True)
class SealBox:
    page: int  # zero-based page index
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points


def seal_box(reader: Any) -> SealBox | None:
    """Where the template's seal box is, from the PDF's named destination; None if none."""
    dest = _named_destination(reader, SEAL_ANCHOR)
    if dest is None or len(dest) < 4 or str(dest[1]) != "/XYZ":
        return None
    try:
        left, top = float(dest[2]), float(dest[3])
    except (TypeError, ValueError):
        return None
    # raw_get: indexing would resolve the reference, and the page is known by its reference.
    target = getattr(dest.raw_get(0), "idnum", None) if hasattr(dest, "raw_get") else None
    pages = int(reader.root["/Pages"]["/Count"])
    # The seal is near the end: search backwards.
    for index in range(pages - 1, -1, -1):
        ref, _resources = reader.find_page_for_modification(index)
        if ref.idnum == target:
            return SealBox(index, (left, top - SEAL_SIZE_PT, left + SEAL_SIZE_PT, top))
    return None


def _named_destination(reader: Any, name: str) -> Any:
    names = reader.root.get("/Names")
    if names is None or "/Dests" not in names:
        return None
    stack = [names["/Dests"]]
    seen = 0
    while stack and seen < _MAX_NAME_NODES:
        node = stack.pop()
        seen += 1
        flat = node.get("/Names")
        if flat is not None:
            for index in range(0, len(flat) - 1, 2):
                if str(flat[index]) == name:
                    value = flat[index + 1]
                    return value["/D"] if hasattr(value, "keys") else value
        stack.extend(kid.get_object() for kid in node.get("/Kids", ()))
    return None


def appearance_pdf(signer: str, office: str, day: dt.date) -> bytes:
    """The visible block as a one-page PDF the size of the seal box, typeset by WeasyPrint
    (which already sets the reports' Chinese faces; pyHanko's own text stamps cannot read the
    font collections Debian ships them in)."""
    import weasyprint  # type: ignore[import-untyped]

    size = f"{SEAL_SIZE_PT:.2f}pt"
    markup = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: {size} {size}; margin: 0; }}
html, body {{ margin: 0; }}
.seal {{ box-sizing: border-box; width: {size}; height: {size}; border: 1.5pt solid #b0261c;
  border-radius: 6pt; color: #b0261c; text-align: center; padding: 17pt 4pt 0; background: #fff;
  font-family: "宋体", "SimSun", "Noto Serif CJK SC", serif; font-size: 9pt; line-height: 1.4;
  overflow: hidden; }}
/* One face for the whole block: each face embedded costs 60-80 KB even for a dozen glyphs. */
.title {{ font-size: 12pt; letter-spacing: 3pt; margin: 0 0 5pt; }}
p {{ margin: 0 0 3pt; }}
</style></head><body><div class="seal">
<p class="title">电子签章</p>
<p>{html.escape(office)}</p>
<p>签署人:{html.escape(signer)}</p>
<p>{day.year}年{day.month}月{day.day}日</p>
</div></body></html>"""
    return bytes(weasyprint.HTML(string=markup).write_pdf())


def _imported_page(pdf: bytes) -> Any:
    """pyHanko content that draws page 1 of `pdf` (ImportedPdfPage reads a named file only)."""
    from pyhanko.pdf_utils.content import PdfContent
    from pyhanko.pdf_utils.layout import BoxConstraints
    from pyhanko.pdf_utils.reader import PdfFileReader

    class ImportedBytesPage(PdfContent):
        def render(self) -> bytes:
            writer = self._ensure_writer
            xobject = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(pdf)), page_ix=0)
            self.resources.xobject["/SealAppearance"] = xobject
            x1, y1, x2, y2 = xobject.get_object()["/BBox"]
            self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
            return b"/SealAppearance Do"

    return ImportedBytesPage()


@dataclass(frozen=True)
class PdfSigner:
    """Signs rendered PDFs with the office's certificate."""

    certificate: OfficeCertificate
    tsa_url: str | None = None

    def sign(self, pdf: bytes, *, reason: str, day: dt.date) -> bytes:
        """`pdf` with a PAdES signature appended (an incremental update: the rendered bytes
        are kept as they are, and covered)."""
        quiet_pyhanko_import()
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
        from pyhanko.sign import fields, signers
        from pyhanko.stamp import StaticStampStyle

        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        except Exception as exc:  # pyHanko's reader raises several kinds on a broken file
            raise SignError(f"生成的 PDF 无法读取,未能签名:{exc}", code="sign_pdf_unreadable") from None
        seal = seal_box(writer.prev)
        style = None
        if seal is not None:
            style = StaticStampStyle(
                background=_imported_page(appearance_pdf(self.certificate.signer_name, self.certificate.office, day)),
                background_opacity=1.0,
                border_width=0,
                background_layout=SimpleBoxLayoutRule(
                    x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID, margins=Margins()
                ),
            )
        spec = fields.SigFieldSpec(
            sig_field_name=FIELD_NAME,
            on_page=seal.page if seal else -1,
            box=tuple(round(v) for v in seal.box) if seal else None,  # type: ignore[arg-type]
        )
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            name=self.certificate.signer_name or None,
            location=self.certificate.office or None,
            reason=reason,
        )
        timestamper = None
        if self.tsa_url:
            from pyhanko.sign.timestamps import HTTPTimeStamper

            timestamper = HTTPTimeStamper(self.tsa_url, timeout=10)
        signer = signers.SimpleSigner(
            signing_cert=_asn1_certificate(self.certificate.certificate),
            signing_key=_asn1_key(self.certificate.key),
            cert_registry=_registry(self.certificate.chain),
        )
        pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper, stamp_style=style, new_field_spec=spec)
        try:
            out = pdf_signer.sign_pdf(writer)
        except OSError as exc:  # the timestamp server (aiohttp's errors are OSErrors)
            raise SignError(f"无法从时间戳服务器 {self.tsa_url} 取得时间戳:{exc}", code="sign_tsa_failed") from None
        return bytes(out.getvalue())


def _asn1_certificate(certificate: x509.Certificate) -> Any:
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


def _asn1_key(key: PrivateKeyTypes) -> Any:
    from asn1crypto import keys
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    return keys.PrivateKeyInfo.load(key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))


def _registry(chain: tuple[x509.Certificate, ...]) -> Any:
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    store = SimpleCertificateStore()  # type: ignore[no-untyped-call]
    store.register_multiple([_asn1_certificate(c) for c in chain])
    return store


def office_signer(config: SignConfig, *, now: dt.datetime) -> PdfSigner | None:
    """The signer the settings describe, checked now; None when no certificate is configured."""
    certificate = load_office_certificate(config, now=now)
    if certificate is None:
        return None
    return PdfSigner(certificate, check_tsa_url(config.tsa_url))

