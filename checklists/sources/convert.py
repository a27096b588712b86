"""Word 97 (.doc), WPS and OFD files, converted to .docx by LibreOffice when it is installed.

`soffice --headless --convert-to docx` runs in a throwaway folder with its own profile (two
imports at once must not share one), bounded in time; without LibreOffice the file is
refused with a message naming it and saying how to save it as .docx.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from checklists.sources.errors import UnreadableFile

__all__ = ["CONVERT_SECONDS", "soffice", "to_docx"]

CONVERT_SECONDS = 60


def soffice() -> str | None:
    """The LibreOffice program, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(data: bytes, name: str, label: str) -> bytes:
    """The file's content as .docx bytes, or UnreadableFile saying how to convert it by hand."""
    program = soffice()
    how = "请用 WPS 或 Word 打开后“另存为” Word 文档(.docx)再导入"
    if program is None:
        raise UnreadableFile(f"{name}:是{label}文件,本机未安装 LibreOffice,无法转换;{how}")
    with tempfile.TemporaryDirectory(prefix="zonecheck-convert-") as folder:
        work = Path(folder)
        source = work / "in" / f"plan{_suffix(label)}"
        source.parent.mkdir()
        source.write_bytes(data)
        try:
            subprocess.run(
                [program, f"-env:UserInstallation=file://{work / 'profile'}", "--headless",
                 "--convert-to", "docx", "--outdir", str(work / "out"), str(source)],
                check=False, capture_output=True, timeout=CONVERT_SECONDS, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise UnreadableFile(f"{name}:转换{label}文件超时({CONVERT_SECONDS} 秒);{how}") from None
        result = work / "out" / "plan.docx"
        if not result.is_file():
            raise UnreadableFile(f"{name}:LibreOffice 无法转换这个{label}文件;{how}")
        return result.read_bytes()


def _suffix(label: str) -> str:
    for word, suffix in (("OFD", ".ofd"), ("WPS", ".wps")):
        if word in label:
            return suffix
    return ".doc"
