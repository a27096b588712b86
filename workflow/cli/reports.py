"""Report commands: acceptance, self-check, self-assessment and stage reports, reminder and
rectification notices (PDF or Word), and the 验收汇总表 (XLSX)."""

from __future__ import annotations

import datetime as dt
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reports.documents import (
    FORMAT_LABELS,
    KIND_FORMATS,
    KIND_TITLES,
    Issued,
    ReportRequest,
    issue_report,
)
from reports.render import (
    HARFBUZZ_SUBSET_WARNING,
    Renderer,
    harfbuzz_subset_available,
    page_progress,
)
from reports.signing import office_signer
from workflow.cli.main import DATE, cli, get_app, viewer
from workflow.clock import local_time, office_today

if TYPE_CHECKING:
    from reports.verify import Verification

OUTPUT = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="输出文件(默认在当前文件夹,按方案、报告类型和日期命名)。",
)
HTML = click.option("--html", is_flag=True, help="输出 HTML 而不是 PDF(用于检查版式与内容)。")
FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["pdf", "docx"]), default=None,
    help="pdf(默认)或 docx(Word 文档,可在 Word/WPS 中修改措辞后盖章);-o 的扩展名为 .docx 时即为 docx。",
)
TODAY = click.option("--today", type=DATE, default=None, help="统计截至的日期(默认今天)。")
OFFICE = click.option("--office", default=None, metavar="名称", help="审核机关或发文机关名称(默认按方案发文机关推定)。")
NUMBER = click.option("--number", default="", metavar="文号", help="本报告的文号。")
UNIT = click.option("--unit", default=None, metavar="单位", help="只含该单位负责的措施。")


@cli.group("report")
def report_group() -> None:
    """生成报告与通知:PDF(按 GB/T 9704 公文格式排版)或 Word 文档,验收汇总表为 Excel。

    可在数据目录的 templates/ 中放入同名模板文件覆盖内置模板(封面、措辞、印章位置、文号等);
    Word 模板放在 templates/docx/ 中(如 templates/docx/acceptance.docx)。

    \b
    示例:
      zonecheck report acceptance 003 -o 验收报告.pdf
      zonecheck report acceptance 003 -o 验收报告.docx
      zonecheck report selfassessment 003 --format docx
      zonecheck report summary 003 -o 验收汇总表.xlsx
      zonecheck report selfcheck 003 --unit 区市场监管局
      zonecheck report stage 003 --as-of 2024-06-30
      zonecheck report reminders 003 --unit 区法院
      zonecheck report rectification 003
      zonecheck report verify 验收报告.pdf
    """


STAGE_LABELS = {
    "data": "正在读取数据",
    "html": "正在生成 HTML",
    "layout": "正在排版",
    "pdf": "正在写入 PDF",
    "docx": "正在生成 Word 文档",
    "sign": "正在签名",
}
SUFFIX_FORMATS = {".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx"}


def output_format(kind: str, fmt: str | None, output: Path | None, html: bool) -> str:
    """The format asked for: --format, else the suffix of -o (.docx, .xlsx), else the kind's
    first; a --format that the file name contradicts is refused before any work."""
    implied = SUFFIX_FORMATS.get(output.suffix.lower()) if output is not None and not html else None
    if fmt and implied and fmt != implied:
        raise click.UsageError(f"--format {fmt} 与输出文件 {output} 的扩展名不一致;请改用 .{fmt} 或去掉 --format")
    # A format the report does not have (a summary to .pdf) is refused by issue_report.
    return fmt or implied or KIND_FORMATS[kind][0]


class _PageBar:
    """A progress bar over the pages laid out, on a terminal only (silent when piped)."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.done = 0

    def estimate(self, pages: int) -> None:
        if sys.stderr.isatty():
            self.bar = click.progressbar(length=pages, label="正在排版", file=sys.stderr, show_pos=True, width=30)
            self.bar.__enter__()

    def stage(self, name: str) -> None:
        if self.bar is not None:
            self.bar.label = STAGE_LABELS.get(name, name)
            self.bar.render_progress()

    def page(self, number: int) -> None:
        if self.bar is not None and number > self.done:
            # A second layout pass (page references of the table of contents) restarts at 1.
            step = min(number, self.bar.length) - self.done
            if step > 0:
                self.done += step
                self.bar.update(step)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(self.bar.length - self.done)
            self.bar.__exit__(None, None, None)
            self.bar = None


@contextmanager
def _progress() -> Iterator[_PageBar]:
    bar = _PageBar()
    try:
        with page_progress(bar.page):
            yield bar
    finally:
        bar.close()


def _run(ctx: click.Context, request: ReportRequest, output: Path | None, html: bool) -> None:
    app = get_app(ctx)
    if not html and request.format == "pdf" and not harfbuzz_subset_available():
        click.echo(HARFBUZZ_SUBSET_WARNING, err=True)
    renderer = Renderer(app.settings.home / "templates")
    # The certificate is checked before anything is rendered: a bad one costs nothing.
    signer = None if html or request.format != "pdf" else office_signer(app.settings.signing, now=dt.datetime.now(dt.UTC))
    with _progress() as bar:
        issued = issue_report(
            app.uow(), renderer, request, output, actor=viewer(ctx), html=html,
            on_stage=bar.stage, on_estimate=bar.estimate, signer=signer,
        )
    _echo(issued)
    # The process ends here: freezing skips a final walk over the freed document (~0.8 s).
    gc.freeze()


def _echo(issued: Issued) -> None:
    title = KIND_TITLES[issued.kind]
    if issued.html:
        click.echo(f"已生成{title}(HTML):{issued.path}({issued.summary})")
        return
    seconds = sum(s.seconds for s in issued.timings.stages)
    if issued.format != "pdf":
        click.echo(
            f"已生成{title}({FORMAT_LABELS[issued.format]}):{issued.path}({issued.size / 1024:.0f} KB,"
            f"{issued.summary},用时 {seconds:.1f} 秒)"
        )
        click.echo(f"  sha256 {issued.sha256}(已登记)")
        return
    click.echo(
        f"已生成{title}:{issued.path}({issued.pages} 页,{issued.size / 1024:.0f} KB,"
        f"{issued.summary},用时 {seconds:.1f} 秒)"
    )
    click.echo(f"  sha256 {issued.sha256}(已登记)")
    if issued.signed_by:
        click.echo(f"  已签名:{issued.signed_by}(PAdES,用 zonecheck report verify 校验)")


def _request(
    kind: str, plan: str, today: dt.date | None, *, fmt: str | None, output: Path | None, html: bool, **kwargs: Any
) -> ReportRequest:
    return ReportRequest(
        kind=kind, plan=plan, today=today or office_today(), format=output_format(kind, fmt, output, html), **kwargs
    )


@report_group.command("acceptance")
@click.argument("plan")
@OUTPUT
@FORMAT
@HTML
@TODAY
@OFFICE
@NUMBER
@click.option("--opinion", default="", metavar="文字", help="审核意见(印在签署栏中;默认留空供手写)。")
@click.option(
    "--opinion-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
    help="从 UTF-8 文本文件读取审核意见。",
)
@click.pass_context
def acceptance_cmd(
    ctx: click.Context, plan: str, output: Path | None, fmt: str | None, html: bool, today: dt.date | None,
    office: str | None, number: str, opinion: str, opinion_file: Path | None,
) -> None:
    """验收报告:封面、目录、总体情况与图表、量化指标、评价指标评分(载入指标体系后)、逐项验收情况、逾期与退回整改、审核意见。

    示例: zonecheck report acceptance 003 -o 嘉定验收报告.pdf --number 嘉知保办〔2024〕3号
    """
    if opinion_file is not None:
        opinion = opinion_file.read_text(encoding="utf-8")
    request = _request(
        "acceptance", plan, today, fmt=fmt, output=output, html=html, office=office, number=number, opinion=opinion
    )
    _run(ctx, request, output, html)


@report_group.command("selfcheck")
@click.argument("plan")
@UNIT
@OUTPUT
@FORMAT
@HTML
@TODAY
@OFFICE
@NUMBER
@click.pass_context
def selfcheck_cmd(
    ctx: click.Context, plan: str, unit: str | None, output: Path | None, fmt: str | None, html: bool,
    today: dt.date | None, office: str | None, number: str,
) -> None:
    """自查报告:全方案或一个单位负责的措施的自查说明、自评与佐证材料(不含审核结论)。

    示例: zonecheck report selfcheck 003 --unit 区市场监管局 -o 自查报告.pdf
    """
    request = _request("selfcheck", plan, today, fmt=fmt, output=output, html=html, unit=unit, office=office, number=number)
    _run(ctx, request, output, html)


@report_group.command("selfassessment")
@click.argument("plan")
@OUTPUT
@FORMAT
@HTML
@TODAY
@OFFICE
@NUMBER
@click.pass_context
def selfassessment_cmd(
    ctx: click.Context, plan: str, output: Path | None, fmt: str | None, html: bool,
    today: dt.date | None, office: str | None, number: str,
) -> None:
    """自评报告:按评价指标体系逐项列出分值、自评分、是否达标、自评说明与佐证材料,各级合计、加分、一票否决与等次,以及措施推进情况。

    需先用 zonecheck index load 载入指标体系,并用 zonecheck score self 自评。

    示例: zonecheck report selfassessment 003 -o 自评报告.docx
    """
    request = _request("selfassessment", plan, today, fmt=fmt, output=output, html=html, office=office, number=number)
    _run(ctx, request, output, html)


@report_group.command("summary")
@click.argument("plan")
@OUTPUT
@TODAY
@OFFICE
@click.pass_context
def summary_cmd(ctx: click.Context, plan: str, output: Path | None, today: dt.date | None, office: str | None) -> None:
    """验收汇总表(Excel):每项指标一行(编号、名称、级别、分值、自评分、各专家评分、专家合议分、是否达标),各级合计与等次;另一工作表列出每项措施的责任单位、状态、截止日期与佐证材料数。

    示例: zonecheck report summary 003 -o 验收汇总表.xlsx
    """
    request = _request("summary", plan, today, fmt=None, output=output, html=False, office=office)
    _run(ctx, request, output, False)


@report_group.command("stage")
@click.argument("plan")
@click.option("--as-of", "as_of", type=DATE, required=True, help="报告截至日期。")
@click.option("--since", type=DATE, default=None, help="起始日期(默认为上一期阶段性报告的截至日期)。")
@OUTPUT
@FORMAT
@HTML
@OFFICE
@NUMBER
@click.pass_context
def stage_cmd(
    ctx: click.Context, plan: str, as_of: dt.date, since: dt.date | None, output: Path | None,
    fmt: str | None, html: bool, office: str | None, number: str,
) -> None:
    """阶段性报告:截至某日的进展,自上一期以来的变化,以及逾期事项。

    状态按审计记录回放到截至日期;生成的 PDF 会登记,下一期从本期截至日期算起。

    示例: zonecheck report stage 003 --as-of 2024-06-30
    """
    request = _request(
        "stage", plan, as_of, fmt=fmt, output=output, html=html, as_of=as_of, since=since, office=office, number=number
    )
    _run(ctx, request, output, html)


def _notice_command(kind: str, doc: str) -> None:
    @report_group.command(kind, help=doc)
    @click.argument("plan")
    @UNIT
    @OUTPUT
    @FORMAT
    @HTML
    @TODAY
    @OFFICE
    @NUMBER
    @click.option("--reply-by", type=DATE, default=None, help="要求回复的日期(默认 7 天后)。")
    @click.pass_context
    def command(
        ctx: click.Context, plan: str, unit: str | None, output: Path | None, fmt: str | None, html: bool,
        today: dt.date | None, office: str | None, number: str, reply_by: dt.date | None,
    ) -> None:
        request = _request(
            kind, plan, today, fmt=fmt, output=output, html=html, unit=unit, office=office, number=number, reply_by=reply_by
        )
        _run(ctx, request, output, html)


_notice_command(
    "reminders",
    """督办通知:每个责任单位一份,列出其逾期与临期(30 天内到期)的措施。

    示例: zonecheck report reminders 003 --unit 区法院 -o 督办通知.pdf
    """,
)
_notice_command(
    "rectification",
    """整改通知:每个责任单位一份,列出被退回整改的措施、审核意见与整改期限。

    示例: zonecheck report rectification 003 -o 整改通知.pdf
    """,
)


@report_group.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def verify_cmd(ctx: click.Context, file: Path) -> None:
    """校验报告 PDF:签名是否有效、签名后是否被修改、证书是否受信任,以及是否与登记簿一致。

    信任的证书由环境变量 ZONECHECK_SIGN_TRUST(PEM 或 DER 文件)给出。
    仅当签名有效且登记簿中有此文件时退出码为 0。

    示例: zonecheck report verify 嘉定验收报告.pdf
    """
    from reports.verify import verify_report

    app = get_app(ctx)
    result = verify_report(app.uow(), viewer(ctx), file, app.settings.signing)
    _echo_verification(result)
    if not result.ok:
        ctx.exit(1)


def _echo_verification(result: Verification) -> None:
    from reports import verify

    checked = result.file
    click.echo(f"文件:{result.path}({checked.size / 1024:.0f} KB,sha256 {checked.sha256})")
    if not checked.signatures:
        click.echo("签名:无(未签名)")
    for number, sig in enumerate(checked.signatures, 1):
        click.echo(f"签名 {number}:{sig.verdict}")
        click.echo(f"  签署人证书:{sig.subject}")
        click.echo(f"  颁发者:{sig.issuer}")
        click.echo(f"  证书有效期:{local_time(sig.not_before)} 至 {local_time(sig.not_after)}")
        when = local_time(sig.signed_at, empty="(未记录)")
        click.echo(f"  签署时间:{when}({'可信时间戳' if sig.timestamped else '签署人自报'})")
        click.echo(
            f"  内容完整:{_yes(sig.intact)};覆盖整个文件(签名后未追加修改):{_yes(sig.whole_file)};"
            f"证书受信任:{_yes(sig.trusted)}"
        )
        if sig.verdict == verify.UNTRUSTED and not result.trust_configured:
            click.echo("  (未配置信任的证书:请将签发机关的根证书或本机关证书写入 ZONECHECK_SIGN_TRUST 所指的文件)")
    if not result.issues:
        click.echo(f"登记簿:{verify.NOT_REGISTERED}(没有此文件的签发记录:不是本系统签发的、签发后被改动过,或属于无权查看的方案)")
    for row in result.issues:
        unit = f",{row.unit}" if row.unit else ""
        click.echo(f"登记簿:{KIND_TITLES.get(row.kind, row.kind)}{unit}(截至 {row.as_of}),{row.pages} 页,登记文件名 {row.file_name}")
        click.echo(f"  方案:{row.plan_key} {row.plan_title}")
        who = f"{row.person}({row.person_office})" if row.person else "系统管理员(未指定操作人)"
        click.echo(f"  签发:{who},{local_time(row.issued_at)}")
    click.echo(f"结论:{checked.verdict},{result.register_verdict}")


def _yes(value: bool) -> str:
    return "是" if value else "否"
