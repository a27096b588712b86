"""Word 97 (.doc) and WPS 文字 (.wps) files, converted to .docx by LibreOffice when installed.

`soffice --headless --convert-to docx` runs once per file, in the importing request only,
so nothing is shared between two imports (no server, no lock, no queue) and a slow
conversion delays only the import that asked for it. Each run is bounded:

* its own throwaway folder and LibreOffice profile (two imports at once must not share one,
  or the second would be handed to the first one's process), deleted afterwards;
* macros disabled and linked content from outside the document blocked in that profile, and
  no network at all where the kernel lets an unprivileged process drop it (`unshare --net`);
* at most `CONVERT_SECONDS` of wall time (the whole process group is killed past it) and at
  most `MAX_CONVERTED_BYTES` for any file it writes (`prlimit --fsize`; the result is also
  checked before it is read).

Without LibreOffice the file is refused with a message naming it and saying how to save it
as .docx. OFD is not converted: LibreOffice has no OFD import (reading.py refuses it).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from checklists.sources.errors import UnreadableFile
from checklists.sources.limits import MAX_FILE_BYTES, megabytes

__all__ = ["CONVERT_SECONDS", "MAX_CONVERTED_BYTES", "soffice", "to_docx"]

# LibreOffice starts in 3-6 s on two busy cores and converts a plan in well under a second
# more; a minute is ten times that, and a file that needs longer is not a plan.
CONVERT_SECONDS = 60
# A .docx holds the .doc's pictures recompressed: twice the input bound is room enough.
MAX_CONVERTED_BYTES = 2 * MAX_FILE_BYTES

_HOW = "请用 WPS 或 Word 打开后“另存为” Word 文档(.docx)再导入"

# The profile's settings, written before LibreOffice first starts with it: no macro runs
# (security level 3, "very high": only from trusted locations, and none is configured; and
# execution off altogether), and no picture or link is fetched for a document from outside.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">\
<prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    """The LibreOffice program, if installed (looked up in PATH at each call)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(data: bytes, name: str, label: str) -> bytes:
    """The file's content as .docx bytes, or UnreadableFile saying how to convert it by hand."""
    program = soffice()
    if program is None:
        raise UnreadableFile(f"{name}:是{label}文件,本机未安装 LibreOffice,无法转换;{_HOW}")
    with tempfile.TemporaryDirectory(prefix="zonecheck-convert-") as folder:
        work = Path(folder)
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS, encoding="utf-8")
        (work / "tmp").mkdir()
        source = work / "in" / f"plan{'.wps' if 'WPS' in label else '.doc'}"
        source.parent.mkdir()
        source.write_bytes(data)
        command = [
            *_sandbox(), *_size_limit(),
            program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
            "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(work / "out"), str(source),
        ]  # fmt: skip
        # HOME and TMPDIR inside the folder: nothing of the run is left anywhere else.
        env = {**os.environ, "HOME": str(work), "TMPDIR": str(work / "tmp")}
        if not _run(command, env):
            raise UnreadableFile(f"{name}:转换{label}文件超时(超过 {CONVERT_SECONDS} 秒);{_HOW}")
        result = work / "out" / "plan.docx"
        if not result.is_file():
            raise UnreadableFile(f"{name}:LibreOffice 无法转换这个{label}文件(文件可能已损坏或加密);{_HOW}")
        if result.stat().st_size > MAX_CONVERTED_BYTES:
            raise UnreadableFile(
                f"{name}:转换后的文档超过 {megabytes(MAX_CONVERTED_BYTES)} 的上限;{_HOW}"
            )
        return result.read_bytes()


def _run(command: list[str], env: dict[str, str]) -> bool:
    """Run the conversion; False when it ran out of time (its whole process group killed:
    soffice is a launcher whose office process would otherwise outlive it)."""
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=env, start_new_session=True,
    )  # fmt: skip
    try:
        process.wait(timeout=CONVERT_SECONDS)
    except subprocess.TimeoutExpired:
        return False
    finally:
        # Also after a normal exit: a helper process left behind must not outlive the import.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return True


@functools.cache
def _size_limit() -> tuple[str, ...]:
    """`prlimit --fsize` (util-linux, on every Debian): no file LibreOffice writes may grow past
    the bound, so a hostile file cannot fill the disk before the timeout."""
    program = shutil.which("prlimit")
    return (program, f"--fsize={MAX_CONVERTED_BYTES}", "--") if program else ()


@functools.cache
def _sandbox() -> tuple[str, ...]:
    """`unshare --net` (in a user namespace) where this kernel allows it, else nothing: the
    profile's settings still keep a document from fetching anything."""
    program = shutil.which("unshare")
    if program is None:
        return ()
    sandbox = (program, "--net", "--map-root-user")
    try:
        probe = subprocess.run([*sandbox, "true"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return sandbox if probe.returncode == 0 else ()
