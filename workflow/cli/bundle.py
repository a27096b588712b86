"""The bundle command: a plan's evidence files, index and manifest in one ZIP (佐证材料汇编)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reports.bundle import BundleSummary, build_bundle, default_bundle_name
from reports.render import HARFBUZZ_SUBSET_WARNING, Renderer, file_size, harfbuzz_subset_available
from workflow.cli.main import cli, get_app, viewer
from workflow.clock import office_today
from workflow.services.access import open_plan

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


@contextmanager
def _progress() -> Iterator[Callable[[int, int, str], None] | None]:
    """A bar over the files on a terminal (made at the first file, when the total is known);
    nothing when stderr is piped or a file."""
    if not sys.stderr.isatty():
        yield None
        return
    with ExitStack() as stack:
        bars: list[ProgressBar[int]] = []

        def on_file(done: int, total: int, path: str) -> None:
            if not bars:
                bars.append(
                    stack.enter_context(
                        click.progressbar(
                            length=total, label="正在归档", file=sys.stderr, show_pos=True, width=30
                        )
                    )
                )
            bars[0].update(done - bars[0].pos)

        yield on_file


def _echo(summary: BundleSummary) -> None:
    extra = []
    if summary.links:
        extra.append(f"链接 {summary.links} 条")
    if summary.notes:
        extra.append(f"文字说明 {summary.notes} 条")
    also = f"(另有{'、'.join(extra)},列于目录)" if extra else ""
    click.echo(f"已生成佐证材料汇编:{summary.path}")
    click.echo(
        f"  文件 {summary.files} 个,合计 {file_size(summary.total_size)}{also};"
        f"压缩包 {file_size(summary.zip_size)},目录 {summary.index_pages} 页,"
        f"用时 {summary.seconds:.1f} 秒"
    )
    click.echo(f"  sha256 {summary.sha256}")


@cli.command("bundle")
@click.argument("plan", metavar="方案")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    metavar="FILE.zip", help="输出的 ZIP 文件(默认在当前文件夹:<方案键>-佐证材料汇编-<日期>.zip)。",
)
@click.option(
    "--all", "include_old", is_flag=True,
    help="也收入已被替换或撤下的材料(放在各清单项下的“已替换”“已撤下”文件夹中)。",
)
@click.pass_context
def bundle_cmd(ctx: click.Context, plan: str, output: Path | None, include_old: bool) -> None:
    """佐证材料汇编:把方案的全部佐证文件按章节、措施和清单项归档为一个 ZIP。

    压缩包内有:各文件(同名文件都保留,后一份加“(2)”等序号)、目录.pdf(每个文件的路径、类型、大小、完整 SHA-256、提交人与时间)、manifest.json 与 SHA256SUMS。

    收到汇编的一方可用 zonecheck evidence verify --bundle 或 sha256sum -c SHA256SUMS 核对。

    \b
    示例:
      zonecheck bundle 003 -o 嘉定佐证材料汇编.zip
      zonecheck bundle 003 --all
    """
    app = get_app(ctx)
    who = viewer(ctx)
    key = open_plan(app.uow(), who, plan, action="bundle").key
    if output is None:
        output = Path(default_bundle_name(key, office_today()))
    if not harfbuzz_subset_available():
        click.echo(HARFBUZZ_SUBSET_WARNING, err=True)
    renderer = Renderer(app.settings.home / "templates")
    with _progress() as on_file:
        summary = build_bundle(
            app.uow(), app.store, renderer, key, output,
            viewer=who, include_superseded=include_old, on_file=on_file,
        )
    _echo(summary)
