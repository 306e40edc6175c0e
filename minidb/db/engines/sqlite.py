"""SQLite through the standard library's ``sqlite3``.

Foreign keys on, WAL journal, a busy timeout so concurrent writers wait
instead of failing, write transactions begun IMMEDIATE so two writers never
deadlock upgrading a read lock, and timestamps stored as fixed-width ISO
8601 UTC text that reads back as the same aware datetime. The files it
creates are the owner's alone: they hold people's data.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from datetime import UTC, date, datetime

from minidb.db.engines.base import Engine
from minidb.errors import DatabaseUnavailable

TYPE_CHECKING = False  # not typing's: see minidb/db/engines/base.py
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from typing import Any

    from minidb.db.connection import Database
    from minidb.db.engines.base import UniqueKey
    from minidb.db.urls import DatabaseURL

BUSY_TIMEOUT_SECONDS = 30
MEMORY = ":memory:"
_UNIQUE_FAILED = "UNIQUE constraint failed: "


def _adapt_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime: store timestamps as aware UTC datetimes")
    # Not strftime: glibc's %Y writes year 999 as '999', which fromisoformat refuses.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _convert_timestamp(raw: bytes) -> datetime:
    text = raw.decode()
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        # Years before 1000 as older minidb wrote them ('999-01-01T…'): still readable.
        year, _, rest = text.partition("-")
        return datetime.fromisoformat(f"{year:0>4}-{rest}").astimezone(UTC)


def register_types() -> None:
    """Columns declared TIMESTAMP or DATE come back as datetime/date, as from PostgreSQL.

    sqlite3 keeps these tables process-wide, and yoyo's SQLite backend
    replaces them while it migrates without restoring them, so the yoyo
    backend calls this again afterwards.
    """
    sqlite3.register_adapter(datetime, _adapt_datetime)
    sqlite3.register_adapter(date, date.isoformat)
    sqlite3.register_converter("TIMESTAMP", _convert_timestamp)
    sqlite3.register_converter("DATE", lambda raw: date.fromisoformat(raw.decode()))


register_types()


@contextmanager
def _private_files() -> Iterator[None]:
    """Files created in the block (the database file) are readable by their owner alone.

    SQLite gives the -wal and -shm files it creates later the database
    file's own mode, so the database file is the one that matters.
    """
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


#: The page cache of a connection that writes many rows (see prepare_bulk_write).
BULK_WRITE_CACHE_KIB = 64 * 1024


class SQLiteEngine(Engine):
    name = "sqlite"

    def connect(self, url: DatabaseURL) -> sqlite3.Connection:
        path = url.path or ""
        directory = os.path.dirname(path) or "."
        if path != MEMORY and not os.path.isdir(directory):
            raise DatabaseUnavailable(f"cannot open {url}: directory {directory} does not exist")
        try:
            with _private_files():
                conn = sqlite3.connect(
                    path,
                    timeout=BUSY_TIMEOUT_SECONDS,
                    detect_types=sqlite3.PARSE_DECLTYPES,
                    isolation_level=None,  # transactions are explicit: see transaction()
                    check_same_thread=False,
                )
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA foreign_keys = ON")
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as error:
            raise DatabaseUnavailable(f"cannot open {url}: {error}") from None
        return conn

    @contextmanager
    def transaction(self, db: Database, write: bool) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock at once: two writers that both began
        # by reading would otherwise deadlock, each waiting to upgrade.
        db.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield db.conn
        except BaseException:
            db.conn.rollback()
            raise
        db.conn.commit()

    def render(self, parts: Sequence[str]) -> str:
        # sqlite3 takes :name parameters as they are written.
        return "".join(part if i % 2 == 0 else f":{part}" for i, part in enumerate(parts))

    @staticmethod
    def scalar(cursor: sqlite3.Cursor) -> Any:
        row = cursor.fetchone()
        return None if row is None else row[0]

    def run_many(self, conn: sqlite3.Connection, sql: str, batch: list[Mapping[str, Any]],
                 fetch: Callable[[Any], Any], returning: bool) -> list[Any]:
        # In-process: a round trip costs nothing, but a Python call per row does.
        # Statements that return nothing run in one executemany, the loop in C:
        # that is what keeps an import of 100,000 tasks, and the index on each
        # task's uid, within the time it took before uids.
        if not returning:
            conn.executemany(sql, batch)
            return [None] * len(batch)
        return [fetch(conn.execute(sql, params)) for params in batch]

    def prepare_bulk_write(self, conn: sqlite3.Connection) -> None:
        # SQLite's page cache is the process's, 2 MB by default: an import that
        # inserts into the unique uid index at random pages misses it on nearly
        # every row. Up to 64 MB (used only as pages are read, and for this
        # connection only, which ends with the command) makes 100,000 inserts
        # about a third cheaper.
        conn.execute(f"PRAGMA cache_size = -{BULK_WRITE_CACHE_KIB}")

    def stream(self, conn: sqlite3.Connection, sql: str, params: Mapping[str, Any],
               batch_size: int, name: str) -> Iterator[Any]:
        cursor = conn.execute(sql, params)
        while rows := cursor.fetchmany(batch_size):
            yield from rows

    @contextmanager
    def migration_lock(self, db: Database, app: str) -> Iterator[None]:
        # flock on a file beside the database: the kernel drops it if we die.
        import fcntl  # only here: every command would pay for it otherwise

        path = db.url.path or ""
        if path == MEMORY:
            yield
            return
        descriptor = os.open(f"{path}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            os.close(descriptor)

    @contextmanager
    def yoyo_backend(self, db: Database) -> Iterator[Any]:
        from urllib.parse import quote

        from yoyo import get_backend

        try:
            with get_backend("sqlite:///" + quote(db.url.path or "", safe="/:")) as backend:
                yield backend
        finally:
            register_types()

    def owns(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.Error)

    def is_missing_table(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.OperationalError) and "no such table" in str(error).lower()

    def violates(self, error: BaseException, key: UniqueKey) -> bool:
        # SQLite names the columns, never the constraint: "UNIQUE constraint failed: t.a, t.b".
        columns = ", ".join(f"{key.table}.{column}" for column in key.columns)
        return isinstance(error, sqlite3.IntegrityError) and str(error) == _UNIQUE_FAILED + columns
