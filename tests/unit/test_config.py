"""Settings from the environment: every numeric setting is a finite number in its range, or a
Chinese error naming the variable and that range (never OverflowError, nan or a negative)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow.config import MIB, Settings
from workflow.errors import InputError


def settings_with(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"ZONECHECK_HOME": str(tmp_path), **env})


def test_the_upload_limit_defaults_to_200_mb(tmp_path: Path) -> None:
    assert settings_with(tmp_path).max_upload_bytes == 200 * MIB


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", MIB), ("1.5", 3 * MIB // 2), (" 300 ", 300 * MIB), ("4096", 4096 * MIB), ("1e3", 1000 * MIB)],
)
def test_an_upload_limit_in_range_is_read_exactly(tmp_path: Path, text: str, expected: int) -> None:
    assert settings_with(tmp_path, ZONECHECK_MAX_UPLOAD_MB=text).max_upload_bytes == expected


@pytest.mark.parametrize(
    "text",
    ["1e999", "1e999999999", "nan", "NaN", "inf", "-inf", "Infinity", "-5", "0", "0.001", "4097",
     "abc", "0x10", "1" * 5000, "200MB"],
)  # fmt: skip
def test_an_upload_limit_out_of_range_names_the_variable_and_its_range(tmp_path: Path, text: str) -> None:
    with pytest.raises(InputError) as refused:
        settings_with(tmp_path, ZONECHECK_MAX_UPLOAD_MB=text)
    message = str(refused.value)
    assert message.startswith("环境变量 ZONECHECK_MAX_UPLOAD_MB 应为 0.01 到 4096 之间的数(MB)")
    assert len(message) < 150, "a long value is shortened in the message"
    assert text[:20] in message


def test_an_empty_setting_means_the_default(tmp_path: Path) -> None:
    assert settings_with(tmp_path, ZONECHECK_MAX_UPLOAD_MB="  ").max_upload_bytes == 200 * MIB

