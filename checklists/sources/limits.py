"""Bounds on each format, checked before (or while) a file is parsed.

Plans as offices receive them are small: the corpus's web pages are 11-43 kB, a plan's PDF a
few hundred kB for 10-30 pages, its .docx 30-100 kB. The bounds are a hundred times that and
more, and each stops a hostile file before the library it is handed to spends time or memory
on it.
"""

from __future__ import annotations

from checklists.limits import MAX_TEXT_BYTES

__all__ = [
    "MAX_CELLS",
    "MAX_FILE_BYTES",
    "MAX_HTML_BYTES",
    "MAX_HTML_DEPTH",
    "MAX_HTML_ELEMENTS",
    "MAX_PDF_PAGES",
    "MAX_ROWS",
    "MAX_SHEETS",
    "MAX_ZIP_ENTRIES",
    "MAX_ZIP_UNPACKED",
    "megabytes",
]

# Any file handed to import, read no further than this: the parser's own bound on text (a
# 20-page PDF with a scanned seal or a logo is a few MB).
MAX_FILE_BYTES = MAX_TEXT_BYTES
# A web page as saved from a site; the 50 MB page of a broken crawl is refused unread.
MAX_HTML_BYTES = 10 * 1024 * 1024
# Nesting of elements: site templates nest 20-40 deep; libxml2 itself stops at 256.
MAX_HTML_DEPTH = 200
MAX_HTML_ELEMENTS = 200_000
MAX_PDF_PAGES = 300
# A task table: sheets of a workbook, rows of a sheet or table, cells in all.
MAX_SHEETS = 50
MAX_ROWS = 20_000
MAX_CELLS = 500_000
# .docx and .xlsx are ZIPs: entries, and the sizes their directory declares once unpacked
# (zipfile never reads a member past its declared size, so the sum bounds what is inflated).
MAX_ZIP_ENTRIES = 2_000
MAX_ZIP_UNPACKED = 200 * 1024 * 1024


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
