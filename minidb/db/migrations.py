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
them, so each engine's files carry the engine in their names.
"""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from minidb.db.connection import Database, register_sqlite_types
from minidb.db.queries import load
from minidb.distribution import package_folder

MIGRATIONS_ROOT = package_folder("migrations")


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


def pending(db: Database, app: str) -> list[str]:
    done = applied(db)
    return [m for m in available(app, db.engine) if m not in done]


def ensure_schema(db: Database, app: str) -> list[str]:
    """Apply pending migrations, if any; return the ids applied."""
    if not pending(db, app):
        return []
    return migrate(db, app)


def migrate(db: Database, app: str) -> list[str]:
    """Apply every pending migration under the cross-process migration lock."""
    from yoyo import get_backend, read_migrations  # costly import: only when needed

    with _migration_lock(db, app):
        todo = pending(db, app)  # another process may have migrated while we waited
        if not todo:
            return []
        with get_backend(db.url.yoyo_uri) as backend:
            backend.break_lock()  # we hold the real lock: any yoyo_lock row is stale
            migrations = read_migrations(str(migrations_dir(app, db.engine)))
            with backend.lock():
                backend.apply_migrations(backend.to_apply(migrations))
        register_sqlite_types()
        return todo


def rollback(db: Database, app: str, count: int = 1) -> list[str]:
    """Roll back the last ``count`` applied migrations; return their ids."""
    from yoyo import get_backend, read_migrations

    with _migration_lock(db, app), get_backend(db.url.yoyo_uri) as backend:
        backend.break_lock()
        migrations = read_migrations(str(migrations_dir(app, db.engine)))
        chosen = backend.to_rollback(migrations)[:count]
        with backend.lock():
            backend.rollback_migrations(chosen)
        register_sqlite_types()
        return [m.id for m in chosen]


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


__all__ = ["applied", "available", "ensure_schema", "migrate", "pending", "rollback"]
