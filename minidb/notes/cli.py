"""Flask CLI commands: ``init-db``, ``export`` and ``import``.

Export writes one note per line in MongoDB Extended JSON (the format is
minidb.notes.jsonl's); import reads that format back and restores the
documents exactly.

Like the to-do and contacts CLIs, every failure is one ``Error:`` line on
stderr with exit status 1 (the operation failed: the database is
unreachable, an id already exists) or 2 (bad input or usage), never a
traceback: commands raise minidb.errors exceptions and NotesCommand reports
them through minidb.failures, as the other CLIs do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import click
from flask import Flask
from pymongo.errors import PyMongoError

from minidb.errors import InvalidInput, MinidbError
from minidb.failures import FAILURE, USAGE_ERROR, Failure, ReportsFailures
from minidb.imports import (
    Candidate,
    ImportPolicy,
    ImportRefused,
    ImportRun,
    Item,
    on_conflict_option,
    skip_invalid_option,
)
from minidb.notes import importing
from minidb.notes.db import describe, get_database, is_unavailable
from minidb.notes.importing import PartialImport
from minidb.notes.jsonl import BadLine, dump_line, parse_line, read_lines
from minidb.notes.repository import NoteRepository
from minidb.progress import counted

BATCH_SIZE = 500


class NotesCommand(ReportsFailures):
    """A command whose every failure, usage errors included, is one ``Error:`` line."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            path = error.ctx.command_path if error.ctx else info_name
            message = f"{error.format_message().rstrip('.')} (see '{path} --help')"
            raise Failure(message, USAGE_ERROR) from None

    def failure(self, error: Exception, ctx: click.Context) -> Failure:
        if isinstance(error, PyMongoError):
            return Failure(_database_failure(error), FAILURE)
        return super().failure(error, ctx)


def _database_failure(error: PyMongoError) -> str:
    if is_unavailable(error):
        return f"cannot reach the notes database: {describe(error)}"
    return f"database error: {describe(error)}"


def _repository() -> NoteRepository:
    """The notes, once the database has answered a ping.

    The ping has the API's per-request deadline, so an unreachable or stalled
    database is reported within seconds; what follows (a long export or
    import) is not bounded by it.
    """
    database = get_database()
    database.notes.ping()
    return NoteRepository(database.collection, timeout=None)


def import_notes(repository: NoteRepository, source: IO[bytes],
                 policy: ImportPolicy | None = None) -> ImportRun[dict[str, Any]]:
    """Restore exported notes from ``source`` as ``policy`` says (see minidb.notes.importing).

    Raises ImportRefused, or InvalidInput for a file wrong from its first
    line, having written nothing, when nothing may be kept.
    """
    return importing.import_notes(repository, _candidates(source), _validate, policy or ImportPolicy(),
                                  BATCH_SIZE)


def _candidates(source: IO[bytes]) -> Iterator[Candidate]:
    """The non-blank lines of an export as ``line N`` items.

    A line that cannot be read (not UTF-8, longer than any note) ends the
    reading: the rest of the file cannot be trusted to be the export either.
    """
    try:
        for number, line in read_lines(source):
            if line.strip():
                yield Item(f"line {number}", (number, line))
    except BadLine as error:
        raise InvalidInput(str(error)) from None


def _validate(item: Item[tuple[int, str]]) -> dict[str, Any]:
    try:
        return parse_line(*item.value)
    except BadLine as error:
        raise InvalidInput(str(error)) from None


def register_commands(app: Flask) -> None:
    @app.cli.command("init-db", cls=NotesCommand)
    def init_db() -> None:
        """Create the notes indexes (safe to run again)."""
        names = _repository().ensure_indexes()
        click.echo(f"Indexes ready: {', '.join(names)}")

    @app.cli.command("export", cls=NotesCommand)
    def export() -> None:
        """Write every note to stdout as JSON Lines (MongoDB Extended JSON)."""
        for doc in counted(_repository().export(), "Exporting", "note"):
            click.echo(dump_line(doc))

    @app.cli.command("import", cls=NotesCommand)
    @click.argument("file", type=click.File("rb"))
    @on_conflict_option(help="A note whose _id is already stored or repeats an earlier line: "
                        "fail (import nothing, name them all) or skip it.")
    @skip_invalid_option
    def import_(file: IO[bytes], on_conflict: str, skip_invalid: bool) -> None:
        """Restore notes written by export from FILE (- for stdin), keeping ids and times.

        By default all or nothing: a bad line or an _id already stored
        imports nothing, and the error names every one of them.
        """
        repository = _repository()
        policy = ImportPolicy(on_conflict=on_conflict, skip_invalid=skip_invalid)
        try:
            run = import_notes(repository, file, policy)
        except ImportRefused as error:  # the Error: line, then each bad line or conflict
            raise ImportRefused(f"{file.name}: {error}", list(error.details), error.exit_code) from None
        except InvalidInput as error:  # the file as a whole
            raise InvalidInput(f"{file.name}: {error}; nothing was imported") from None
        except PartialImport as error:
            raise MinidbError(str(error)) from None
        except PyMongoError as error:
            raise MinidbError(f"import failed, nothing was imported: {_database_failure(error)}") from None
        click.echo(run.summary())
