"""Signed reports through the CLI, on both backends: a certificate made for the test, the
acceptance report signed and registered, `report verify` on good, altered and strange files."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from tests.support.certs import PASSWORD, ThrowawayPki, make_pki
from workflow.models import IssuedReport

from .test_cli_errors import error_line, ok, run
from .test_cli_reports import plan_home  # noqa: F401  (a fixture)

OFFICE = "上海市嘉定区知识产权局"


@pytest.fixture(scope="module")
def pki() -> ThrowawayPki:
    return make_pki(office=OFFICE, signer="王主任")


@pytest.fixture
def signing(pki: ThrowawayPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ThrowawayPki:
    monkeypatch.setenv("ZONECHECK_SIGN_P12", str(pki.p12(tmp_path)))
    monkeypatch.setenv("ZONECHECK_SIGN_P12_PASSWORD", PASSWORD)
    monkeypatch.setenv("ZONECHECK_SIGN_TRUST", str(pki.trust_pem(tmp_path)))
    return pki


def register() -> list[str]:
    """The sha256 of every issued report, from the database itself."""
    engine = create_engine(os.environ["ZONECHECK_DB"])
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(IssuedReport.sha256).order_by(IssuedReport.id)))
    finally:
        engine.dispose()


def last_page_text(pdf: Path) -> str:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:"))
    out = subprocess.run(
        ["pdftotext", "-raw", "-f", pages, "-l", pages, str(pdf), "-"], check=True, capture_output=True, text=True
    )
    return "".join(out.stdout.split())


def test_a_signed_acceptance_report_verifies_and_is_traced_to_its_issue(
    plan_home: Path, signing: ThrowawayPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    out = tmp_path / "验收报告.pdf"
    issued = ok("--as", "王主任", "report", "acceptance", "plan", "-o", str(out))
    assert f"已签名:{OFFICE}(王主任)" in issued.stdout
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert register() == [digest]  # the register keeps the signed file's sha256
    assert f"sha256 {digest}" in issued.stdout
    last = last_page_text(out)
    assert "电子签章" in last and OFFICE in last and "签署人:王主任" in last
    assert "(盖章)" not in last  # the signature block takes the seal's place

    checked = ok("report", "verify", str(out))
    text = checked.stdout
    assert "签名 1:有效" in text and f"单位 {OFFICE}" in text and "名称 王主任" in text
    assert "颁发者:" in text and "证书有效期:" in text and "签署时间:" in text
    assert "登记簿:验收报告" in text and "方案:plan" in text
    assert "签发:王主任(默认辖区领导小组办公室)" in text
    assert text.rstrip().endswith("结论:有效,登记一致")

    # An update appended after signing: the signature no longer covers the file.
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(out.read_bytes()))
    writer.root[NameObject("/Lang")] = TextStringObject("en")
    writer.update_root()
    altered = tmp_path / "改过的.pdf"
    with altered.open("wb") as fh:
        writer.write(fh)
    result = run("report", "verify", str(altered))
    assert result.exit_code == 1, result.output
    assert "签名 1:已被修改" in result.stdout and "结论:已被修改,登记簿中没有此文件" in result.stdout

    # Another office's trust list: the same file is not trusted there.
    monkeypatch.setenv("ZONECHECK_SIGN_TRUST", str(make_pki().trust_pem(tmp_path, "other-ca.pem")))
    result = run("report", "verify", str(out))
    assert result.exit_code == 1 and "结论:证书不受信任,登记一致" in result.stdout


def test_an_unsigned_registered_report_is_unsigned_but_registered(plan_home: Path, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "自查报告.pdf"
    ok("report", "selfcheck", "plan", "-o", str(out))
    result = run("report", "verify", str(out))
    assert result.exit_code == 1, result.output  # exit 0 only when signed, valid and registered
    assert "签名:无(未签名)" in result.stdout and "结论:未签名,登记一致" in result.stdout
    assert "签发:系统管理员(未指定操作人)" in result.stdout
    # Another zone's office is answered as if the file had never been issued.
    ok("zone", "add", "别区")
    ok("user", "add", "李四", "--zone", "别区", "--role", "admin")
    result = run("--as", "李四", "report", "verify", str(out))
    assert result.exit_code == 1 and "结论:未签名,登记簿中没有此文件" in result.stdout
    assert "plan" not in result.stdout.split("登记簿:")[1]


def _bad(kind: str, pki: ThrowawayPki, folder: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    """Environment and the words its error must hold, for each broken certificate."""
    path = pki.p12(folder)
    env = {"ZONECHECK_SIGN_P12": str(path), "ZONECHECK_SIGN_P12_PASSWORD": PASSWORD}
    if kind == "corrupted":
        path.write_bytes(path.read_bytes()[:200])
        return env, (str(path), "不是有效的 PKCS#12")
    if kind == "wrong password":
        return env | {"ZONECHECK_SIGN_P12_PASSWORD": "不对"}, (str(path), "密码错误")
    if kind == "expired":
        now = dt.datetime.now(dt.UTC)
        old = make_pki(not_before=now - dt.timedelta(days=400), not_after=now - dt.timedelta(days=2))
        return env | {"ZONECHECK_SIGN_P12": str(old.p12(folder, "old.p12"))}, ("已于", "过期")
    if kind == "no private key":
        return env | {"ZONECHECK_SIGN_P12": str(pki.p12(folder, "cert-only.p12", with_key=False))}, ("没有私钥",)
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["corrupted", "wrong password", "expired", "no private key"])
def test_a_bad_certificate_writes_and_records_nothing(
    plan_home: Path, pki: ThrowawayPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str  # noqa: F811
) -> None:
    env, words = _bad(kind, pki, tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "验收报告.pdf"
    error_line(run("--as", "王主任", "report", "acceptance", "plan", "-o", str(out)), *words, code=2)
    assert not out.exists() and not list(tmp_path.glob(".*.part"))
    assert register() == []


def test_a_random_file_named_pdf_is_refused(plan_home: Path, tmp_path: Path) -> None:  # noqa: F811
    fake = tmp_path / "验收报告.pdf"
    fake.write_bytes(os.urandom(4096))
    error_line(run("report", "verify", str(fake)), str(fake), "不是 PDF 文件", code=2)
    error_line(run("report", "verify", str(tmp_path / "没有.pdf")), "找不到文件", code=2)


def test_notices_carry_the_block_once_above_the_last_closing(
    plan_home: Path, signing: ThrowawayPki, tmp_path: Path  # noqa: F811
) -> None:
    out = tmp_path / "督办通知.pdf"
    ok("report", "reminders", "plan", "--today", "2026-02-01", "-o", str(out))
    whole = subprocess.run(["pdftotext", "-raw", str(out), "-"], check=True, capture_output=True, text=True).stdout
    assert "".join(whole.split()).count("电子签章") == 1  # one signature for the file
    assert "电子签章" in last_page_text(out)  # on the last notice's closing
    assert ok("report", "verify", str(out)).stdout.rstrip().endswith("结论:有效,登记一致")
