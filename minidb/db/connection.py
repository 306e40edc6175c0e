"""One place that turns a database URL into a ready connection.

The engine's adapter (:mod:`minidb.db.engines`) opens it and knows its
driver's ways; either way rows are mappings (``row["id"]``) and the caller
owns the transaction: ``with db.transaction(): ...``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from minidb.db.engines import Engine, engine_named
from minidb.db.urls import DatabaseURL

if TYPE_CHECKING:
    import sqlite3

    import psycopg


@dataclass
class Database:
    """An open connection and the adapter of the engine it speaks."""

    url: DatabaseURL
    conn: sqlite3.Connection | psycopg.Connection[Any]
    adapter: Engine

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
