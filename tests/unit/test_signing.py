"""Signing issued PDFs and checking them: certificates made here with `cryptography`, PDFs
typeset by WeasyPrint, signatures made and judged by pyHanko (no database)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import weasyprint  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization

from reports import verify
from reports.signing import SEAL_SIZE_PT, SignError, office_signer, seal_box
from tests.support.certs import PASSWORD, ThrowawayPki, make_pki
from workflow.config import SIGN_P12_MAX_BYTES, SignConfig
from workflow.errors import InputError

NOW = dt.datetime.now(dt.UTC)
DAY = dt.date(2026, 12, 7)

SEALED_HTML = """<html><body><p>第一页</p><p style="page-break-before: always">审核意见</p>
<div style="text-align: right"><span id="seal" style="display: inline-block; width: 42mm; height: 42mm"></span>
<br>某区知识产权局</div></body></html>"""


@pytest.fixture(scope="module")
def pki() -> ThrowawayPki:
    return make_pki()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("certs")


@pytest.fixture(scope="module")
def config(pki: ThrowawayPki, folder: Path) -> SignConfig:
    return SignConfig(p12=pki.p12(folder), password=PASSWORD, trust=pki.trust_pem(folder))


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return bytes(weasyprint.HTML(string=SEALED_HTML).write_pdf())


@pytest.fixture(scope="module")
def signed(config: SignConfig, unsigned: bytes) -> bytes:
    signer = office_signer(config, now=NOW)
    assert signer is not None
    return signer.sign(unsigned, reason="签发验收报告", day=DAY)


def _error(config: SignConfig, *words: str, code: str) -> None:
    with pytest.raises(SignError) as caught:
        office_signer(config, now=NOW)
    assert caught.value.code == code
    for word in words:
        assert word in str(caught.value), str(caught.value)


def test_no_certificate_configured_means_no_signing() -> None:
    assert office_signer(SignConfig(), now=NOW) is None


def test_the_signer_is_the_office_named_on_the_certificate(config: SignConfig) -> None:
    signer = office_signer(config, now=NOW)
    assert signer is not None
    assert signer.certificate.office == "上海市嘉定区知识产权局"
    assert signer.certificate.signer_name == "王主任"


def test_a_password_file_gives_its_first_line(pki: ThrowawayPki, tmp_path: Path) -> None:
    secret = tmp_path / "p12.pw"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    assert office_signer(SignConfig(p12=pki.p12(tmp_path), password_file=secret), now=NOW) is not None


def test_a_corrupted_p12_is_named_as_such(pki: ThrowawayPki, tmp_path: Path) -> None:
    path = pki.p12(tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _error(SignConfig(p12=path, password=PASSWORD), str(path), "PKCS#12", "损坏", code="sign_p12_corrupt")
    path.write_bytes(b"not a certificate at all")
    _error(SignConfig(p12=path, password=PASSWORD), "PKCS#12", code="sign_p12_corrupt")


def test_a_wrong_or_missing_password_is_named(pki: ThrowawayPki, tmp_path: Path) -> None:
    path = pki.p12(tmp_path)
    _error(SignConfig(p12=path, password="错的密码"), str(path), "密码错误", code="sign_password_wrong")
    _error(SignConfig(p12=path), "密码错误", code="sign_password_wrong")


def test_both_password_settings_at_once_are_refused(pki: ThrowawayPki, tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD, encoding="utf-8")
    config = SignConfig(p12=pki.p12(tmp_path), password=PASSWORD, password_file=secret)
    _error(config, "ZONECHECK_SIGN_P12_PASSWORD_FILE", code="sign_password_twice")


def test_an_expired_certificate_is_refused_with_its_date(tmp_path: Path) -> None:
    old = make_pki(not_before=NOW - dt.timedelta(days=400), not_after=NOW - dt.timedelta(days=35))
    config = SignConfig(p12=old.p12(tmp_path), password=PASSWORD)
    expiry = old.office.not_valid_after_utc.strftime("%Y-%m-%d")
    _error(config, "已于", expiry, "过期", code="sign_expired")


def test_a_certificate_not_yet_valid_is_refused(tmp_path: Path) -> None:
    later = make_pki(not_before=NOW + dt.timedelta(days=3))
    _error(SignConfig(p12=later.p12(tmp_path), password=PASSWORD), "尚未生效", code="sign_not_yet_valid")


def test_a_certificate_without_its_private_key_cannot_sign(pki: ThrowawayPki, tmp_path: Path) -> None:
    path = pki.p12(tmp_path, with_key=False)
    _error(SignConfig(p12=path, password=PASSWORD), str(path), "没有私钥", code="sign_no_key")


def test_missing_and_oversized_certificate_files_are_named(tmp_path: Path) -> None:
    missing = tmp_path / "none.p12"
    _error(SignConfig(p12=missing), str(missing), "ZONECHECK_SIGN_P12", code="sign_file_missing")
    huge = tmp_path / "huge.p12"
    huge.write_bytes(b"\0" * (SIGN_P12_MAX_BYTES + 1))
    _error(SignConfig(p12=huge), "超过上限", code="sign_file_too_large")


def test_a_timestamp_server_must_be_an_http_url(pki: ThrowawayPki, tmp_path: Path) -> None:
    config = SignConfig(p12=pki.p12(tmp_path), password=PASSWORD, tsa_url="ftp://tsa.local")
    _error(config, "ZONECHECK_SIGN_TSA", code="sign_tsa_url")


def _pdf_reader(data: bytes):  # type: ignore[no-untyped-def]
    from pyhanko.pdf_utils.reader import PdfFileReader

    return PdfFileReader(io.BytesIO(data), strict=False)


def test_the_visible_block_fills_the_seal_box_on_its_page(unsigned: bytes, signed: bytes) -> None:
    box = seal_box(_pdf_reader(unsigned))
    assert box is not None and box.page == 1
    x1, y1, x2, y2 = box.box
    assert x2 - x1 == pytest.approx(SEAL_SIZE_PT) and y2 - y1 == pytest.approx(SEAL_SIZE_PT)
    reader = _pdf_reader(signed)
    page = reader.root["/Pages"]["/Kids"][1]
    [widget] = [a.get_object() for a in page["/Annots"] if a.get_object().get("/FT") == "/Sig"]
    rect = [float(v) for v in widget["/Rect"]]
    assert rect == pytest.approx([round(v) for v in box.box], abs=0.01)
    assert "/AP" in widget  # an appearance is drawn there


def test_a_signed_file_is_valid_and_keeps_the_rendered_bytes(config: SignConfig, unsigned: bytes, signed: bytes) -> None:
    assert signed.startswith(unsigned)  # an incremental update: the rendering is untouched
    checked = verify.check_pdf(signed, verify.load_trust(config))
    assert checked.verdict == verify.VALID
    [sig] = checked.signatures
    assert "上海市嘉定区知识产权局" in sig.subject and "王主任" in sig.subject
    assert sig.intact and sig.trusted and sig.whole_file and not sig.timestamped


def test_without_the_seal_mark_the_signature_is_invisible(config: SignConfig) -> None:
    plain = bytes(weasyprint.HTML(string="<p>没有盖章位置的通知</p>").write_pdf())
    signer = office_signer(config, now=NOW)
    assert signer is not None
    signed = signer.sign(plain, reason="签发", day=DAY)
    page = _pdf_reader(signed).root["/Pages"]["/Kids"][0]
    [widget] = [a.get_object() for a in page["/Annots"]]
    assert [float(v) for v in widget["/Rect"]] == [0, 0, 0, 0]
    assert verify.check_pdf(signed, verify.load_trust(config)).verdict == verify.VALID


def test_another_ca_or_no_trust_at_all_is_untrusted(signed: bytes, tmp_path: Path) -> None:
    stranger = make_pki().trust_pem(tmp_path)
    assert verify.check_pdf(signed, verify.load_trust(SignConfig(trust=stranger))).verdict == verify.UNTRUSTED
    assert verify.check_pdf(signed, []).verdict == verify.UNTRUSTED


def test_a_self_signed_office_certificate_trusted_explicitly_is_valid(signed: bytes, pki: ThrowawayPki, tmp_path: Path) -> None:
    # Trusting the office's own certificate (no CA): what an office with a self-made one does.
    own = tmp_path / "office.pem"
    own.write_bytes(pki.office.public_bytes(serialization.Encoding.PEM))
    assert verify.check_pdf(signed, verify.load_trust(SignConfig(trust=own))).verdict == verify.VALID


def test_an_update_appended_after_signing_is_a_modification(config: SignConfig, signed: bytes) -> None:
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root[NameObject("/Lang")] = TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    checked = verify.check_pdf(out.getvalue(), verify.load_trust(config))
    assert checked.verdict == verify.MODIFIED
    assert not checked.signatures[0].whole_file


def test_a_flipped_byte_is_a_modification(config: SignConfig, unsigned: bytes, signed: bytes) -> None:
    # A byte inside a content stream of the rendered (signed) part.
    start = signed.index(b"stream\n", len(unsigned) // 3) + 40
    assert start < len(unsigned)
    tampered = bytearray(signed)
    tampered[start] ^= 0x01
    checked = verify.check_pdf(bytes(tampered), verify.load_trust(config))
    assert checked.verdict == verify.MODIFIED
    assert not checked.signatures[0].intact


def test_an_unsigned_pdf_says_so(unsigned: bytes) -> None:
    checked = verify.check_pdf(unsigned, [])
    assert checked.verdict == verify.UNSIGNED and checked.signatures == ()


def test_a_random_file_named_pdf_is_refused_by_name(tmp_path: Path) -> None:
    fake = tmp_path / "报告.pdf"
    fake.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(InputError, match="不是 PDF 文件") as caught:
        verify.read_pdf(fake)
    assert str(fake) in str(caught.value)
    broken = tmp_path / "截断.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    with pytest.raises(InputError, match="不是完整的 PDF"):
        verify.check_pdf(verify.read_pdf(broken), [], name=str(broken))


def test_a_trust_file_that_holds_no_certificate_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", encoding="utf-8")
    with pytest.raises(InputError, match="ZONECHECK_SIGN_TRUST") as caught:
        verify.load_trust(SignConfig(trust=bad))
    assert str(bad) in str(caught.value)


def test_with_a_local_timestamp_server_the_signature_is_timestamped(
    pki: ThrowawayPki, folder: Path, unsigned: bytes
) -> None:
    from tests.support.tsa import timestamp_server

    with timestamp_server(pki) as url:
        config = SignConfig(p12=pki.p12(folder, "tsa.p12"), password=PASSWORD, trust=pki.trust_pem(folder), tsa_url=url)
        signer = office_signer(config, now=NOW)
        assert signer is not None
        signed = signer.sign(unsigned, reason="签发", day=DAY)
    checked = verify.check_pdf(signed, verify.load_trust(config))
    [sig] = checked.signatures
    assert checked.verdict == verify.VALID and sig.timestamped
    assert sig.signed_at is not None and abs(sig.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_an_unreachable_timestamp_server_is_named_and_nothing_is_signed(
    pki: ThrowawayPki, folder: Path, unsigned: bytes
) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    config = SignConfig(p12=pki.p12(folder, "tsa2.p12"), password=PASSWORD, tsa_url=url)
    signer = office_signer(config, now=NOW)
    assert signer is not None
    with pytest.raises(SignError, match="无法从时间戳服务器") as caught:
        signer.sign(unsigned, reason="签发", day=DAY)
    assert url in str(caught.value)
