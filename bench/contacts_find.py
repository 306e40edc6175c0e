"""How fast is contacts ``find`` at 1,000,000 contacts, with and without its index?

A plain script, outside the test suite::

    .venv/bin/python -m bench.contacts_find [--rows N] [--samples N] [--sqlite]

It starts a throwaway PostgreSQL cluster (or uses ``TEST_POSTGRES_URL``),
builds the contacts schema from the app's own migrations, loads N
contacts with one ``INSERT ... SELECT generate_series`` and times
``AddressBook.find`` — the app's query, parameters and row handling, but
not interpreter start-up — for a fixed, seeded mix of searches:

- a last name ("find rasune"), 4 letters from inside a first name, the
  start of an e-mail address, and 7 digits of a phone number;

first with the pg_trgm GIN indexes, then in a transaction that drops them
(and is rolled back), which leaves PostgreSQL the sequential scans it would
need without them; the B-tree indexes that read each found contact's phones
and e-mails stay, as they would without the trigram indexes. It prints
p50/p95 for both and the ``EXPLAIN ANALYZE`` of one search each way.
``--sqlite`` does the same on SQLite: FTS5 trigram table vs a plain scan.

Also usable from ``python -m bench`` through ``TITLE`` and ``run``.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a file: python bench/contacts_find.py
    sys.path.insert(0, str(REPO))

from bench.common import Config, Row, Section, percentile  # noqa: E402
from minidb.contacts.model import search_terms  # noqa: E402
from minidb.contacts.store import AddressBook  # noqa: E402
from minidb.db import connect, ensure_schema, load, parse  # noqa: E402

TITLE = "Contacts: find at scale (trigram index vs scan)"

# Names built from 32 syllables, three per part: 32,768 first and 32,768 last
# names, so a last name matches a few dozen contacts, as a real surname does.
SYLLABLES = ["ka", "lo", "mi", "ra", "ne", "to", "su", "vi", "da", "ze", "ri", "no", "ba", "le",
             "mo", "sa", "te", "ju", "pa", "go", "ha", "ki", "lu", "me", "ni", "ro", "sh", "ta",
             "ve", "yo", "zu", "an"]
_ARRAY = "ARRAY[" + ",".join(f"'{s}'" for s in SYLLABLES) + "]"


def _part(shift: int) -> str:
    picks = [f"({_ARRAY})[1 + ((h >> {shift + 5 * k}) & 31)]" for k in range(3)]
    return "initcap(" + " || ".join(picks) + ")"


# Each contact has one phone and one e-mail, its preferred entries; ids run 1..N.
POSTGRES_FILL = [f"""
INSERT INTO contacts (uid, name, name_key, created_at, updated_at)
SELECT 'urn:uuid:bench-' || i, first || ' ' || last, lower(first || ' ' || last),
       timestamptz '2026-11-25 12:00:00+00' + i * interval '1 second',
       timestamptz '2026-11-25 12:00:00+00' + i * interval '1 second'
  FROM (SELECT i, {_part(0)} AS first, {_part(15)} AS last
          FROM (SELECT i, hashint4(i) AS h FROM generate_series(1, %(n)s) AS i) AS g) AS p
""", """
INSERT INTO contact_phones (contact_id, ordinal, value, digits, preferred)
SELECT id, 1, '+1' || (2000000000 + id)::text, '1' || (2000000000 + id)::text, true FROM contacts
""", """
INSERT INTO contact_emails (contact_id, ordinal, value, email_key, preferred)
SELECT id, 1, e, e, true
  FROM (SELECT id, replace(name_key, ' ', '.') || id || '@example.com' AS e FROM contacts) AS c
"""]
SEARCHED_TABLES = ("contacts", "contact_phones", "contact_emails")
TRIGRAM_INDEXES = ("contacts_name_trgm", "contact_emails_trgm", "contact_phones_trgm")


def searches(names: list[tuple[str, str, str]], count: int, seed: int = 3) -> list[tuple[str, str]]:
    """(kind, text) pairs drawn from real rows (name, email, phone), seeded."""
    rng = random.Random(seed)
    kinds: list[tuple[str, Callable[[tuple[str, str, str]], str]]] = [
        ("last name", lambda r: r[0].split()[1]),
        ("4 letters inside a first name", lambda r: r[0].split()[0][1:5].lower()),
        ("start of an e-mail", lambda r: r[1][:10]),
        ("7 digits of a phone", lambda r: r[2][-9:-2]),
    ]
    picked = []
    for i in range(count):
        kind, make = kinds[i % len(kinds)]
        picked.append((kind, make(rng.choice(names))))
    return picked


def time_finds(book: AddressBook, texts: list[tuple[str, str]]) -> tuple[list[float], int]:
    """Milliseconds per find, and the total number of contacts found."""
    times, found = [], 0
    for _, text in texts:
        started = time.perf_counter()
        found += sum(1 for _ in book.find(text))  # find streams: consume it all
        times.append((time.perf_counter() - started) * 1000)
    return times, found


def build_postgres(url: str, rows: int) -> float:
    """Migrate and load; the trigram indexes are rebuilt after the load (much
    faster than maintaining them row by row), from their own definitions."""
    started = time.monotonic()
    with connect(parse(url)) as db:
        ensure_schema(db, "contacts")
        conn = db.conn
        definitions = [r["indexdef"] for r in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%(tables)s) AND indexdef LIKE '%%gin%%'",
            {"tables": list(SEARCHED_TABLES)})]
        for definition in definitions:
            conn.execute("DROP INDEX " + definition.split()[2])
        conn.execute("SET maintenance_work_mem = '512MB'")
        for statement in POSTGRES_FILL:
            conn.execute(statement, {"n": rows} if "%(n)s" in statement else {})
        for definition in definitions:
            conn.execute(definition)
        for table in SEARCHED_TABLES:
            conn.execute(f"VACUUM ANALYZE {table}")
    return time.monotonic() - started


def explain(conn, engine: str, text: str, analyze: bool = True) -> str:
    query = load("contacts", engine).find_contacts
    sql = query.sql
    params = {k: v for k, v in search_terms(text).items() if k in query.params}
    if engine == "postgresql":
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
        return "\n".join(r["QUERY PLAN"] for r in conn.execute(prefix + sql, params))
    return "\n".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params))


def measure_postgres(server: str, rows: int, samples: int, report: Callable[[str], None]
                     ) -> dict[str, float]:
    from bench.common import postgres_database

    with postgres_database(server, "contacts_find") as url:
        report(f"PostgreSQL: loaded {rows:,} contacts and built the indexes in "
               f"{build_postgres(url, rows):.1f} s")
        with connect(parse(url)) as db:
            sample_rows = [(r["name"], r["email"], r["phone"]) for r in db.conn.execute(SAMPLE.format(
                sample="TABLESAMPLE SYSTEM (1)", order=""))]
            texts = searches(sample_rows, samples)
            book = AddressBook(db)
            time_finds(book, texts[:10])  # warm the cache, as a running server would be
            indexed, found = time_finds(book, texts)
            first = texts[0][1]
            report(f"  plan with the index, find {first!r}:\n" + explain(db.conn, "postgresql", first))
            with db.conn.transaction(force_rollback=True):
                for index in TRIGRAM_INDEXES:
                    db.conn.execute(f"DROP INDEX {index}")
                scanned, found_scanning = time_finds(book, texts)
                report(f"  plan without, find {first!r}:\n" + explain(db.conn, "postgresql", first))
            assert found == found_scanning, "the index and the scan must find the same contacts"
    return _summary(indexed, scanned, found, len(texts))


def build_sqlite(path: Path, rows: int) -> float:
    """The same data on SQLite, through the app's migrations (FTS5 triggers included)."""
    started = time.monotonic()
    with connect(parse(f"sqlite:///{path}")) as db:
        ensure_schema(db, "contacts")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    rng = random.Random(5)

    def part() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()

    def rows_of():
        for i in range(1, rows + 1):
            first, last = part(), part()
            email = f"{first.lower()}.{last.lower()}{i}@example.com"
            stamp = "2026-11-25T12:00:00.000000Z"
            yield (f"{first} {last}", f"{first} {last}".lower(), f"+1{2000000000 + i}", email, email,
                   stamp, stamp)

    with conn:
        people = list(rows_of())
        conn.executemany("INSERT INTO contacts (id, uid, name, name_key, created_at, updated_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         [(i, f"urn:uuid:bench-{i}", name, key, stamp, stamp)
                          for i, (name, key, _, _, _, stamp, _) in enumerate(people, start=1)])
        conn.executemany("INSERT INTO contact_phones (contact_id, ordinal, value, digits, preferred) "
                         "VALUES (?, 1, ?, ?, 1)",
                         [(i, phone, phone[1:]) for i, (_, _, phone, *_) in enumerate(people, start=1)])
        conn.executemany("INSERT INTO contact_emails (contact_id, ordinal, value, email_key, preferred) "
                         "VALUES (?, 1, ?, ?, 1)",
                         [(i, email, key) for i, (_, _, _, email, key, *_) in enumerate(people, start=1)])
    conn.execute("ANALYZE")
    conn.close()
    return time.monotonic() - started


# find without the FTS5 tables: the same LIKE tests over every row.
SQLITE_SCAN = """
SELECT r.id, r.uid, r.name, r.phones, r.emails, r.created_at, r.updated_at FROM contact_rows r
 WHERE r.name_key LIKE :pattern ESCAPE '\\'
    OR EXISTS (SELECT 1 FROM contact_emails e
                WHERE e.contact_id = r.id AND e.email_key LIKE :pattern ESCAPE '\\')
    OR EXISTS (SELECT 1 FROM contact_phones p
                WHERE p.contact_id = r.id AND p.digits LIKE '%' || :digits || '%')
 ORDER BY r.name_key, r.id
"""
# A sample of real rows to search for: name, preferred e-mail, preferred phone.
SAMPLE = """
SELECT c.name, e.value AS email, p.value AS phone
  FROM contacts c {sample}
  JOIN contact_emails e ON e.contact_id = c.id AND e.preferred
  JOIN contact_phones p ON p.contact_id = c.id AND p.preferred
 {order} LIMIT 2000
"""


def measure_sqlite(workdir: Path, rows: int, samples: int, report: Callable[[str], None]
                   ) -> dict[str, float]:
    path = workdir / "contacts-find.db"
    report(f"SQLite: loaded {rows:,} contacts (FTS5 kept by triggers) in {build_sqlite(path, rows):.1f} s")
    with connect(parse(f"sqlite:///{path}")) as db:
        sample_rows = [(r["name"], r["email"], r["phone"]) for r in db.conn.execute(
            SAMPLE.format(sample="", order="ORDER BY random()"))]
        texts = searches(sample_rows, samples)
        book = AddressBook(db)
        time_finds(book, texts[:10])
        indexed, found = time_finds(book, texts)
        report("  plan with the FTS5 table:\n" + explain(db.conn, "sqlite", texts[0][1]))
        scanned, found_scanning = [], 0
        for _, text in texts:
            params = {k: v for k, v in search_terms(text).items() if k in ("pattern", "digits")}
            started = time.perf_counter()
            found_scanning += len(db.conn.execute(SQLITE_SCAN, params).fetchall())
            scanned.append((time.perf_counter() - started) * 1000)
        assert found == found_scanning, "the index and the scan must find the same contacts"
    return _summary(indexed, scanned, found, len(texts))


def _summary(indexed: list[float], scanned: list[float], found: int, count: int) -> dict[str, float]:
    return {"p50": percentile(indexed, 50), "p95": percentile(indexed, 95),
            "scan_p50": percentile(scanned, 50), "scan_p95": percentile(scanned, 95),
            "mean_found": found / count}


def _print_summary(engine: str, rows: int, samples: int, s: dict[str, float]) -> None:
    print(f"\n{engine}, {rows:,} contacts, {samples} finds (~{s['mean_found']:.0f} contacts found each):")
    print(f"  with the index:    p50 {s['p50']:8.2f} ms   p95 {s['p95']:8.2f} ms")
    print(f"  without (scan):    p50 {s['scan_p50']:8.2f} ms   p95 {s['scan_p95']:8.2f} ms")
    print(f"  speed-up at p50:   {s['scan_p50'] / s['p50']:.0f}x", flush=True)


def run(section: Section, config: Config, pg_server: str | None) -> None:
    """The ``python -m bench`` entry point."""
    rows, samples = config.pick(1_000_000, 50_000), config.pick(200, 40)
    engines = [("SQLite", lambda: measure_sqlite(config.workdir, rows, samples, section.notes.append))]
    if pg_server:
        engines.insert(0, ("PostgreSQL",
                           lambda: measure_postgres(pg_server, rows, samples, section.notes.append)))
    for engine, measure in engines:
        s = measure()
        for p in ("p50", "p95"):
            section.rows.append(Row("contacts", f"{engine}: find {p}, {rows:,} contacts", s[p],
                                    s[f"scan_{p}"], "ms", baseline_label="no index: scan"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--sqlite", action="store_true", help="measure SQLite too")
    args = parser.parse_args(argv)
    from bench.common import postgres_server

    def report(text: str) -> None:
        print(text, flush=True)

    with postgres_server() as server:
        _print_summary("PostgreSQL", args.rows, args.samples,
                       measure_postgres(server, args.rows, args.samples, report))
    if args.sqlite:
        with tempfile.TemporaryDirectory(prefix="minidb-bench-") as tmp:
            _print_summary("SQLite", args.rows, args.samples,
                           measure_sqlite(Path(tmp), args.rows, args.samples, report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
