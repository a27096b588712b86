"""What to type next: the CLI's own hint for each error code the services raise.

The services word an error for any front end ("措施 003/5尚未启动") and give it a code and
parameters; only here do options and commands get named ("请先运行 zonecheck start 003/5").
The pages and the API phrase their own (or no) hints from the same codes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workflow.errors import ZonecheckError

GROUP_MAPPING = "请办公室先运行 zonecheck unit group"


def _groups(sep: str) -> Callable[[Mapping[str, Any]], str]:
    """A unit outside a measure whose group is not mapped yet may be one of its members."""
    return lambda params: f"{sep}{GROUP_MAPPING}" if params.get("groups") else ""


# Appended to the message, punctuation included; `{name}` is filled from the error's params.
HINTS: dict[str, str | Callable[[Mapping[str, Any]], str]] = {
    "bad_rule": ";可用 zonecheck escalation show 查看可设置的键与当前值",
    "no_actor": ":请用 --as 姓名 指定操作人(或设置环境变量 ZONECHECK_USER)",
    "person_missing": ";可用 zonecheck user list 查看,zonecheck user add 添加",
    "plan_missing": ";可用 zonecheck plans 查看已导入的方案",
    "plan_ambiguous": ";可用 zonecheck plans 查看",
    "measure_missing": ";可用 zonecheck measures {plan} 查看",
    "unit_ambiguous": ",请以该辖区人员身份(--as)操作",
    "unit_missing": "(可用 zonecheck unit list 查看,zonecheck unit add 添加)",
    "not_started": ",请先运行 zonecheck start {measure}",
    "no_item": ";可用 zonecheck measure {measure} 查看清单",
    "no_evidence": "(文件列在命令之后,链接用 --link,说明用 --note)",
    "evidence_missing": ";可用 zonecheck evidence list 查看",
    "evidence_locked": "(zonecheck evidence replace {evidence})",
    "indicator_missing": ";可用 zonecheck indicator list {plan} 查看",
    "indicator_evidence": "(文件用 --file,链接用 --link)",
    "member_without_unit": "(用 --unit 指明)",
    "first_person_not_admin": "(请用 --as 姓名 指定操作人,或设置环境变量 ZONECHECK_USER;第一名管理员用 --role admin 添加)",
    "zone_has_admin": ":请用 --as 指定该辖区的一名管理员",
    "zone_missing": ";可用 zonecheck zone list 查看,zonecheck zone add 添加",
    "zone_ambiguous": ":请用 --zone 指定辖区(可用 zonecheck zone list 查看)",
    "no_zones": ",请先用 zonecheck zone add 添加",
    "zone_outside": "(请用 --parent 指定本辖区或其下级)",
    "groups_unmapped": f",{GROUP_MAPPING}",
    "not_responsible": _groups(";"),
    "no_view": _groups(";"),
    "no_index": ",请先运行 zonecheck index load {plan} 文件(可由 zonecheck index example {plan} 生成示例)",
    "report_format": "(用 --format 或 -o 的扩展名选择格式)",
    "template_invalid": ";请改正该文件后重新运行 zonecheck report,或删去它以使用内置模板",
    "index_code_missing": ";可用 zonecheck index show {plan} 查看",
    "score_statement": "(请用 --statement 填写)",
    "site_check_missing": ";可用 zonecheck site list 方案 查看",
    "site_photo_missing": ";可用 zonecheck site show 核查编号 查看",
    "site_unit_missing": "(可用 zonecheck unit list 查看)",
    "stage_without_as_of": "(请用 --as-of 指定)",
    "expert_conflict": ";请改派其他机构的专家(zonecheck expert list {plan} 查看专家组)",
    "not_expert_account": "(专家账号用 zonecheck user add {name} --role expert --org 机构 添加)",
    "leader_taken": ";可用 zonecheck expert list {plan} 查看专家组",
    "no_panel": ",请管理员先运行 zonecheck expert assign {plan} 专家姓名 --leader",
    "round_open": "(组长确认本轮后方可开启:zonecheck score finalise {plan})",
    "round_closed": "(如需复审,请办公室运行 zonecheck score round {plan} --open)",
    "panel_incomplete": ";可用 zonecheck index show {plan} 查看未评指标,组长用 zonecheck score final 汇总",
    "panel_opinion_missing": "(zonecheck opinion write {plan} --panel --file 专家组意见.txt)",
    "opinion_empty": "(请用 --text 或 --file 给出意见)",
    "expert_with_unit": "(专家不用 --unit,所在机构用 --org)",
    "organisation_not_expert": "(--org 仅用于 --role expert)",
    "since_not_before_as_of": "(--since 应早于 --as-of)",
    "not_office": "(请用 --as 指定方案所在辖区的审核人或管理员)",
    "formal_exists": ";可用 zonecheck formal status {plan} 查看",
    "formal_not_open": ",请先运行 zonecheck formal open {plan}",
    "formal_unit_missing": ";可用 zonecheck formal gaps {plan} 查看各单位",
    "formal_days": "(--days 取 1 至 60)",
    "extension_open": ";可用 zonecheck extension list 方案 查看,zonecheck extension withdraw 编号 撤回",
    "extension_missing": ";可用 zonecheck extension list 方案 查看",
    "appeal_missing": ";可用 zonecheck appeal list 方案 查看",
    "appeal_date": "(--due 只用于 --uphold 且类别为“暂无法解决需持续跟进”的申诉)",
    "calendar_range": "(可用 --today 指定节假日数据覆盖年份内的日期)",
}

# The reasons a lifecycle guard gives, several in one refusal: their hints follow together.
REASON_HINTS: dict[str, str] = {
    "no_statement": "请用 --statement 填写自查情况说明",
    "groups_unmapped": "请办公室运行 zonecheck unit group",
    "years_missing": "请用 --date 注明成文日期",
    "no_comment": "请用 --comment 填写整改意见",
    "no_reason": "请用 --reason 填写原因",
}


def hint(error: ZonecheckError) -> str:
    """The CLI's words after `error`'s message ("" when it needs none)."""
    params = error.params
    reasons = params.get("reasons")
    if isinstance(reasons, list):
        said = [REASON_HINTS[r] for r in dict.fromkeys(reasons) if r in REASON_HINTS]
        return f"({';'.join(said)})" if said else ""
    found = HINTS.get(error.code, "")
    if callable(found):
        return found(params)
    try:
        return found.format(**params)
    except (KeyError, IndexError):  # a code raised without the parameter its hint names
        return ""


def cli_message(error: ZonecheckError) -> str:
    return f"{error}{hint(error)}"
