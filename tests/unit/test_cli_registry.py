"""The CLI's command registry (workflow/cli/main.py COMMANDS) and what start-up imports.

`zonecheck --help` lists the registry's short help without importing the command modules, and a
command runs by importing only its own module: these tests keep the registry equal to the
commands themselves and keep the heavy libraries out of the commands that do not use them.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

import workflow.cli
from workflow.cli.main import COMMANDS, ZonecheckGroup, cli

# Modules of the CLI package that hold no command: the group, its lazy loading, and what the
# commands share (output, resolving names to ids, the hints after an error).
HELPERS = ("main", "lazy", "output", "resolve", "hints")
# Libraries that cost a tenth of a second or more to import, or allocate much at import time.
HEAVY = (
    "sqlalchemy",
    "alembic",
    "pydantic",
    "weasyprint",
    "fastapi",
    "starlette",
    "uvicorn",
    "openpyxl",
    "ruamel",
    "jinja2",
    "argon2",
    "psycopg",
    "transitions",
)


def _in_a_fresh_interpreter(code: str) -> dict[str, list[str]]:
    """Run `code` in a new Python; it prints a JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _loaded_after(argv: list[str]) -> dict[str, list[str]]:
    """Heavy libraries and command modules imported by running `zonecheck ARGV` in a new process."""
    return _in_a_fresh_interpreter(
        f"""
import json, sys
from workflow.cli import cli
try:
    cli.main({argv!r}, prog_name="zonecheck")
except SystemExit:
    pass
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
commands = sorted(m for m in sys.modules if m.startswith("workflow.cli.") and m not in
                  {[f"workflow.cli.{name}" for name in HELPERS]!r})
print(json.dumps({{"heavy": heavy, "commands": commands}}))
"""
    )


def _all_command_modules() -> list[str]:
    return [
        f"workflow.cli.{info.name}"
        for info in pkgutil.iter_modules(workflow.cli.__path__)
        if info.name not in (*HELPERS, "__main__")
    ]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_registered_command_imports_and_has_the_registered_name(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert isinstance(command, click.Command), name
    assert command.name == name


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_registered_short_help_is_the_first_line_of_the_commands_docstring(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None and command.help, f"{name} has no docstring"
    first_line = inspect.cleandoc(command.help).splitlines()[0]
    assert COMMANDS[name].short_help == first_line
    # The first paragraph is that one line, so --help lists the same text either way.
    assert command.get_short_help_str(1000) == first_line


def test_every_command_a_module_defines_on_the_root_group_is_registered() -> None:
    for module in _all_command_modules():
        importlib.import_module(module)
    # Groups defined with @click.group join the root group when first looked up: look every
    # registered name up here rather than rely on the tests above having run in this process.
    for name in COMMANDS:
        cli.get_command(click.Context(cli), name)
    assert sorted(cli.commands) == sorted(COMMANDS)


def test_the_registry_names_only_modules_of_the_cli_package() -> None:
    modules = {entry.target.partition(":")[0] for entry in COMMANDS.values()}
    assert modules <= set(_all_command_modules())


def test_help_lists_the_same_commands_before_and_after_they_are_imported() -> None:
    listing = _in_a_fresh_interpreter(
        """
import json
from click.testing import CliRunner
from workflow.cli import cli
lazy = CliRunner().invoke(cli, ["--help"]).output
loaded = sorted(cli.commands)
for name in cli.list_commands(None):
    cli.get_command(None, name)
eager = CliRunner().invoke(cli, ["--help"]).output
print(json.dumps({"lazy": [lazy], "eager": [eager], "loaded_before": loaded}))
"""
    )
    assert listing["loaded_before"] == []
    assert listing["lazy"] == listing["eager"]
    for name in COMMANDS:
        assert f"  {name} " in listing["lazy"][0]


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["-h"], []])
def test_help_and_version_import_no_command_and_no_heavy_library(argv: list[str]) -> None:
    assert _loaded_after(argv) == {"heavy": [], "commands": []}


def test_a_commands_help_imports_its_own_module_only() -> None:
    assert _loaded_after(["plans", "--help"])["commands"] == ["workflow.cli.plans"]
    assert _loaded_after(["review", "accept", "-h"])["commands"] == ["workflow.cli.work"]


@pytest.mark.parametrize(
    ("module", "allowed"),
    [
        # What a database command needs: the ORM, the models (whose enums live beside the
        # catalog's pydantic models), the state machine. Not the web, PDF or spreadsheet stack.
        ("workflow.cli.plans", {"sqlalchemy", "pydantic", "transitions"}),
        ("workflow.cli.work", {"sqlalchemy", "pydantic", "transitions"}),
        ("workflow.cli.evidence", {"sqlalchemy", "pydantic", "transitions"}),
        ("workflow.cli.people", {"sqlalchemy", "pydantic", "transitions", "argon2"}),
        ("workflow.cli.db", {"sqlalchemy"}),
        ("workflow.cli.serve", set()),
    ],
)
def test_a_command_module_imports_only_what_its_commands_use(module: str, allowed: set[str]) -> None:
    loaded = _in_a_fresh_interpreter(
        f"""
import json, sys
import {module}
print(json.dumps({{"heavy": sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))}}))
"""
    )
    assert set(loaded["heavy"]) <= allowed


def test_an_unknown_command_is_matched_against_every_command_not_only_the_imported_ones() -> None:
    fresh = ZonecheckGroup(name="zonecheck", lazy_commands=COMMANDS)
    result = CliRunner().invoke(fresh, ["stauts"], prog_name="zonecheck")
    assert result.exit_code == 2
    assert "没有命令“stauts”,是否要用 status" in result.stderr
    assert fresh.commands == {}  # nothing was imported to say so


def test_importing_the_accounts_service_computes_no_password_hash() -> None:
    counted = _in_a_fresh_interpreter(
        """
import json
import argon2
calls = []
original = argon2.PasswordHasher.hash
def counting(self, *args, **kwargs):
    calls.append(1)
    return original(self, *args, **kwargs)
argon2.PasswordHasher.hash = counting
import workflow.services.accounts
print(json.dumps({"hashes": [str(len(calls))]}))
"""
    )
    assert counted["hashes"] == ["0"]
