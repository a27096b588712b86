"""Plan documents in the formats offices receive them, turned into the parser's text.

Each reader takes a file's bytes (already bounded in size by the caller) and its name (for
messages) and returns the text `checklists.parser.parse_document` reads: one paragraph a
line, tables as `cell | cell |` rows, a recognised task table as the parser's task-table
rows. A file that is only a task table (a sheet, a CSV) becomes a plan's text of numbered
measures. What kind of file it is comes from its content (`checklists.sources.text`, and
the caller's magic-number sniffing for binary formats), never its name.
"""

from __future__ import annotations

from checklists.sources.errors import UnreadableFile

__all__ = ["UnreadableFile"]
