"""The wording of the message telling the office a report it asked for is ready (or failed)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderOutcome:
    title: str  # 验收报告, 佐证材料汇编, 工作台账, …
    plan_title: str
    plan_key: str
    file_name: str
    job_url: str  # the page of the job, relative to the site
    error: str = ""


def report_ready(outcome: RenderOutcome) -> tuple[str, str]:
    subject = f"报告已生成:{outcome.title}"
    body = (
        f"您申请生成的{outcome.title}已生成。\n"
        f"方案:{outcome.plan_title}({outcome.plan_key})\n"
        f"文件:{outcome.file_name}\n"
        f"请登录系统下载:{outcome.job_url}"
    )
    return subject, body


def report_failed(outcome: RenderOutcome) -> tuple[str, str]:
    subject = f"报告生成失败:{outcome.title}"
    body = (
        f"您申请生成的{outcome.title}未能生成。\n"
        f"方案:{outcome.plan_title}({outcome.plan_key})\n"
        f"原因:{outcome.error}\n"
        f"详情:{outcome.job_url}"
    )
    return subject, body
