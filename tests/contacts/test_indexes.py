"""The search indexes do their job: find over names, every e-mail and every
phone is served by trigram indexes on both engines (pg_trgm GIN on PostgreSQL,
the FTS5 trigram tables on SQLite), which stay in step with every write."""

from __future__ import annotations

import re
import sqlite3

import psycopg
import pytest

from minidb.contacts.model import search_terms
from minidb.contacts.store import AddressBook
from minidb.db import connect, load, parse
from tests.helpers import invoke

TRIGRAM_INDEXES = ("contacts_name_trgm", "contact_emails_trgm", "contact_phones_trgm")
SEARCHED_COLUMNS = (("contacts", "name_key"), ("contact_emails", "email_key"), ("contact_phones", "digits"))
# At this size the planner prefers the trigram indexes by a wide margin (the
# whole plan costs under half of the best one without them), and statistics
# from every row (below) make the plan the same on every run; at 30,000 it
# rightly reads the tables instead. Loading takes about 5 seconds.
REALISTIC_ROWS = 100_000


def find_query(engine: str, text: str) -> tuple[str, dict]:
    """The SQL and parameters the app runs for ``find TEXT``."""
    query = load("contacts", engine).find_contacts
    terms = search_terms(text)
    return query.sql, {name: terms[name] for name in query.params}


def fill_postgres(url: str, rows: int) -> None:
    """``rows`` contacts, each with a phone and an e-mail, in three statements; then ANALYZE."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"""
            INSERT INTO contacts (uid, name, name_key, created_at, updated_at)
            SELECT 'uid-' || i, n, lower(n), now(), now()
              FROM generate_series(1, {rows}) AS i,
                   LATERAL (SELECT 'Person ' || md5(i::text) AS n) AS v""")
        conn.execute("""
            INSERT INTO contact_phones (contact_id, ordinal, value, digits, preferred)
            SELECT id, 1, '+1202' || lpad(id::text, 7, '0'), '1202' || lpad(id::text, 7, '0'), true
              FROM contacts""")
        conn.execute("""
            INSERT INTO contact_emails (contact_id, ordinal, value, email_key, preferred)
            SELECT id, 1, 'p' || id || '@example.com', 'p' || id || '@example.com', true FROM contacts""")
        # The largest statistics target makes ANALYZE read every row rather than
        # a random sample, so the planner's estimates, and so the plan, are the
        # same on every run.
        for table, column in SEARCHED_COLUMNS:
            conn.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS 10000")
        conn.execute("ANALYZE")


def plan(url: str, text: str, *settings: str) -> str:
    sql, params = find_query("postgresql", text)
    with psycopg.connect(url) as conn:
        for setting in settings:
            conn.execute(setting)
        return "\n".join(row[0] for row in conn.execute("EXPLAIN " + sql, params))


def total_cost(plan_text: str) -> float:
    return float(re.match(r".*?cost=[\d.]+\.\.([\d.]+)", plan_text).group(1))


@pytest.fixture(scope="module")
def big_postgres(databases) -> str:
    url = databases.new("postgresql", "contacts")
    fill_postgres(url, REALISTIC_ROWS)
    return url


@pytest.mark.slow
def test_postgresql_plans_find_on_the_trigram_indexes_at_realistic_size(big_postgres: str) -> None:
    chosen = plan(big_postgres, "c4ca42")
    assert "Seq Scan" not in chosen, chosen
    for index in TRIGRAM_INDEXES:
        assert f"Bitmap Index Scan on {index}" in chosen, chosen
    # Not a close call: reading the tables instead would cost more than twice as much.
    scanning = plan(big_postgres, "c4ca42", "SET enable_bitmapscan = off", "SET enable_indexscan = off")
    assert "Seq Scan" in scanning
    assert total_cost(chosen) < total_cost(scanning) / 2, (chosen, scanning)


@pytest.mark.slow
def test_postgresql_find_without_digits_skips_the_phone_index(big_postgres: str) -> None:
    text = plan(big_postgres, "c4cab")
    assert "Bitmap Index Scan on contacts_name_trgm" in text, text
    assert "contact_phones_trgm" not in text and "Seq Scan" not in text, text


@pytest.mark.slow
def test_postgresql_find_answers_from_the_index(big_postgres: str) -> None:
    # md5('1') = c4ca4238a0b923820dcc509a6f75849b: Person 1, and anyone else sharing the substring.
    with connect(parse(big_postgres)) as db:
        book = AddressBook(db)
        assert [c["email"] for c in book.find("C4CA4238A0B9")] == ["p1@example.com"]
        assert [c["email"] for c in book.find("p77777@")] == ["p77777@example.com"]
        assert [c["phone"] for c in book.find("202 007 7777")] == ["+12020077777"]


# --- SQLite


SQLITE_ROWS = 20_000


@pytest.fixture(scope="module")
def big_sqlite(databases) -> str:
    url = databases.new("sqlite", "contacts")
    ids = range(1, SQLITE_ROWS + 1)
    with sqlite3.connect(parse(url).path) as conn:
        conn.executemany("INSERT INTO contacts (id, uid, name, name_key, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                         [(i, f"uid-{i}", f"Person {i:05}", f"person {i:05}") for i in ids])
        conn.executemany("INSERT INTO contact_phones (contact_id, ordinal, value, digits, preferred)"
                         " VALUES (?, 1, ?, ?, 1)",
                         [(i, f"+1202{i:07}", f"1202{i:07}") for i in ids])
        conn.executemany("INSERT INTO contact_emails (contact_id, ordinal, value, email_key, preferred)"
                         " VALUES (?, 1, ?, ?, 1)",
                         [(i, f"p{i}@example.com", f"p{i}@example.com") for i in ids])
    return url


def sqlite_steps(url: str, text: str) -> int:
    """How many virtual-machine instructions SQLite runs for ``find TEXT``: a scan of
    the contacts costs several per contact, an index look-up some hundreds per match."""
    sql, params = find_query("sqlite", text)
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    with sqlite3.connect(parse(url).path) as conn:
        conn.set_progress_handler(count, 1)
        rows = conn.execute(sql, params).fetchall()
    assert rows or text == "nobody-here", text
    return steps


@pytest.mark.parametrize("text", ["person 04242", "p4242@", "2020004242", "nobody-here"])
def test_sqlite_find_of_3_or_more_characters_reads_the_fts5_indexes_not_the_table(big_sqlite: str,
                                                                                  text: str) -> None:
    assert sqlite_steps(big_sqlite, text) < SQLITE_ROWS


def test_sqlite_find_of_fewer_characters_scans(big_sqlite: str) -> None:
    """The control: with no trigram to look up, every contact is read."""
    assert sqlite_steps(big_sqlite, "42") > SQLITE_ROWS


def test_sqlite_find_plan_names_the_three_fts5_tables(big_sqlite: str) -> None:
    sql, params = find_query("sqlite", "ada")
    with sqlite3.connect(parse(big_sqlite).path) as conn:
        steps = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    assert "SCAN contacts_search VIRTUAL TABLE INDEX 0:M1" in steps, steps
    assert steps.count("SCAN s VIRTUAL TABLE INDEX 0:M1") == 2, steps  # e-mails and phones
    assert "SCAN contacts" not in steps, steps


@pytest.fixture
def sqlite_url(databases) -> str:
    return databases.new("sqlite", "contacts")


def test_the_fts5_tables_stay_in_step_with_every_write(sqlite_url: str) -> None:
    vcard = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cy\r\nTEL:+1 303 555 0100\r\nEMAIL:cy@example.com\r\n"
             "END:VCARD\r\n")
    for args, input in [
        (("add", "Ada", "--phone", "+442083661177", "--phone", "+442071234567"), None),
        (("add", "Bob", "--email", "b@example.com", "--email", "bob@work.example"), None),
        (("update", "1", "--name", "Augusta", "--remove-phone", "+442083661177"), None),
        (("update", "2", "--phone", "2025550123", "--add-email", "bob@home.example"), None),
        (("import", "-"), vcard),
        (("merge", "2", "3"), None),
        (("delete", "1"), None),
    ]:
        result = invoke("contacts", "--db", sqlite_url, *args, input=input)
        assert result.exit_code == 0, (args, result.stderr)
    with sqlite3.connect(parse(sqlite_url).path) as conn:
        for table in ("contacts_search", "contact_emails_search", "contact_phones_search"):
            # rank 1: also compare each index with the rows it was built from.
            conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")

        def matches(table: str, text: str) -> int:
            return len(conn.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (f'"{text}"',)
                                    ).fetchall())

        assert (matches("contact_phones_search", "202"), matches("contact_phones_search", "303"),
                matches("contact_phones_search", "4420")) == (1, 1, 0)
        assert (matches("contact_emails_search", "home"), matches("contact_emails_search", "cy@"),
                matches("contacts_search", "Augusta")) == (1, 1, 0)
