"""The search indexes do their job: PostgreSQL plans find on the pg_trgm GIN
indexes; SQLite reads the FTS5 trigram table, which stays in step with
contacts through every kind of write."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from minidb.contacts.model import search_terms
from minidb.contacts.store import AddressBook
from minidb.db import connect, load, parse
from tests.helpers import invoke

# Enough rows that an index beats reading the table: at 30,000 PostgreSQL
# rightly prefers a sequential scan (measured); from about 100,000 it plans
# the trigram indexes. Loading takes about 3 seconds, index upkeep included.
ROWS = 100_000


def find_params(engine: str, text: str) -> tuple[str, dict]:
    """The SQL and parameters the app runs for ``find TEXT``."""
    query = load("contacts", engine).query("find_contacts")
    (sql,) = query.sql(engine)
    return sql, {k: v for k, v in search_terms(text).items() if k in query.params}


@pytest.fixture(scope="module")
def big_postgres(databases) -> str:
    """A PostgreSQL contacts database of ROWS rows, loaded in one statement."""
    url = databases.new("postgresql", "contacts")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"""
            INSERT INTO contacts (name, name_key, phone, email, email_key, created_at, updated_at)
            SELECT n, lower(n), '+1202' || lpad(i::text, 7, '0'), e, e, now(), now()
              FROM generate_series(1, {ROWS}) AS i,
                   LATERAL (SELECT 'Person ' || md5(i::text) AS n,
                                   'p' || i || '@example.com' AS e) AS v""")
        # The largest statistics target makes ANALYZE read every row rather than
        # a random sample, so the planner's estimates, and so the plan, are the
        # same on every run.
        for column in ("name_key", "email_key", "phone"):
            conn.execute(f"ALTER TABLE contacts ALTER COLUMN {column} SET STATISTICS 10000")
        conn.execute("ANALYZE contacts")
    return url


def plan(url: str, text: str) -> str:
    sql, params = find_params("postgresql", text)
    with psycopg.connect(url) as conn:
        return "\n".join(row[0] for row in conn.execute("EXPLAIN " + sql, params))


@pytest.mark.slow
def test_postgresql_find_uses_the_trigram_indexes(big_postgres: str) -> None:
    text = plan(big_postgres, "c4ca42")  # 3 digits: name, e-mail and phone are all searched
    assert "Seq Scan" not in text, text
    for index in ("contacts_name_trgm", "contacts_email_trgm", "contacts_phone_trgm"):
        assert f"Bitmap Index Scan on {index}" in text, text
    assert "BitmapOr" in text, text


@pytest.mark.slow
def test_postgresql_find_without_digits_skips_the_phone_index(big_postgres: str) -> None:
    text = plan(big_postgres, "c4cab")
    assert "Bitmap Index Scan on contacts_name_trgm" in text, text
    assert "contacts_phone_trgm" not in text and "Seq Scan" not in text, text


@pytest.mark.slow
def test_postgresql_find_answers_from_the_index(big_postgres: str) -> None:
    # md5('1') = c4ca4238a0b923820dcc509a6f75849b: Person 1, and anyone else sharing the substring.
    with connect(parse(big_postgres)) as db:
        found = list(AddressBook(db).find("C4CA4238A0B9"))
    assert [c["email"] for c in found] == ["p1@example.com"]


@pytest.fixture
def sqlite_url(databases) -> str:
    return databases.new("sqlite", "contacts")


def sqlite_plan(url: str, text: str) -> list[str]:
    sql, params = find_params("sqlite", text)
    with sqlite3.connect(parse(url).path) as conn:
        return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def test_sqlite_find_of_3_or_more_characters_is_an_fts5_lookup(sqlite_url: str) -> None:
    steps = sqlite_plan(sqlite_url, "ada")
    # The FTS5 MATCH yields rowids; each is a primary-key look-up in contacts.
    assert "SEARCH contacts USING INTEGER PRIMARY KEY (rowid=?)" in steps, steps
    assert any(s.startswith("SCAN contacts_search VIRTUAL TABLE INDEX 0:M") for s in steps), steps
    assert "SCAN contacts" not in steps, steps


def test_the_fts5_table_stays_in_step_with_every_write(sqlite_url: str) -> None:
    for args in [("add", "Ada", "--phone", "+442083661177"), ("add", "Bob", "--email", "b@example.com"),
                 ("update", "1", "--name", "Augusta", "--no-phone"), ("update", "2", "--phone", "2025550123"),
                 ("delete", "1"), ("import", "-")]:
        result = invoke("contacts", "--db", sqlite_url, *args,
                        input='[{"name": "Cy", "email": "cy@example.com"}]' if args[0] == "import" else None)
        assert result.exit_code == 0, result.stderr
    with sqlite3.connect(parse(sqlite_url).path) as conn:
        # rank 1: also compare the index with the contacts rows it was built from.
        conn.execute("INSERT INTO contacts_search (contacts_search, rank) VALUES ('integrity-check', 1)")
        assert conn.execute("SELECT rowid FROM contacts_search WHERE contacts_search MATCH '\"202\"'"
                            ).fetchall() == [(2,)]
