"""Refusals carry a code and parameters; only the CLI names its options and commands.

The services and the domain word an error for any front end; the CLI's table (cli/hints.py)
adds what to type next. A page or an API answer never tells anybody to use `--statement`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from workflow.cli.hints import HINTS, REASON_HINTS, cli_message
from workflow.domain.lifecycle import Request, fire
from workflow.domain.states import Action, MeasureState
from workflow.errors import Hidden, InputError, NotFound, Refused

ROOT = Path(__file__).resolve().parents[2]
# Where messages are worded for every front end.
SHARED = [*sorted((ROOT / "workflow" / "services").glob("*.py")), *sorted((ROOT / "workflow" / "domain").glob("*.py"))]
CLI_WORDS = ("zonecheck ", "--", "请用")


def _messages(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module but its docstrings, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.parametrize("path", SHARED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_service_or_domain_message_names_a_cli_option_or_command(path: Path) -> None:
    found = [(line, text) for line, text in _messages(path) if any(w in text for w in CLI_WORDS)]
    assert found == []


def test_the_cli_appends_its_hint_per_code_with_the_errors_params() -> None:
    started = Refused("措施 003_ae65/5尚未启动", code="not_started", params={"measure": "003_ae65/5"})
    assert cli_message(started) == "措施 003_ae65/5尚未启动,请先运行 zonecheck start 003_ae65/5"
    nobody = InputError("未指定操作人", code="no_actor")
    assert cli_message(nobody) == "未指定操作人:请用 --as 姓名 指定操作人(或设置环境变量 ZONECHECK_USER)"
    plain = Refused("该措施已验收,不能变更佐证材料", code="accepted")
    assert cli_message(plain) == str(plain)  # no hint for it: the message alone


def test_another_zones_object_gets_the_hint_of_a_missing_one() -> None:
    missing = NotFound("找不到方案“000_5390”", code="plan_missing", params={"plan": "000_5390"})
    hidden = Hidden.like(missing, "审核人甲(领导小组办公室审核人)不属于方案 000_5390 所在辖区……")
    assert cli_message(hidden) == cli_message(missing) == "找不到方案“000_5390”;可用 zonecheck plans 查看已导入的方案"
    assert hidden.reason not in cli_message(hidden)


def test_a_guard_refusal_gets_the_hint_of_each_reason_once() -> None:
    request = Request(measure_label="措施 X/1", statement=" ", missing_years=[2024], unmapped_groups=["各成员单位"])
    with pytest.raises(Refused) as caught:
        fire(_Measure(MeasureState.IN_PROGRESS), Action.SUBMIT_SELF_CHECK, request)
    assert cli_message(caught.value) == (
        "措施 X/1不能提交自查:缺少自查情况说明;“各成员单位”尚未指定成员单位;"
        "每年须有当年的佐证材料,缺少 2024年度 的材料"
        "(请用 --statement 填写自查情况说明;请办公室运行 zonecheck unit group;请用 --date 注明成文日期)"
    )


def test_a_unit_outside_a_partly_mapped_measure_is_pointed_at_the_mapping() -> None:
    outside = Refused("……不是措施 003/4的责任单位,不能办理该措施(如本单位属于其中:“其他成员单位”尚未指定成员单位)",
                      code="not_responsible", params={"groups": ["其他成员单位"]})
    assert cli_message(outside).endswith(";请办公室先运行 zonecheck unit group")
    assert cli_message(Refused("……", code="not_responsible", params={"groups": []})) == "……"


def test_every_hint_is_about_the_command_line() -> None:
    for code, hint in [*HINTS.items(), *REASON_HINTS.items()]:
        text = hint({"groups": ["群体"]}) if callable(hint) else hint
        assert any(w in text for w in ("zonecheck ", "--")), code


class _Measure:
    def __init__(self, state: MeasureState) -> None:
        self.state = state


@pytest.mark.parametrize(
    ("code", "params", "hint"),
    [
        ("expert_conflict", {"plan": "003", "unit": "区市场监管局"}, "zonecheck expert list 003"),
        ("not_expert_account", {"name": "张三"}, "zonecheck user add 张三 --role expert --org"),
        ("leader_taken", {"plan": "003"}, "zonecheck expert list 003"),
        ("no_panel", {"plan": "003"}, "zonecheck expert assign 003 专家姓名 --leader"),
        ("round_open", {"plan": "003"}, "zonecheck score finalise 003"),
        ("round_closed", {"plan": "003"}, "zonecheck score round 003 --open"),
        ("panel_incomplete", {"plan": "003"}, "zonecheck index show 003"),
        ("panel_opinion_missing", {"plan": "003"}, "zonecheck opinion write 003 --panel"),
        ("expert_with_unit", {}, "--org"),
    ],
)
def test_the_expert_panels_refusals_say_what_to_type_next(code: str, params: dict[str, str], hint: str) -> None:
    assert hint in cli_message(Refused("……", code=code, params=params))
