"""Why the parser refuses a document. Each message is a Chinese sentence a user can act on."""

from __future__ import annotations


class PlanTextError(ValueError):
    """A plan document the parser cannot read; nothing was made of it."""


class NotAPlanError(PlanTextError):
    """The text has none of the structure of a plan, or a structure that contradicts itself."""


class PlanTooLarge(PlanTextError):
    """The text is over one of the bounds of `checklists.limits`; the message names the file."""
