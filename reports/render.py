"""Templates to HTML (Jinja2) and HTML to PDF (WeasyPrint), with the office's own overrides.

An office overrides any built-in template by putting a file of the same name in
``ZONECHECK_HOME/templates/`` (its cover, wording, seal placeholder, document number); the
built-in one is used otherwise. Templates are the only place report wording lives.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from checklists import amounts
from workflow import clock
from workflow.errors import InputError

BUILTIN_TEMPLATES = Path(__file__).resolve().parent / "templates"

MEDIA_LABELS = {
    "pdf": "PDF",
    "ofd": "OFD",
    "doc": "Word",
    "docx": "Word",
    "xls": "Excel",
    "xlsx": "Excel",
    "wps": "WPS",
    "jpg": "图片",
    "png": "图片",
    "zip": "压缩包",
}
KIND_LABELS = {"file": "文件", "link": "链接", "note": "文字说明"}


def local_time(value: dt.datetime | str | None) -> str:
    return clock.local_time(value, empty="—")


def chinese_date(value: dt.date | str | None) -> str:
    """2024年3月1日, as dates are written in official documents."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return f"{value.year}年{value.month}月{value.day}日"


def file_size(size: int | None) -> str:
    if size is None:
        return "—"
    amount = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} GB"


def number(value: Any) -> str:
    """3600, 3600.5, 1.2 (no trailing zeros, no exponent) for targets and reported values."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, Decimal):
        return amounts.plain(value)
    return str(value)


def percent(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


def breakable(text: str | None) -> str:
    """Lets long ASCII runs (hashes, URLs, file names) wrap: a zero-width space after separators."""
    if not text:
        return ""
    out = []
    run = 0
    for ch in text:
        out.append(ch)
        run = 0 if ch.isspace() or ord(ch) > 0x2E80 else run + 1
        if ch in "/_-.?&=#" or run >= 16:
            out.append("\u200b")
            run = 0
    return "".join(out)


def report_filters() -> dict[str, Callable[..., Any]]:
    """The filters every report template may use, HTML and Word alike."""
    return {
        "local_time": local_time,
        "chinese_date": chinese_date,
        "file_size": file_size,
        "number": number,
        "percent": percent,
        "breakable": breakable,
        "media_label": lambda t: MEDIA_LABELS.get(t or "", t or "—"),
        "kind_label": lambda k: KIND_LABELS.get(k, k),
    }


@dataclass(frozen=True)
class Stage:
    """One step of a render, for the progress bar and the benchmark's breakdown."""

    name: str
    seconds: float


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


@dataclass
class RenderTimings:
    stages: list[Stage] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stages.append(Stage(name, time.perf_counter() - started))

    def seconds(self, name: str) -> float:
        return sum(s.seconds for s in self.stages if s.name == name)


def harfbuzz_subset_available() -> bool:
    """WeasyPrint subsets fonts with libharfbuzz-subset when it can load it.

    Without it (Debian package libharfbuzz-subset0) WeasyPrint silently falls back to
    fontTools, which was measured 7x slower on the acceptance report.
    """
    from weasyprint.text.ffi import harfbuzz_subset  # type: ignore[import-untyped]

    return harfbuzz_subset is not None


HARFBUZZ_SUBSET_WARNING = (
    "提示:未找到 libharfbuzz-subset(Debian 软件包 libharfbuzz-subset0),"
    "字体子集化将改用较慢的 fontTools,生成 PDF 会慢数倍。"
    "请安装:apt-get install --no-install-recommends libharfbuzz-subset0"
)


class Renderer:
    """Renders the report templates; an office's templates folder takes precedence."""

    def __init__(self, override_dir: Path | None = None) -> None:
        self.override_dir = override_dir
        loaders: list[jinja2.BaseLoader] = []
        if override_dir is not None and override_dir.is_dir():
            loaders.append(jinja2.FileSystemLoader(str(override_dir)))
        loaders.append(jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES)))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(["html", "svg", "xml"], default_for_string=True),
            undefined=jinja2.StrictUndefined,  # a typo in an office's template fails loudly
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(report_filters())

    def overridden(self, name: str) -> bool:
        return self.override_dir is not None and (self.override_dir / name).is_file()

    def html(self, template: str, context: dict[str, Any]) -> str:
        try:
            return self.env.get_template(template).render(**context)
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(f"报告模板 {exc.filename or exc.name} 第 {exc.lineno} 行有语法错误:{exc.message}") from None
        except jinja2.UndefinedError as exc:
            where = (self.override_dir / template) if self.override_dir and self.overridden(template) else template
            raise InputError(f"报告模板 {where} 引用了不存在的内容:{exc.message}") from None

    def pdf(
        self,
        template: str,
        context: dict[str, Any],
        *,
        timings: RenderTimings | None = None,
        on_stage: Callable[[str], None] | None = None,
    ) -> RenderedPdf:
        """The PDF of one template; stages: html, layout, pdf (font subsetting happens there)."""
        import weasyprint  # type: ignore[import-untyped]  # imported here: it takes ~0.3 s and most commands never need it

        timings = timings or RenderTimings()

        def step(name: str) -> Any:
            if on_stage:
                on_stage(name)
            return timings.stage(name)

        with step("html"):
            markup = self.html(template, context)
        # WeasyPrint logs every CSS it cannot use at WARNING; a report is checked by its tests.
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        # Layout creates millions of short-lived objects without cycles worth collecting; each
        # full collection walks all of them. Paused, the 70-measure report renders ~40% faster
        # and time grows linearly with measures (tests/bench/test_bench_reports.py).
        gc.collect()
        gc.freeze()
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            with step("layout"):
                document = weasyprint.HTML(string=markup, base_url=str(BUILTIN_TEMPLATES)).render()
            with step("pdf"):
                data = document.write_pdf()
        finally:
            if was_enabled:
                gc.enable()
            gc.unfreeze()
        assert isinstance(data, bytes)
        return RenderedPdf(data, len(document.pages))


class _PageProgress(logging.Handler):
    """Turns WeasyPrint's progress log ("Step 5 - Creating layout - Page 12") into calls."""

    _PAGE = re.compile(r"Page (\d+)")

    def __init__(self, callback: Callable[[int], None]) -> None:
        super().__init__(logging.INFO)
        self.callback = callback

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Step 5") and (match := self._PAGE.search(message)):
            self.callback(int(match.group(1)))


@contextmanager
def page_progress(callback: Callable[[int], None]) -> Iterator[None]:
    """Calls `callback(page_number)` as WeasyPrint lays out each page."""
    logger = logging.getLogger("weasyprint.progress")
    handler = _PageProgress(callback)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
