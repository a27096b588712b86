"""Writing a report file whole or not at all (PDF, HTML, XLSX, ZIP alike)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from workflow.errors import InputError


def check_output(path: Path) -> None:
    """Fail before any work when the output cannot be written there."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"输出文件夹不存在:{folder};请先创建该文件夹或换一个路径")
    if path.is_dir():
        raise InputError(f"输出路径 {path} 是一个文件夹,请写出文件名")


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A temp file in the target's folder, fsynced and renamed over the target once the block
    is done; removed on any failure (KeyboardInterrupt included), the old target left as it was.

    Errors of the block pass through as they are (a caller knows whether its OSError was a
    write or a read); failing to create, flush or rename the file is an InputError naming it.
    """
    check_output(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise write_failed(path, exc) from None
    temp = Path(name)
    try:
        with os.fdopen(fd, "w+b") as fh:
            yield fh
            try:
                fh.flush()
                os.fsync(fh.fileno())
            except OSError as exc:
                raise write_failed(path, exc) from None
        try:
            # mkstemp's 0600 would make the file unreadable to the colleagues it is for.
            os.chmod(temp, 0o644)
            os.replace(temp, path)
        except OSError as exc:
            raise write_failed(path, exc) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(folder)


def write_failed(path: Path, exc: OSError) -> InputError:
    return InputError(f"无法写入 {path}:{exc.strerror or exc}")


def write_atomically(path: Path, data: bytes) -> None:
    with atomic_output(path) as out:
        try:
            out.write(data)
        except OSError as exc:
            raise write_failed(path, exc) from None


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every file system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
