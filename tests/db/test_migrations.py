"""yoyo migrations: applied on first use, cheap when current, reversible, lock-safe."""

from __future__ import annotations

import pytest

from minidb.db import connect, ensure_schema, parse
from minidb.db.migrations import applied, available, migrate, pending, rollback, yoyo_backend

APPS = ("todo", "contacts")


@pytest.mark.parametrize("app", APPS)
def test_a_new_database_is_migrated_once(new_database, app: str) -> None:
    with connect(parse(new_database(app, migrated=False))) as db:
        assert pending(db, app) == available(app, db.engine)
        assert ensure_schema(db, app) == available(app, db.engine)
        assert ensure_schema(db, app) == []
        assert applied(db) == set(available(app, db.engine))


@pytest.mark.parametrize("app", APPS)
def test_every_migration_rolls_back_and_reapplies(new_database, app: str) -> None:
    with connect(parse(new_database(app))) as db:
        shipped = available(app, db.engine)
        assert rollback(db, app, count=len(shipped)) == list(reversed(shipped))
        assert pending(db, app) == shipped
        assert migrate(db, app) == shipped


def test_migration_ids_are_unique_across_engines_and_apps() -> None:
    ids = [m for app in APPS for engine in ("sqlite", "postgresql") for m in available(app, engine)]
    assert len(ids) == len(set(ids))


def test_a_stale_yoyo_lock_left_by_a_killed_migration_is_broken(new_database) -> None:
    """A process killed mid-migration leaves a yoyo_lock row; the next run recovers."""
    url = new_database("todo", migrated=False)
    with connect(parse(url)) as db:
        with yoyo_backend(db) as backend, backend.transaction():
            backend.execute("INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, :t, 999999)",
                            {"t": "2026-01-01 00:00:00"})
        assert ensure_schema(db, "todo") == available("todo", db.engine)
