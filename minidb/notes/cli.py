"""Flask CLI commands: ``init-db``, ``export`` and ``import``.

Export writes one note per line in MongoDB Extended JSON (relaxed mode), so
ObjectIds and dates come back as themselves, not as strings; import reads
that format back and restores the documents exactly.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

import click
from bson import ObjectId, json_util
from bson.json_util import JSONOptions
from flask import Flask
from pymongo.errors import PyMongoError

from minidb.errors import InvalidInput, one_line
from minidb.imports import (
    Candidate,
    ImportPolicy,
    ImportRefused,
    Item,
    on_conflict_option,
    skip_invalid_option,
)
from minidb.notes import get_database
from minidb.notes.cursor import MAX_TIMESTAMP
from minidb.notes.importing import PartialImport, import_notes
from minidb.notes.model import ValidationError, validate_note
from minidb.notes.repository import NoteRepository

BATCH_SIZE = 500
_EPOCH_YEAR = 1970
_DUMP_OPTIONS = json_util.RELAXED_JSON_OPTIONS
_LOAD_OPTIONS: JSONOptions = json_util.RELAXED_JSON_OPTIONS.with_options(
    tz_aware=True, tzinfo=json_util.RELAXED_JSON_OPTIONS.tzinfo
)
_STORED_FIELDS = {"_id", "title", "content", "tags", "created_at", "updated_at", "version"}


class BadLine(Exception):
    def __init__(self, number: int, message: str) -> None:
        super().__init__(f"line {number}: {message}")


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _repository() -> NoteRepository:
    # The CLI's operations are not bounded by the per-request timeout.
    database = get_database()
    return NoteRepository(database.notes.collection, timeout=None)


def parse_line(number: int, line: str) -> dict[str, Any]:
    """One exported line back into a stored document, fully validated."""
    try:
        doc = json_util.loads(line, json_options=_LOAD_OPTIONS)
    except (ValueError, TypeError) as error:
        raise BadLine(number, f"not Extended JSON: {error}") from None
    if not isinstance(doc, dict):
        raise BadLine(number, "not a JSON object")
    unknown = sorted(set(doc) - _STORED_FIELDS)
    if unknown:
        raise BadLine(number, f"unknown field(s): {', '.join(unknown)}")
    if not isinstance(doc.get("_id"), ObjectId):
        raise BadLine(number, '_id must be an ObjectId ({"$oid": "<24 hex digits>"})')
    for name in ("created_at", "updated_at"):
        value = doc.get(name)
        if not isinstance(value, datetime):
            raise BadLine(number, f'{name} must be a date ({{"$date": ...}})')
        # The list cursor encodes times from 1970 on.
        if value.year < _EPOCH_YEAR or value > MAX_TIMESTAMP:
            raise BadLine(number, f"{name} must be from 1970 on")
        if value.microsecond % 1000:
            raise BadLine(number, f"{name} has sub-millisecond precision BSON cannot store")
    version = doc.get("version")
    if type(version) is not int or version < 1:
        raise BadLine(number, "version must be a positive integer")
    try:
        fields = validate_note({k: doc[k] for k in ("title", "content", "tags") if k in doc})
    except ValidationError as error:
        raise BadLine(number, str(error)) from None
    return {
        "_id": doc["_id"],
        **fields,
        "created_at": doc["created_at"],
        "updated_at": doc["updated_at"],
        "version": version,
    }


def _candidates(source: IO[str]) -> Iterator[Candidate]:
    """The non-blank lines of an export, as ``line N`` items."""
    for number, line in enumerate(source, start=1):
        if line.strip():
            yield Item(f"line {number}", (number, line))


def _validate(item: Item[tuple[int, str]]) -> dict[str, Any]:
    try:
        return parse_line(*item.value)
    except BadLine as error:
        raise InvalidInput(str(error)) from None


def _refuse(name: str, error: ImportRefused) -> None:
    """The Error: line, then one line per bad record or conflict."""
    click.echo(f"Error: {name}: {one_line(str(error))}", err=True)
    for line in error.details:
        click.echo(one_line(line), err=True)
    sys.exit(error.exit_code)


def register_commands(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create the notes indexes (safe to run again)."""
        try:
            names = _repository().ensure_indexes()
        except PyMongoError as error:
            _fail(f"cannot create indexes: {error}", 1)
        click.echo(f"Indexes ready: {', '.join(names)}")

    @app.cli.command("export")
    def export() -> None:
        """Write every note to stdout as JSON Lines (MongoDB Extended JSON)."""
        try:
            for doc in _repository().export():
                click.echo(json_util.dumps(doc, json_options=_DUMP_OPTIONS))
        except PyMongoError as error:
            _fail(f"export failed: {error}", 1)

    @app.cli.command("import")
    @click.argument("file", type=click.File("r", encoding="utf-8"))
    @on_conflict_option(help="A note whose _id is already stored or repeats an earlier line: "
                        "fail (import nothing, name them all) or skip it.")
    @skip_invalid_option
    def import_(file: IO[str], on_conflict: str, skip_invalid: bool) -> None:
        """Restore notes written by export from FILE (- for stdin), keeping ids and times.

        By default all or nothing: a bad line or an _id already stored
        imports nothing, and the error names every one of them.
        """
        policy = ImportPolicy(on_conflict=on_conflict, skip_invalid=skip_invalid)
        try:
            run = import_notes(_repository(), _candidates(file), _validate, policy, BATCH_SIZE)
        except ImportRefused as error:
            _refuse(file.name, error)
        except InvalidInput as error:  # the file as a whole
            _fail(f"{file.name}: {one_line(str(error))}; nothing was imported", 2)
        except UnicodeDecodeError as error:
            _fail(f"{file.name}: not UTF-8 text ({error}); nothing was imported", 2)
        except PartialImport as error:
            _fail(str(error), 1)
        except PyMongoError as error:
            _fail(f"import failed, nothing was imported: {error}", 1)
        click.echo(run.summary())
