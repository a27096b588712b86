"""reports.output: a report file is written whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reports.output import atomic_output, write_atomically
from workflow.errors import InputError


def test_a_written_file_replaces_the_old_one_readable_by_others(tmp_path: Path) -> None:
    out = tmp_path / "验收报告.pdf"
    out.write_bytes(b"old")
    write_atomically(out, b"%PDF new")
    assert out.read_bytes() == b"%PDF new"
    assert out.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["验收报告.pdf"]


def test_a_failure_inside_the_block_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "汇编.zip"
    out.write_bytes(b"old bundle")
    with pytest.raises(KeyboardInterrupt), atomic_output(out) as fh:
        fh.write(b"PK half")
        raise KeyboardInterrupt
    assert out.read_bytes() == b"old bundle"
    assert [p.name for p in tmp_path.iterdir()] == ["汇编.zip"]


def test_a_full_disk_is_a_chinese_error_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "报告.pdf"

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(InputError, match=r"无法写入 .*报告\.pdf:No space left on device"):
        write_atomically(out, b"%PDF")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["missing-folder", "a-folder"])
def test_an_impossible_output_fails_before_writing(tmp_path: Path, where: str) -> None:
    target = tmp_path / "没有的文件夹" / "x.pdf" if where == "missing-folder" else tmp_path
    with pytest.raises(InputError, match="输出文件夹不存在|是一个文件夹"):
        write_atomically(target, b"x")
    assert list(tmp_path.iterdir()) == []
