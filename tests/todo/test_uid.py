"""Every task has a stable uid: made at creation, unique, kept by export and import,
and given to the tasks of a database an older minidb made when it is upgraded."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest

from minidb.db import connect, ensure_schema, load, parse
from minidb.db.migrations import applied, available, migrations_dir, yoyo_backend
from minidb.search import search_key

SQL = Path(__file__).parent / "sql"
INTEGRITY_ERRORS = (sqlite3.IntegrityError, psycopg.IntegrityError)


def is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def first_migration_only(url: str) -> None:
    """The database as the first to-do migration left it: the schema before uids."""
    from yoyo import read_migrations

    with connect(parse(url)) as db, yoyo_backend(db) as backend:
        migrations = read_migrations(str(migrations_dir("todo", db.engine)))
        first = migrations.filter(lambda m: m.id.endswith("_0001_initial"))
        assert len(first) == 1
        with backend.lock():
            backend.apply_migrations(backend.to_apply(first))


def old_rows(count: int) -> list[dict]:
    return [{
        "description": f"Old task {n} ünïcode",
        "search_key": search_key(f"Old task {n} ünïcode"),
        "completed": n % 3 == 0,
        "priority": ("high", "medium", "low", None)[n % 4],
        "due": date(2026, 12, 1 + n % 28) if n % 2 else None,
        "created_at": datetime(2026, 1, 1, 12, 0, n % 60, n, tzinfo=UTC),
        "completed_at": datetime(2026, 2, 1, tzinfo=UTC) if n % 3 == 0 else None,
    } for n in range(count)]


def test_upgrading_a_populated_database_keeps_every_row_and_gives_each_a_distinct_uid(
        new_database) -> None:
    url = new_database("todo", migrated=False)
    first_migration_only(url)
    with connect(parse(url)) as db:
        old = load("before_uid", db.engine, root=SQL)
        assert applied(db) == {m for m in available("todo", db.engine) if m.endswith("_0001_initial")}
        with db.transaction() as conn:
            ids = old.insert_task.many(conn, old_rows(1500))
            old.insert_tag.many(conn, [{"name": "home"}, {"name": "work"}])
            old.link_tag.many(conn, [{"task_id": i, "name": name} for i in ids[::7]
                                            for name in ("home", "work")])
        with db.transaction() as conn:
            before = [dict(row) for row in old.all_tasks(conn)]

        assert ensure_schema(db, "todo") == [m for m in available("todo", db.engine)
                                             if not m.endswith("_0001_initial")]

        with db.transaction() as conn:
            after = [dict(row) for row in load("todo", db.engine).all_tasks(conn)]
    assert len(after) == len(before) == 1500
    uids = [str(row.pop("uid")) for row in after]
    assert after == before  # every row, every field, every tag kept
    assert all(is_uuid(u) and uuid.UUID(u).version == 4 for u in uids)
    assert len(set(uids)) == len(uids)


def test_an_upgraded_database_goes_on_working(new_database, todo) -> None:
    url = new_database("todo", migrated=False)
    first_migration_only(url)
    with connect(parse(url)) as db:
        old = load("before_uid", db.engine, root=SQL)
        with db.transaction() as conn:
            old.insert_task.many(conn, old_rows(2))
    # The first command upgrades it; the old tasks export with their new uids.
    assert todo("add", "new", db=url).exit_code == 0
    tasks = json.loads(todo("export", db=url).stdout)
    assert [t["description"] for t in tasks] == ["Old task 0 ünïcode", "Old task 1 ünïcode", "new"]
    assert len({t["uid"] for t in tasks}) == 3 and all(is_uuid(t["uid"]) for t in tasks)


def test_the_schema_refuses_a_task_without_a_uid_or_with_a_repeated_one(todo_url) -> None:
    with connect(parse(todo_url)) as db:
        q = load("uid_rules", db.engine, root=SQL)
        uid = str(uuid.uuid4())
        with db.transaction() as conn:
            q.insert_task_with_uid(conn, uid=uid)
        for attempt in (
            lambda conn: q.insert_task_with_uid(conn, uid=uid),
            lambda conn: q.insert_task_without_uid(conn),
            lambda conn: q.clear_uid(conn, id=1),
        ):
            with pytest.raises(INTEGRITY_ERRORS), db.transaction() as conn:
                attempt(conn)
        with db.transaction() as conn:
            assert [(row["id"], str(row["uid"])) for row in q.uids(conn)] == [(1, uid)]


def test_each_new_task_gets_its_own_uuid(todo_json) -> None:
    uids = [todo_json("add", f"task {n}")["uid"] for n in range(3)]
    assert all(is_uuid(u) for u in uids) and len(set(uids)) == 3
    assert [t["uid"] for t in todo_json("list")] == uids
    assert todo_json("show", "2")["uid"] == uids[1]


def test_a_uid_does_not_change_when_the_task_does(todo, todo_json) -> None:
    uid = todo_json("add", "task")["uid"]
    todo("edit", "1", "--description", "changed", "--priority", "high", "--tag", "x")
    todo("done", "1")
    todo("reopen", "1")
    assert todo_json("show", "1")["uid"] == uid


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_carries_the_uid_and_import_keeps_it(todo, todo_json, new_database, tmp_path, fmt) -> None:
    uids = [todo_json("add", f"task {n}")["uid"] for n in range(2)]
    exported = todo("export", "--format", fmt).stdout
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(exported)))
        assert [row["uid"] for row in rows] == uids
    else:
        assert [t["uid"] for t in json.loads(exported)] == uids
    path = tmp_path / f"tasks.{fmt}"
    path.write_text(exported, encoding="utf-8")
    target = new_database("todo")
    assert todo("import", str(path), db=target).exit_code == 0
    assert [t["uid"] for t in json.loads(todo("export", db=target).stdout)] == uids


def test_an_imported_record_without_a_uid_gets_a_new_one(todo, todo_json) -> None:
    result = todo("import", "-", input='[{"description": "a"}, {"description": "b"}]')
    assert result.exit_code == 0, result.stderr
    uids = [t["uid"] for t in todo_json("list")]
    assert all(is_uuid(u) for u in uids) and len(set(uids)) == 2
    result = todo("import", "-", input="description,uid\nc,\n")
    assert result.exit_code == 0, result.stderr
    assert is_uuid(todo_json("show", "3")["uid"])


def test_an_imported_uid_is_stored_in_its_canonical_form(todo, todo_json) -> None:
    given = "0B5C9D3E-1234-4ABC-8DEF-0123456789AB"
    assert todo("import", "-", input=json.dumps([{"uid": given, "description": "a"}])).exit_code == 0
    assert todo_json("show", "1")["uid"] == given.lower()


@pytest.mark.parametrize("uid", ["not-a-uuid", "", "0b5c9d3e", 42])
def test_an_imported_uid_that_is_not_a_uuid_is_a_bad_record(todo, uid) -> None:
    result = todo("import", "-", input=json.dumps([{"uid": uid, "description": "a"}]))
    assert result.exit_code == 2
    assert "record 1: uid must be" in result.stderr
