"""Names inside the evidence bundle: safe to unzip anywhere, Chinese kept, never two the same."""

from __future__ import annotations

import pytest

from reports.bundle.layout import MAX_COMPONENT_BYTES, Names, safe_component


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(一)注重统筹协调,完善知识产权保护体系", "(一)注重统筹协调,完善知识产权保护体系"),
        ("a/b\\c", "a_b_c"),
        ("..", "_"),
        ("../../etc", "_.._etc"),
        (".hidden", "hidden"),
        ("  台账\t2024\n年 ", "台账 2024 年"),
        ("通报\u202etxt.pdf", "通报txt.pdf"),  # a right-to-left override could disguise the type
        ("问:何时? <完成>", "问_何时_ _完成_"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("结尾的点...", "结尾的点"),
        ("", "_"),
    ],
)
def test_a_component_is_safe_on_every_file_system_and_keeps_chinese(raw: str, expected: str) -> None:
    assert safe_component(raw) == expected


def test_a_long_title_is_cut_visibly_and_within_the_byte_limit() -> None:
    title = "认真贯彻落实《上海市知识产权强市建设纲要(2021—2035年)》" * 10
    short = safe_component(title, max_chars=40)
    assert len(short) == 40 and short.endswith("…")
    long = safe_component(title, max_chars=1000)
    assert len(long.encode("utf-8")) <= MAX_COMPONENT_BYTES and long.endswith("…")


def test_the_same_name_twice_in_a_folder_is_numbered_and_the_first_keeps_its_name() -> None:
    names = Names()
    assert names.file("plan/m/清单项 1", "通报.pdf") == "plan/m/清单项 1/通报.pdf"
    assert names.file("plan/m/清单项 1", "通报.pdf") == "plan/m/清单项 1/通报 (2).pdf"
    assert names.file("plan/m/清单项 1", "通报.pdf") == "plan/m/清单项 1/通报 (3).pdf"
    # Another folder has its own names.
    assert names.file("plan/m/清单项 2", "通报.pdf") == "plan/m/清单项 2/通报.pdf"


def test_names_differing_only_in_case_or_unicode_form_count_as_the_same() -> None:
    names = Names()
    assert names.file("f", "Report.PDF") == "f/Report.PDF"
    assert names.file("f", "report.pdf") == "f/report (2).pdf"
    assert names.file("f", "Cafe\u0301.pdf") == "f/Cafe\u0301.pdf"
    assert names.file("f", "Caf\u00e9.pdf") == "f/Caf\u00e9 (2).pdf"


def test_a_numbered_name_that_was_already_taken_moves_on_to_the_next_number() -> None:
    names = Names()
    names.file("f", "通报 (2).pdf")
    names.file("f", "通报.pdf")
    assert names.file("f", "通报.pdf") == "f/通报 (3).pdf"


def test_a_numbered_long_name_stays_within_the_byte_limit_and_keeps_its_extension() -> None:
    names = Names()
    long = "长" * 83 + ".pdf"  # 253 bytes
    assert len(long.encode("utf-8")) <= MAX_COMPONENT_BYTES
    names.file("f", long)
    second = names.file("f", long).rsplit("/", 1)[1]
    assert second.endswith(" (2).pdf")
    assert len(second.encode("utf-8")) <= MAX_COMPONENT_BYTES


def test_a_file_never_takes_the_name_of_a_folder_and_a_folder_is_reused() -> None:
    names = Names()
    assert names.folder("item", "已替换") == "item/已替换"
    assert names.folder("item", "已替换") == "item/已替换"
    assert names.file("item", "已替换") == "item/已替换 (2)"
