"""zonecheck command line: thin click commands over the service layer."""

from __future__ import annotations

from workflow.cli.main import cli, main

__all__ = ["cli", "main"]
