"""The README cannot drift: its examples run as shown, and its tables of
commands and options are the ones the programs offer.

Every ```console block of README.md runs, in order, in one shell, against a
fresh data dir and the suite's throwaway servers (tests/harness/transcript.py
describes the convention). The PostgreSQL URLs and the notes API address the
README shows are mapped to those servers:

| the README shows | the test uses |
| --- | --- |
| ``http://127.0.0.1:5000`` | the notes API in a real gunicorn on a free port, on a fresh MongoDB database |
| ``MONGODB_URI`` (unset: the default server) | that same database, for ``minidb notes export/import`` |
| ``postgresql://me@db.example.com/todo`` | a fresh, empty database, as the superuser |
| ``postgresql://minidb@db.example.com/contacts`` | a fresh, empty database, as the superuser |
| ``postgresql://app@db.example.com/todo`` | a fresh, empty database, as a role with no privileges |
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click
import pytest

from tests.conftest import Databases
from tests.harness.mongo import MongoServer, new_database_name
from tests.harness.transcript import RUN, Session, check_fences, fenced_blocks, session_environment
from tests.helpers import REPO
from tests.notes.helpers import serve

README = REPO / "README.md"
NOTES_API = "http://127.0.0.1:5000"
#: A role that may log in and nothing more, to show what a role without privileges gets.
UNPRIVILEGED_ROLE = "minidb_test_app"


def role_url(database_url: str, role: str) -> str:
    """``database_url`` with ``role`` as its user (and no password)."""
    parts = urlsplit(database_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


@pytest.fixture
def unprivileged_role(databases: Databases) -> Iterator[str]:
    import psycopg

    with psycopg.connect(databases.server(), autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {UNPRIVILEGED_ROLE}")
        admin.execute(f"CREATE ROLE {UNPRIVILEGED_ROLE} LOGIN")
    yield UNPRIVILEGED_ROLE
    with psycopg.connect(databases.server(), autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {UNPRIVILEGED_ROLE}")


@pytest.fixture
def readme_session(tmp_path: Path, mongo: MongoServer, databases: Databases,
                   unprivileged_role: str) -> Iterator[Session]:
    """A shell in an empty directory (with docs/ of the checkout), fresh data dir, the servers mapped."""
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    assert not missing, f"the README's examples need {' and '.join(missing)} (.ci/run installs them)"
    mongodb = new_database_name()
    mongodb_uri = mongo.database_uri(mongodb)
    # Fresh and unmigrated, as a user's new database: the examples create the schemas.
    def empty_database(app: str) -> str:
        return databases.new("postgresql", app, migrated=False)

    substitutions = {
        "postgresql://me@db.example.com/todo": empty_database("todo"),
        "postgresql://minidb@db.example.com/contacts": empty_database("contacts"),
        "postgresql://app@db.example.com/todo": role_url(empty_database("todo"), unprivileged_role),
        NOTES_API: "",  # the address of the server started below
    }
    workdir = tmp_path / "work"
    workdir.mkdir()
    environment = session_environment(
        os.environ,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        MINIDB_DATA_DIR=str(tmp_path / "data"),
        MONGODB_URI=mongodb_uri,
        LANG="C.UTF-8",
    )
    gunicorn = ["gunicorn", "--workers", "1", "-b", "127.0.0.1:{port}", "minidb.notes:create_app()"]
    try:
        with serve(gunicorn, mongodb_uri) as (base, _process):
            substitutions[NOTES_API] = base
            session = Session(workdir, environment, substitutions, {"docs": REPO / "docs"})
            try:
                yield session
            finally:
                session.close()
    finally:
        mongo.drop_database(mongodb)


def test_every_transcript_is_a_console_block_and_every_block_has_a_known_type():
    assert check_fences(list(fenced_blocks(README.read_text()))) == []


def test_the_readme_examples_run_as_shown(readme_session):
    differences = []
    for block in fenced_blocks(README.read_text()):
        if block.info == RUN:
            differences += readme_session.run_block(block)
    assert not differences, "\n\n".join(differences)


# The tables of commands: each follows a `<!-- commands: minidb APP -->` marker,
# optionally after a synopsis block of the app's own options, and has one row per
# command (or per few commands: `done ID...` / `reopen ID...`), whose first cell
# names the command with every option it takes. --help is left out: every
# command has it, and the README says so once.

MARKER = re.compile(r"^<!-- commands: (?P<program>[a-z -]+?) -->$")
CODE_SPAN = re.compile(r"`([^`]+)`")
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


@dataclass
class Documented:
    """One marked region of the README: the program's own options, and each command's options."""

    line: int
    options: set[str] = field(default_factory=set)
    commands: dict[str, set[str]] = field(default_factory=dict)  # command -> options of its rows
    rows: list[tuple[int, list[str], set[str]]] = field(default_factory=list)  # line, commands, options


def documented_tables(markdown: str) -> dict[str, Documented]:
    """The README's tables of commands, by program (``minidb todo``)."""
    lines = markdown.splitlines()
    found: dict[str, Documented] = {}
    for number, line in enumerate(lines):
        marker = MARKER.match(line)
        if not marker:
            continue
        region = found.setdefault(marker.group("program"), Documented(number + 1))
        index = number + 1
        in_synopsis = False
        while index < len(lines) and not lines[index].startswith("|"):
            if lines[index].startswith("```"):
                in_synopsis = not in_synopsis
            elif in_synopsis:
                region.options |= set(OPTION.findall(lines[index]))
            index += 1
        index += 2  # the table's header and its separator
        while index < len(lines) and lines[index].startswith("|"):
            first_cell = re.split(r"(?<!\\)\|", lines[index])[1]
            spans = CODE_SPAN.findall(first_cell)
            options = {option for span in spans for option in OPTION.findall(span)}
            names = [span.split()[0] for span in spans if not span.startswith("-")]
            if names:
                region.rows.append((index + 1, names, options))
                for name in names:
                    region.commands.setdefault(name, set()).update(options)
            else:
                region.options |= options
            index += 1
    return found


def option_names(command: click.Command, ctx: click.Context) -> set[str]:
    """The options ``--help`` shows for ``command`` (their long names; short ones if none), but help."""
    help_option = command.get_help_option(ctx)
    names: set[str] = set()
    for param in command.get_params(ctx):
        if isinstance(param, click.Option) and not param.hidden and param is not help_option:
            every = param.opts + param.secondary_opts
            names |= {name for name in every if name.startswith("--")} or set(every)
    return names


def offered_tables() -> dict[str, tuple[set[str], dict[str, set[str]]]]:
    """What the programs offer: per group of the `minidb` command tree, its options and its commands'."""
    from minidb.command import cli

    offered: dict[str, tuple[set[str], dict[str, set[str]]]] = {}

    def walk(group: click.Group, ctx: click.Context) -> None:
        commands: dict[str, set[str]] = {}
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, f"{ctx.command_path} lists {name} but has no such command"
            if command.hidden:
                continue
            # make_context, as click does: Flask's group sets up how to find its app there.
            sub_ctx = command.make_context(name, [], parent=ctx, resilient_parsing=True)
            if isinstance(command, click.Group):
                commands[name] = set()  # its options are in its own table
                walk(command, sub_ctx)
            else:
                commands[name] = option_names(command, sub_ctx)
        offered[ctx.command_path] = (option_names(group, ctx), commands)

    walk(cli, cli.make_context("minidb", [], resilient_parsing=True))
    return offered


def test_the_tables_of_commands_and_options_are_what_the_programs_offer():
    documented = documented_tables(README.read_text())
    offered = offered_tables()
    assert sorted(documented) == sorted(offered), "a table of commands per program (<!-- commands: … -->)"
    problems = []
    for program, (group_options, commands) in offered.items():
        table = documented[program]
        where = f"{program} (README line {table.line})"
        for missing in sorted(group_options - table.options):
            problems.append(f"{where}: {program} {missing} is not in the README")
        for unknown in sorted(table.options - group_options):
            problems.append(f"{where}: {program} has no option {unknown}")
        for missing in sorted(set(commands) - set(table.commands)):
            problems.append(f"{where}: the command {program} {missing} is not in the README")
        for unknown in sorted(set(table.commands) - set(commands)):
            problems.append(f"{where}: {program} has no command {unknown}")
        for name, options in commands.items():
            for missing in sorted(options - table.commands.get(name, options)):
                problems.append(f"{where}: {program} {name} {missing} is not in the README")
        for line, names, options in table.rows:
            known = set().union(*(commands.get(name, set()) for name in names))
            for unknown in sorted(options - known):
                problems.append(f"README line {line}: {program} {' / '.join(names)} has no option {unknown}")
    assert problems == [], "\n".join(problems)
