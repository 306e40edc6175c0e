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

import tempfile
from collections.abc import Iterator
from typing import IO, Any

import click
from bson import ObjectId
from flask import Flask
from pymongo.errors import BulkWriteError, PyMongoError

from minidb.errors import InvalidInput, MinidbError
from minidb.failures import FAILURE, USAGE_ERROR, Failure, ReportsFailures
from minidb.notes.db import describe, get_database, is_unavailable
from minidb.notes.jsonl import BadLine, dump_line, parse_line, read_lines
from minidb.notes.repository import NoteRepository

BATCH_SIZE = 500


class PartialImport(Exception):
    """A write failed and so did removing what had been written before it."""


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


def _batches(spool: IO[bytes]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for number, line in read_lines(spool):
        if line.strip():
            batch.append(parse_line(number, line))
        if len(batch) == BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def import_notes(repository: NoteRepository, source: IO[bytes]) -> int:
    """Restore exported notes: all of them or, if any line is bad, none.

    MongoDB can do this in a transaction, but only on a replica set, and
    FerretDB cannot at all; so the file is checked completely first (syntax,
    every field, ids unique in the file and not already stored) and only
    then written, in ordered batches. Should a write still fail (someone
    inserted one of these ids in between, or the database went away), the
    notes this run inserted are deleted again before reporting the error.
    The input is spooled to a temporary file so stdin can be read twice.
    """
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+b") as spool:
        seen: dict[ObjectId, int] = {}
        for number, line in read_lines(source):
            spool.write(line.encode("utf-8") + (b"" if line.endswith("\n") else b"\n"))
            if not line.strip():
                continue
            oid = parse_line(number, line)["_id"]
            if oid in seen:
                raise BadLine(number, f"_id {oid} repeats line {seen[oid]}")
            seen[oid] = number
        ids = list(seen)
        for start in range(0, len(ids), BATCH_SIZE):
            clash = repository.existing_ids(ids[start : start + BATCH_SIZE])
            if clash:
                oid = min(clash, key=seen.__getitem__)
                raise BadLine(seen[oid], f"a note with _id {oid} already exists")

        spool.seek(0)
        inserted: list[ObjectId] = []
        try:
            for batch in _batches(spool):
                repository.insert_many(batch)
                inserted.extend(doc["_id"] for doc in batch)
        except PyMongoError as error:
            # An ordered insert_many that fails reports how many of the batch it
            # wrote: only those are ours to remove (the clashing one is not).
            # Without that count (a network error), assume the whole batch.
            done = error.details.get("nInserted", 0) if isinstance(error, BulkWriteError) else len(batch)
            written = inserted + [doc["_id"] for doc in batch[:done]]
            try:
                repository.delete_ids(written)
            except PyMongoError:
                raise PartialImport(
                    f"import failed ({describe(error)}) and up to {len(written)} notes it wrote, "
                    f"the first of the file, could not be removed"
                ) from error
            raise
        return len(inserted)


def register_commands(app: Flask) -> None:
    @app.cli.command("init-db", cls=NotesCommand)
    def init_db() -> None:
        """Create the notes indexes (safe to run again)."""
        names = _repository().ensure_indexes()
        click.echo(f"Indexes ready: {', '.join(names)}")

    @app.cli.command("export", cls=NotesCommand)
    def export() -> None:
        """Write every note to stdout as JSON Lines (MongoDB Extended JSON)."""
        for doc in _repository().export():
            click.echo(dump_line(doc))

    @app.cli.command("import", cls=NotesCommand)
    @click.argument("file", type=click.File("rb"))
    def import_(file: IO[bytes]) -> None:
        """Restore notes written by export from FILE (- for stdin), keeping ids and times."""
        repository = _repository()
        try:
            count = import_notes(repository, file)
        except BadLine as error:
            raise InvalidInput(f"{file.name}: {error}; nothing was imported") from None
        except PartialImport as error:
            raise MinidbError(str(error)) from None
        except PyMongoError as error:
            raise MinidbError(f"import failed, nothing was imported: {_database_failure(error)}") from None
        click.echo(f"Imported {count} notes.")
