"""Upgrading a populated database of the first contacts schema (one phone and one
e-mail per contact) to the address-book schema: nothing is lost, each phone and
e-mail becomes its contact's first, preferred entry, every contact gets its own
uid, ids are not reused, and the database still keeps phones and e-mails unique."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from minidb.db import connect, ensure_schema, parse
from minidb.db.migrations import applied, available, migrations_dir, yoyo_backend

FIRST = {"sqlite": "contacts_sqlite_0001_initial", "postgresql": "contacts_pg_0001_initial"}
CREATED = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
UPDATED = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
# (id, name, phone, email) as the first schema held them; id 5 is deleted
# before the upgrade, so the next id must be 6, not 5.
OLD_ROWS = [
    (1, "Ada Lovelace", "+442083661177", "Ada@example.com"),
    (2, "Bob", None, "bob@example.org"),
    (3, "Zoë Ångström", "+12025550123", None),
    (4, "No Details", None, None),
    (5, "Deleted Last", "+33142685300", "gone@example.com"),
]


def first_schema_database(url: str) -> None:
    """A database as minidb made it before this upgrade: only the first migration applied."""
    from yoyo import read_migrations

    with connect(parse(url)) as db, yoyo_backend(db) as backend:
        every = read_migrations(str(migrations_dir("contacts", db.engine)))
        first = every.__class__([m for m in every if m.id == FIRST[db.engine]], every.post_apply)
        backend.apply_migrations(backend.to_apply(first))


def run(db, sql: str, params: dict | None = None) -> list:
    """Run one statement in a transaction of its own (``:name`` parameters on both engines)."""
    if db.engine == "postgresql":
        sql = re.sub(r":(\w+)", r"%(\1)s", sql)
    with db.transaction() as conn:
        cursor = conn.execute(sql, params or {})
        return [dict(row) for row in cursor.fetchall()] if cursor.description else []


@pytest.fixture
def upgraded(new_database: Callable[..., str]) -> str:
    """A first-schema database holding OLD_ROWS (minus the deleted one), then upgraded."""
    url = new_database("contacts", migrated=False)
    first_schema_database(url)
    with connect(parse(url)) as db:
        assert applied(db) == {FIRST[db.engine]}
        for _id, name, phone, email in OLD_ROWS:
            run(db, "INSERT INTO contacts (name, name_key, phone, email, email_key, created_at, updated_at)"
                    " VALUES (:name, :key, :phone, :email, :email_key, :created, :updated)",
                {"name": name, "key": name.casefold(), "phone": phone, "email": email,
                 "email_key": email and email.casefold(), "created": CREATED, "updated": UPDATED})
        run(db, "DELETE FROM contacts WHERE id = 5")
        assert ensure_schema(db, "contacts") == [m for m in available("contacts", db.engine)
                                                 if m != FIRST[db.engine]]
    return url


def test_every_contact_keeps_its_id_name_and_timestamps(upgraded: str) -> None:
    with connect(parse(upgraded)) as db:
        rows = run(db, "SELECT id, name, name_key, created_at, updated_at FROM contacts ORDER BY id")
    assert [(r["id"], r["name"], r["name_key"]) for r in rows] == [
        (i, name, name.casefold()) for i, name, _, _ in OLD_ROWS[:4]]
    assert {(r["created_at"], r["updated_at"]) for r in rows} == {(CREATED, UPDATED)}


def test_each_phone_and_email_becomes_the_first_preferred_entry(upgraded: str) -> None:
    with connect(parse(upgraded)) as db:
        rows = run(db, "SELECT id, phones, emails FROM contact_rows ORDER BY id")
        phones = run(db, "SELECT contact_id, ordinal, value, digits, type, preferred, vcard_group"
                         " FROM contact_phones ORDER BY contact_id")
    assert [(r["id"], json.loads(r["phones"]), json.loads(r["emails"])) for r in rows] == [
        (1, [["+442083661177", None, True, None]], [["Ada@example.com", None, True, None]]),
        (2, [], [["bob@example.org", None, True, None]]),
        (3, [["+12025550123", None, True, None]], []),
        (4, [], []),
    ]
    assert [(p["contact_id"], p["ordinal"], p["digits"], bool(p["preferred"])) for p in phones] == [
        (1, 1, "442083661177", True), (3, 1, "12025550123", True)]


def test_every_contact_gets_a_distinct_urn_uuid(upgraded: str) -> None:
    with connect(parse(upgraded)) as db:
        uids = [r["uid"] for r in run(db, "SELECT uid FROM contacts ORDER BY id")]
    assert len(set(uids)) == 4
    for uid in uids:
        assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                            uid), uid


def test_ids_are_not_reused_after_the_upgrade(upgraded: str) -> None:
    with connect(parse(upgraded)) as db:
        (row,) = run(db, "INSERT INTO contacts (uid, name, name_key, created_at, updated_at)"
                         " VALUES ('new', 'New', 'new', :now, :now) RETURNING id", {"now": UPDATED})
    assert row["id"] == 6


def test_the_database_still_keeps_phones_and_emails_unique(upgraded: str) -> None:
    with connect(parse(upgraded)) as db:
        for sql in ("INSERT INTO contact_phones (contact_id, ordinal, value, digits, preferred)"
                    " VALUES (4, 1, '+442083661177', '442083661177', true)",
                    "INSERT INTO contact_emails (contact_id, ordinal, value, email_key, preferred)"
                    " VALUES (4, 1, 'ADA@EXAMPLE.COM', 'ada@example.com', true)",
                    "UPDATE contacts SET uid = (SELECT uid FROM contacts WHERE id = 1) WHERE id = 2"):
            with pytest.raises(Exception, match=r"(?i)unique"):
                run(db, sql)


@pytest.mark.parametrize("engine", ["sqlite"])
def test_the_sqlite_search_tables_cover_the_moved_entries(upgraded: str) -> None:
    """The FTS5 tables are rebuilt from the moved rows (PostgreSQL's GIN indexes build themselves)."""
    with connect(parse(upgraded)) as db:
        found, emails, names = (
            run(db, f"SELECT rowid FROM {table} WHERE {table} MATCH '\"{text}\"'")
            for table, text in [("contact_phones_search", "2083"), ("contact_emails_search", "org"),
                                ("contacts_search", "ngs")])
        for table in ("contacts_search", "contact_emails_search", "contact_phones_search"):
            run(db, f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")
    assert (len(found), len(emails), [r["rowid"] for r in names]) == (1, 1, [3])
