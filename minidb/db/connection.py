"""One place that turns a database URL into a ready connection.

The engine's adapter (:mod:`minidb.db.engines`) opens it and knows its
driver's ways; either way rows are mappings (``row["id"]``) and the caller
owns the transaction: ``with db.transaction(): ...``.
"""

from __future__ import annotations

from minidb.db.engines import engine_named

TYPE_CHECKING = False  # not typing's: see minidb/db/engines/base.py
if TYPE_CHECKING:
    import sqlite3
    from contextlib import AbstractContextManager
    from typing import Any

    import psycopg

    from minidb.db.engines import Engine
    from minidb.db.urls import DatabaseURL


class Database:
    """An open connection and the adapter of the engine it speaks."""

    __slots__ = ("adapter", "conn", "url")

    def __init__(self, url: DatabaseURL, conn: sqlite3.Connection | psycopg.Connection[Any],
                 adapter: Engine) -> None:
        self.url = url
        self.conn = conn
        self.adapter = adapter

    def __repr__(self) -> str:
        return f"Database({self.url!r})"

    @property
    def engine(self) -> str:
        """The engine's name, as in URLs and in the ``sql/`` and ``migrations/`` folders."""
        return self.adapter.name

    def transaction(self, write: bool = True) -> AbstractContextManager[Any]:
        """Run a block in one transaction: commit on success, roll back on error.

        ``write=False`` for a block that only reads: SQLite then takes no
        write lock, and a standby serves it.
        """
        return self.adapter.transaction(self, write)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(url: DatabaseURL) -> Database:
    """Open ``url``; raise DatabaseUnavailable with a password-free message."""
    adapter = engine_named(url.engine)
    return Database(url, adapter.connect(url), adapter)
