"""Schemas are owned by yoyo migrations under ``migrations/<app>/<engine>/``.

Every command calls :func:`ensure_schema`. When the schema is current that
costs one directory listing and one small query: yoyo (and its imports) are
loaded only when something is pending.

Concurrent first runs are serialised by a lock the operating system or the
server releases if the process dies (``flock`` on a file beside the SQLite
database, a session advisory lock on PostgreSQL). Holding it, we know no
other process is migrating, so a ``yoyo_lock`` row left behind by a killed
migration is stale and can be broken safely.

Migration ids are the file names; yoyo keeps one process-wide registry of
them, so each engine's files carry the engine in their names. They start
with the app's name, so an applied ``<app>_...`` id that this minidb does
not ship means a newer minidb upgraded the schema: every command refuses
such a database rather than fail on a column it does not know.

On PostgreSQL yoyo is handed the connection minidb opened, never a URL:
yoyo parses URLs itself and cannot read multi-host URLs, services or
keyword/value strings, which libpq (and so minidb) takes.
"""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from minidb.db.connection import READ_ONLY_SQLSTATE, Database, read_only_error, register_sqlite_types
from minidb.db.queries import load
from minidb.distribution import package_folder
from minidb.errors import MinidbError

MIGRATIONS_ROOT = package_folder("migrations")
ENGINES = ("sqlite", "postgresql")
INSUFFICIENT_PRIVILEGE_SQLSTATE = "42501"
DUPLICATE_TABLE_SQLSTATE = "42P07"


class SchemaTooNew(MinidbError):
    """The database holds migrations of this app that this minidb does not know."""


class SchemaNotCreated(MinidbError):
    """The server refused to create or upgrade the schema (e.g. no CREATE privilege)."""


def migrations_dir(app: str, engine: str) -> Path:
    return MIGRATIONS_ROOT / app / engine


def available(app: str, engine: str) -> list[str]:
    """Migration ids shipped for ``app`` on ``engine``, in order."""
    return sorted(
        p.name.removesuffix(".sql")
        for p in migrations_dir(app, engine).glob("*.sql")
        if not p.name.endswith(".rollback.sql")
    )


def applied(db: Database) -> set[str]:
    """Migration ids yoyo has recorded as applied (none on a new database)."""
    queries = load("core", db.engine)
    try:
        with db.transaction(write=False):
            return {row["migration_id"] for row in queries.applied_migrations(db.conn)}
    except Exception as error:
        if _is_missing_table(error):
            return set()
        raise


def unknown(app: str, done: set[str]) -> list[str]:
    """The applied migrations of ``app`` that this minidb does not ship (for any engine)."""
    shipped = {m for engine in ENGINES for m in available(app, engine)}
    return sorted(m for m in done if m.startswith(f"{app}_") and m not in shipped)


def pending(db: Database, app: str) -> list[str]:
    """Migrations still to apply; SchemaTooNew if a newer minidb has upgraded the database."""
    done = applied(db)
    newer = unknown(app, done)
    if newer:
        raise SchemaTooNew(
            f"this database was upgraded by a newer minidb (migrations {', '.join(newer)}); "
            f"use that version or a newer one ({db.url})"
        )
    return [m for m in available(app, db.engine) if m not in done]


def ensure_schema(db: Database, app: str) -> list[str]:
    """Apply pending migrations, if any; return the ids applied."""
    if not pending(db, app):
        return []
    return migrate(db, app)


def migrate(db: Database, app: str) -> list[str]:
    """Apply every pending migration under the cross-process migration lock."""
    from yoyo import read_migrations  # costly import: only when needed

    with _migration_lock(db, app), _server_refusals(db):
        todo = pending(db, app)  # another process may have migrated while we waited
        if not todo:
            return []
        with yoyo_backend(db) as backend:
            backend.break_lock()  # we hold the real lock: any yoyo_lock row is stale
            migrations = read_migrations(str(migrations_dir(app, db.engine)))
            with backend.lock():
                backend.apply_migrations(backend.to_apply(migrations))
        return todo


def rollback(db: Database, app: str, count: int = 1) -> list[str]:
    """Roll back the last ``count`` applied migrations; return their ids."""
    from yoyo import read_migrations

    with _migration_lock(db, app), _server_refusals(db), yoyo_backend(db) as backend:
        backend.break_lock()
        migrations = read_migrations(str(migrations_dir(app, db.engine)))
        chosen = backend.to_rollback(migrations)[:count]
        with backend.lock():
            backend.rollback_migrations(chosen)
        return [m.id for m in chosen]


@contextmanager
def yoyo_backend(db: Database) -> Iterator[Any]:
    """A yoyo backend for ``db``: its own SQLite file, or ``db``'s PostgreSQL connection."""
    if db.engine == "sqlite":
        from yoyo import get_backend

        try:
            with get_backend(db.url.yoyo_uri) as backend:
                yield backend
        finally:
            register_sqlite_types()
        return
    from psycopg.rows import tuple_row

    saved = db.conn.row_factory
    db.conn.row_factory = tuple_row  # yoyo reads rows by position
    try:
        backend = _connection_backend_class()(db)
        backend.init_database()
        yield backend
    finally:
        db.conn.row_factory = saved


_connection_backend: type | None = None


def _connection_backend_class() -> type:
    """yoyo's psycopg 3 backend, on a connection it is given and does not close."""
    global _connection_backend
    if _connection_backend is not None:
        return _connection_backend
    from yoyo.backends.core.postgresql import PostgresqlPsycopgBackend
    from yoyo.connections import DatabaseURI
    from yoyo.migrations import default_migration_table

    class GivenConnectionBackend(PostgresqlPsycopgBackend):
        def __init__(self, db: Database) -> None:
            self._db = db
            # yoyo reads only the database name of it (and the connection we give it)
            uri = DatabaseURI("postgresql+psycopg", None, None, None, None,
                              db.conn.info.dbname, {})
            super().__init__(uri, default_migration_table)

        def connect(self, dburi: object) -> Any:
            return self._db.conn

        def copy(self) -> GivenConnectionBackend:
            # yoyo runs each migration on a "copy" with a connection of its
            # own; the same connection serves, as nothing else is in a
            # transaction on it meanwhile, and a second connection to a
            # multi-host URL could reach another server.
            return type(self)(self._db)

        def __exit__(self, *exc: object) -> None:
            """The connection belongs to the caller, who closes it."""

        def create_lock_table(self) -> None:
            # yoyo ignores every error here, so a role that may not create
            # tables failed later with 'relation "yoyo_lock" does not exist'.
            try:
                with self.transaction():
                    self.execute(self.format_sql(self.create_lock_table_sql))
            except self.DatabaseError as error:
                if getattr(error, "sqlstate", None) != DUPLICATE_TABLE_SQLSTATE:
                    raise

    _connection_backend = GivenConnectionBackend
    return _connection_backend


@contextmanager
def _server_refusals(db: Database) -> Iterator[None]:
    """The server's reason when it refuses to change the schema, as a one-line failure."""
    try:
        yield
    except Exception as error:
        sqlstate = getattr(error, "sqlstate", None)
        if sqlstate == READ_ONLY_SQLSTATE:
            raise read_only_error(db) from None
        if sqlstate == INSUFFICIENT_PRIVILEGE_SQLSTATE:
            reason = db.url.scrub(str(error).strip().splitlines()[0])
            raise SchemaNotCreated(
                f"cannot create or upgrade the schema of {db.url}: {reason} (the role needs "
                "CREATE on the schema, or to own the database: see the README)"
            ) from None
        raise


@contextmanager
def _migration_lock(db: Database, app: str) -> Iterator[None]:
    if db.engine == "sqlite":
        path = db.url.path or ""
        if path == ":memory:":
            yield
            return
        with open(f"{path}.migrate-lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    # A stable number per app for pg_advisory_lock; crc32 rather than a
    # cryptographic hash because hashlib alone costs 2 ms of CLI start-up.
    key = zlib.crc32(f"minidb:{app}".encode())
    queries = load("core", db.engine)
    queries.lock_migrations(db.conn, key=key)
    try:
        yield
    finally:
        queries.unlock_migrations(db.conn, key=key)


def _is_missing_table(error: Exception) -> bool:
    message = str(error).lower()
    return "no such table" in message or (
        "does not exist" in message and "_yoyo_migration" in message
    )


__all__ = ["SchemaNotCreated", "SchemaTooNew", "applied", "available", "ensure_schema", "migrate",
           "pending", "rollback", "unknown", "yoyo_backend"]
