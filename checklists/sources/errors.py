"""Why a file's format cannot be read. Each message names the file and says what to do."""

from __future__ import annotations

from checklists.errors import PlanTextError


class UnreadableFile(PlanTextError):
    """A file whose content cannot be turned into a plan's text: broken, encrypted, scanned,
    over a bound, or of a format only a converter could read. Nothing was made of it."""
