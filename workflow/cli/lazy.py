"""A click group whose commands are imported only when they run (click's "Lazily Loading
Subcommands" pattern), so `zonecheck --help` and each single command start without importing
every other command's libraries (SQLAlchemy models, WeasyPrint, openpyxl, FastAPI, pydantic)."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, NamedTuple

import click


class LazyCommand(NamedTuple):
    """Where a command lives, and what `--help` lists for it without importing it."""

    target: str  # "package.module:attribute"
    short_help: str  # the first line of the command's docstring (a test keeps them equal)


class LazyGroup(click.Group):
    """A group that knows its commands by name and imports each one on first use."""

    def __init__(
        self, *args: Any, lazy_commands: Mapping[str, LazyCommand] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, LazyCommand] = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in self.lazy_commands:
            command = self.load(cmd_name)
        return command

    def load(self, name: str) -> click.Command:
        """Import the command registered under `name`."""
        target = self.lazy_commands[name].target
        module_name, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is {type(command).__name__}, not a click command")
        if command.name != name:
            raise ValueError(f"{target} is the command {command.name!r}, registered as {name!r}")
        # A module that registers its commands on this group with @group.command has already
        # added it; one that builds them with @click.command has not.
        self.commands.setdefault(name, command)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.NoSuchCommand as exc:
            # click suggests similar names from the commands loaded so far; offer all of them.
            raise click.NoSuchCommand(
                exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx
            ) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`, from the registry for commands not imported yet."""
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None:
                # A stand-in carrying the registered first line, so click shortens it exactly
                # as it would the real docstring's first paragraph.
                command = click.Command(name, help=self.lazy_commands[name].short_help)
            if not command.hidden:
                rows.append((name, command))
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])
