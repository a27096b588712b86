"""The ledger's file handling and column widths, without a database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl import Workbook

from reports.ledger import display_width, save_atomically
from workflow.errors import InputError


def test_display_width_counts_chinese_and_full_width_characters_as_two() -> None:
    assert display_width("区法院") == 6
    assert display_width("S1") == 2
    assert display_width("嘉府发〔2023〕18号") == 2 * 6 + 6  # 〔〕 are wide too
    assert display_width("第一行\n较长的第二行") == 12  # the longest line decides
    assert display_width(None) == 0


def test_a_failed_save_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "台账.xlsx"
    out.write_bytes(b"old ledger")

    def broken_save(self: Workbook, target: Any) -> None:
        target.write(b"PK half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Workbook, "save", broken_save)
    with pytest.raises(InputError, match="无法写入 .*台账.xlsx:No space left on device"):
        save_atomically(Workbook(), out)
    assert [p.name for p in tmp_path.iterdir()] == ["台账.xlsx"]
    assert out.read_bytes() == b"old ledger"


def test_a_saved_workbook_replaces_the_target_and_is_readable(tmp_path: Path) -> None:
    out = tmp_path / "台账.xlsx"
    wb = Workbook()
    wb.active["A1"] = "工作台账"
    save_atomically(wb, out)
    assert openpyxl.load_workbook(out).active["A1"].value == "工作台账"
    assert [p.name for p in tmp_path.iterdir()] == ["台账.xlsx"]


def test_the_output_folder_must_exist_and_the_output_must_not_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="输出文件夹不存在:.*缺少"):
        save_atomically(Workbook(), tmp_path / "缺少" / "台账.xlsx")
    with pytest.raises(InputError, match="是一个文件夹"):
        save_atomically(Workbook(), tmp_path)
    assert list(tmp_path.iterdir()) == []
