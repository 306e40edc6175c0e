"""What the to-do and contacts apps share: records kept by id, checked on the way in.

Each app's store subclasses :class:`RecordStore` and says how to read,
delete and list its records; the store then gets, deletes, exports and
streams them the same way in both apps. Each app's model checks an
imported record (a JSON object or a CSV row) with the readers below, which
raise InvalidInput (exit status 2) naming the field.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import contextmanager
from datetime import UTC, datetime

from minidb.db import connect, ensure_schema, load, parse
from minidb.errors import InvalidInput, NotFound, plural
from minidb.values import timestamp_from_json

TYPE_CHECKING = False  # not typing's: see minidb/db/engines/base.py
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Any, ClassVar, TypeVar

    from minidb.db import Database
    from minidb.db.queries import RowsQuery

    T = TypeVar("T")
    Store = TypeVar("Store", bound="RecordStore")
    #: A record as the CLIs print it and export writes it: the app's JSON object.
    Record = dict[str, Any]
else:
    Record = dict

#: The values a key can take on both engines (SQLite INTEGER, PostgreSQL bigint):
#: an id outside it names no record, and must not reach a driver, which would
#: fail (sqlite3: OverflowError) rather than find nothing.
KEY_RANGE = range(-(2**63), 2**63)


def now() -> datetime:
    return datetime.now(UTC)


# --- reading one imported record


@contextmanager
def record_at(where: str) -> Iterator[None]:
    """Name the record (``record 3``, ``line 4``, ``card 2``) in InvalidInput raised in the block."""
    try:
        yield
    except InvalidInput as error:
        raise InvalidInput(f"{where}: {error}") from None


def check_fields(record: Any, noun: str, fields: Iterable[str]) -> dict[str, Any]:
    """``record``, if it is an object holding no field but ``fields`` (and the ``id`` export writes)."""
    if not isinstance(record, dict):
        raise InvalidInput(f"expected a {noun} object")
    unknown = sorted(set(record) - set(fields) - {"id"})
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(unknown)}")
    return record


def string(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string")
    return value


def optional_string(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string or null")
    return value


def optional_timestamp(record: dict[str, Any], name: str) -> datetime | None:
    """An ISO 8601 timestamp with its offset, or None when the field is absent or null."""
    value = record.get(name)
    return None if value is None else timestamp_from_json(value, name)


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter), read as they come."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Change:
    """What ``edit``/``update`` changes: a field left at its default leaves that value as it is.

    Each app's change is a class of such fields that compares by value.
    """

    __slots__ = ()

    def is_empty(self) -> bool:
        return self == type(self)()


# --- the store


class RecordStore(ABC):
    """The records of one app in one database; each operation is one transaction.

    A command that names several ids changes all of them or, if one is
    unknown, none.
    """

    #: The app's folder in ``sql/`` and ``migrations/``.
    app: ClassVar[str]
    #: What one record is called in messages ("no task with id 7").
    noun: ClassVar[str]
    #: The field that names a record in messages ("Added task 7: Buy milk").
    title: ClassVar[str]

    def __init__(self, db: Database) -> None:
        self.db = db
        self.q = load(self.app, db.adapter)

    @staticmethod
    @abstractmethod
    def to_json(row: Any) -> Record:
        """The record of a row as the app's queries return it."""

    @abstractmethod
    def _read(self, conn: Any, record_id: int) -> Any:
        """The row with this id, or None."""

    @abstractmethod
    def _remove(self, conn: Any, record_id: int) -> None:
        """Delete the record with this id."""

    @abstractmethod
    def _every(self) -> RowsQuery:
        """The ``:many`` query of every record in id order, for export."""

    @classmethod
    def describe(cls, record: Record) -> str:
        """``task 7: Buy milk``."""
        return f"{cls.noun} {record['id']}: {record[cls.title]}"

    @classmethod
    def describe_count(cls, count: int) -> str:
        """``3 tasks``."""
        return plural(count, cls.noun)

    def get(self, record_id: int) -> Record:
        with self.db.transaction(write=False) as conn:
            return self._existing(conn, [record_id])[0]

    def delete(self, ids: list[int]) -> list[Record]:
        with self.db.transaction() as conn:
            records = self._existing(conn, ids)
            for record in records:
                self._remove(conn, record["id"])
            return records

    def export(self) -> Iterator[Record]:
        """Every record in id order, streamed inside one read transaction."""
        return self._stream(self._every())

    def _stream(self, query: RowsQuery, each: Callable[[Any], T] | None = None,
                **params: Any) -> Iterator[T]:
        """The rows of a ``:many`` query as records (or as ``each`` makes them),
        streamed inside one read transaction."""
        shape = each or self.to_json
        with self.db.transaction(write=False) as conn:
            for row in query.stream(conn, **params):
                yield shape(row)

    def _existing(self, conn: Any, ids: list[int]) -> list[Record]:
        """The records with these ids, or NotFound naming every missing id."""
        found = {}
        for record_id in ids:
            row = self._read(conn, record_id) if record_id in KEY_RANGE else None
            if row is not None:
                found[record_id] = self.to_json(row)
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise NotFound(f"no {self.noun} with id {', '.join(missing)}; nothing was changed")
        return [found[i] for i in ids]


# --- one command's store


class Settings:
    """What a command's options decided: the app, and the URL of its database."""

    __slots__ = ("app", "url")

    def __init__(self, app: str, url: str) -> None:
        self.app = app
        self.url = url


@contextmanager
def open_store(settings: Settings, store: Callable[[Database], Store]) -> Iterator[Store]:
    """``with open_store(settings, TaskList) as tasks:``: the app's records, open for one
    command: connected, the schema brought up to date, closed when the command ends."""
    with connect(parse(settings.url)) as db:
        ensure_schema(db, settings.app)
        yield store(db)


def unique_ids(ids: Iterable[int]) -> list[int]:
    """The ids in the order given, each once (``done 3 3`` is ``done 3``)."""
    return list(dict.fromkeys(ids))
