"""One place that turns a database URL into a ready connection.

SQLite: foreign keys on, WAL journal, a busy timeout so concurrent writers
wait instead of failing, write transactions begun IMMEDIATE so two writers
never deadlock upgrading a read lock, and timestamps stored as fixed-width
ISO 8601 UTC text that reads back as the same aware datetime.

PostgreSQL: psycopg 3 with a connect timeout, rows as dicts, on whichever
server of a multi-host URL libpq picks. A write refused because that server
is read-only (a standby) is reported as such, not as the driver's
"cannot execute INSERT in a read-only transaction".

Either way rows are mappings (``row["id"]``) and the caller owns the
transaction: ``with db.transaction(): ...``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from minidb.db.urls import DatabaseURL
from minidb.errors import MinidbError

SQLITE_BUSY_TIMEOUT_SECONDS = 30


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or opened; the message is safe to show."""


class ReadOnlyDatabase(MinidbError):
    """A write reached a server that takes none (a standby); exit status 1."""


READ_ONLY_SQLSTATE = "25006"  # read_only_sql_transaction


def read_only_error(db: Database) -> ReadOnlyDatabase:
    """The failure to report when ``db``'s server refused a write as read-only."""
    info = db.conn.info
    server = f"{info.host} port {info.port}" if info.host.startswith("/") else f"{info.host}:{info.port}"
    return ReadOnlyDatabase(
        f"the database server {server} is read-only (a standby?), so nothing was changed: "
        f"writes need the primary; name every node in the URL with "
        f"target_session_attrs=read-write ({db.url})"
    )


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


def register_sqlite_types() -> None:
    """Columns declared TIMESTAMP or DATE come back as datetime/date, as from PostgreSQL.

    sqlite3 keeps these tables process-wide, and yoyo's SQLite backend
    replaces them while it migrates without restoring them, so migrations
    call this again afterwards.
    """
    sqlite3.register_adapter(datetime, _adapt_datetime)
    sqlite3.register_adapter(date, date.isoformat)
    sqlite3.register_converter("TIMESTAMP", _convert_timestamp)
    sqlite3.register_converter("DATE", lambda raw: date.fromisoformat(raw.decode()))


register_sqlite_types()


@dataclass
class Database:
    """An open connection and the engine it speaks."""

    url: DatabaseURL
    conn: Any  # sqlite3.Connection | psycopg.Connection

    @property
    def engine(self) -> str:
        return self.url.engine

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Any]:
        """Run a block in one transaction: commit on success, roll back on error."""
        if self.engine == "sqlite":
            self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield self.conn
            except BaseException:
                self.conn.rollback()
                raise
            self.conn.commit()
        else:
            try:
                with self.conn.transaction():
                    yield self.conn
            except Exception as error:
                if getattr(error, "sqlstate", None) == READ_ONLY_SQLSTATE:
                    raise read_only_error(self) from None
                raise

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(url: DatabaseURL) -> Database:
    """Open ``url``; raise DatabaseUnavailable with a password-free message."""
    if url.engine == "sqlite":
        return Database(url, _connect_sqlite(url))
    return Database(url, _connect_postgresql(url))


def _connect_sqlite(url: DatabaseURL) -> sqlite3.Connection:
    path = url.path or ""
    if path != ":memory:" and not Path(path).parent.is_dir():
        raise DatabaseUnavailable(f"cannot open {url}: directory {Path(path).parent} does not exist")
    try:
        conn = sqlite3.connect(
            path,
            timeout=SQLITE_BUSY_TIMEOUT_SECONDS,
            detect_types=sqlite3.PARSE_DECLTYPES,
            isolation_level=None,  # transactions are explicit: see Database.transaction
            check_same_thread=False,
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as error:
        raise DatabaseUnavailable(f"cannot open {url}: {error}") from None
    return conn


def _connect_postgresql(url: DatabaseURL) -> Any:
    import logging

    import psycopg  # imported here so SQLite users never pay for it
    from psycopg.rows import dict_row

    # psycopg logs what it ignores while cleaning up after a lost connection
    # ("error ignored terminating <psycopg.Pipeline [BAD]>"); unconfigured,
    # Python prints that on stderr ahead of the one Error: line that the
    # exception itself becomes.
    logging.getLogger("psycopg").addHandler(logging.NullHandler())

    try:
        return psycopg.connect(url.conninfo, autocommit=True, row_factory=dict_row)
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DatabaseUnavailable(f"cannot connect to {url}: {url.scrub(reason)}") from None
