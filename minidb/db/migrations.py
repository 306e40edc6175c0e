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

import os
from contextlib import contextmanager

from minidb.db.engines import ENGINE_NAMES
from minidb.db.queries import load
from minidb.distribution import package_folder
from minidb.errors import MinidbError

TYPE_CHECKING = False  # not typing's: see minidb/db/engines/base.py
if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextlib import AbstractContextManager
    from typing import Any

    from minidb.db.connection import Database

MIGRATIONS_ROOT = package_folder("migrations")


class SchemaTooNew(MinidbError):
    """The database holds migrations of this app that this minidb does not know."""


class SchemaNotCreated(MinidbError):
    """The server refused to create or upgrade the schema (e.g. no CREATE privilege)."""


def migrations_dir(app: str, engine: str) -> str:
    return os.path.join(MIGRATIONS_ROOT, app, engine)


def available(app: str, engine: str) -> list[str]:
    """Migration ids shipped for ``app`` on ``engine``, in order."""
    try:
        names = os.listdir(migrations_dir(app, engine))
    except FileNotFoundError:
        return []
    return sorted(name.removesuffix(".sql") for name in names
                  if name.endswith(".sql") and not name.endswith(".rollback.sql")
                  and not name.startswith("."))


def applied(db: Database) -> set[str]:
    """Migration ids yoyo has recorded as applied (none on a new database)."""
    queries = load("core", db.adapter)
    try:
        with db.transaction(write=False):
            return {row["migration_id"] for row in queries.applied_migrations(db.conn)}
    except Exception as error:
        if db.adapter.is_missing_table(error):
            return set()
        raise


def unknown(app: str, done: set[str], shipped: dict[str, list[str]]) -> list[str]:
    """The applied migrations of ``app`` that this minidb does not ship for any engine
    (``shipped``: each engine's ids, as :func:`available` lists them)."""
    known = {m for ids in shipped.values() for m in ids}
    return sorted(m for m in done if m.startswith(f"{app}_") and m not in known)


def pending(db: Database, app: str) -> list[str]:
    """Migrations still to apply; SchemaTooNew if a newer minidb has upgraded the database."""
    done = applied(db)
    # Every command asks this: each engine's folder is read once.
    shipped = {engine: available(app, engine) for engine in ENGINE_NAMES}
    newer = unknown(app, done, shipped)
    if newer:
        raise SchemaTooNew(
            f"this database was upgraded by a newer minidb (migrations {', '.join(newer)}); "
            f"use that version or a newer one ({db.url})"
        )
    return [m for m in shipped[db.engine] if m not in done]


def ensure_schema(db: Database, app: str) -> list[str]:
    """Apply pending migrations, if any; return the ids applied."""
    if not pending(db, app):
        return []
    return migrate(db, app)


def migrate(db: Database, app: str) -> list[str]:
    """Apply every pending migration under the cross-process migration lock."""
    from yoyo import read_migrations  # costly import: only when needed

    with db.adapter.migration_lock(db, app), _server_refusals(db):
        todo = pending(db, app)  # another process may have migrated while we waited
        if not todo:
            return []
        with yoyo_backend(db) as backend:
            backend.break_lock()  # we hold the real lock: any yoyo_lock row is stale
            migrations = read_migrations(migrations_dir(app, db.engine))
            with backend.lock():
                backend.apply_migrations(backend.to_apply(migrations))
        return todo


def rollback(db: Database, app: str, count: int = 1) -> list[str]:
    """Roll back the last ``count`` applied migrations; return their ids."""
    from yoyo import read_migrations

    with db.adapter.migration_lock(db, app), _server_refusals(db), yoyo_backend(db) as backend:
        backend.break_lock()
        migrations = read_migrations(migrations_dir(app, db.engine))
        chosen = backend.to_rollback(migrations)[:count]
        with backend.lock():
            backend.rollback_migrations(chosen)
        return [m.id for m in chosen]


def yoyo_backend(db: Database) -> AbstractContextManager[Any]:
    """A yoyo backend for ``db``: its own SQLite file, or ``db``'s PostgreSQL connection."""
    return db.adapter.yoyo_backend(db)


@contextmanager
def _server_refusals(db: Database) -> Iterator[None]:
    """The server's reason when it refuses to change the schema, as a one-line failure."""
    try:
        yield
    except Exception as error:
        read_only = db.adapter.read_only_failure(db, error)
        if read_only is not None:
            raise read_only from None
        if db.adapter.is_permission_denied(error):
            reason = db.url.scrub(str(error).strip().splitlines()[0])
            raise SchemaNotCreated(
                f"cannot create or upgrade the schema of {db.url}: {reason} (the role needs "
                "CREATE on the schema, or to own the database: see the README)"
            ) from None
        raise


__all__ = ["SchemaNotCreated", "SchemaTooNew", "applied", "available", "ensure_schema", "migrate",
           "pending", "rollback", "unknown", "yoyo_backend"]
