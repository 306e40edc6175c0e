"""Big to-do databases built in one statement each.

The schema comes from the app's own migrations (``ensure_schema``), so the
indexes, checks and view are exactly what users get; the rows come from a
single ``INSERT ... SELECT`` over a recursive CTE (SQLite) or
``generate_series`` (PostgreSQL), a million rows in seconds instead of a
million round trips. Every column is filled as the app fills it:
``search_key`` is the case-folded description (ASCII here, so ``lower`` is
``casefold``), timestamps are the fixed-width UTC text the SQLite adapter
writes, some tasks are due, prioritised, tagged.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from minidb.db import connect, ensure_schema, parse

TAGS = ("home", "work", "errand")

SQLITE_FILL = """
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n)
INSERT INTO tasks (uid, description, search_key, completed, priority, due, created_at, completed_at)
SELECT printf('00000000-0000-4000-8000-%012d', i),
       'Benchmark task ' || i || ' buy milk and call Ada',
       'benchmark task ' || i || ' buy milk and call ada',
       done,
       CASE i % 4 WHEN 0 THEN 'high' WHEN 1 THEN 'medium' WHEN 2 THEN 'low' END,
       CASE WHEN i % 3 = 0 THEN date('2026-12-01', '+' || (i % 90) || ' days') END,
       created,
       CASE WHEN done = 1 THEN created END
  FROM (SELECT i,
               CASE WHEN :every > 0 AND i % :every = 0 THEN 1 ELSE 0 END AS done,
               strftime('%Y-%m-%dT%H:%M:%S', 1795608000 + i, 'unixepoch') || '.000000Z' AS created
          FROM seq)
"""

SQLITE_TAG = """
INSERT INTO task_tags (task_id, tag_id)
SELECT t.id, g.id FROM tasks t JOIN tags g
    ON (g.name = 'home' AND t.id % 5 = 0) OR (g.name = 'work' AND t.id % 7 = 0)
"""

POSTGRES_FILL = """
INSERT INTO tasks (uid, description, search_key, completed, priority, due, created_at, completed_at)
SELECT gen_random_uuid(),
       'Benchmark task ' || i || ' buy milk and call Ada',
       'benchmark task ' || i || ' buy milk and call ada',
       done,
       CASE mod(i, 4) WHEN 0 THEN 'high' WHEN 1 THEN 'medium' WHEN 2 THEN 'low' END,
       CASE WHEN mod(i, 3) = 0 THEN date '2026-12-01' + mod(i, 90)::int END,
       created,
       CASE WHEN done THEN created END
  FROM (SELECT i, (%(every)s > 0 AND mod(i, %(every)s) = 0) AS done,
               timestamptz '2026-11-25 12:00:00+00' + i * interval '1 second' AS created
          FROM generate_series(1, %(n)s) AS i) AS s
"""

POSTGRES_TAG = """
INSERT INTO task_tags (task_id, tag_id)
SELECT t.id, g.id FROM tasks t JOIN tags g
    ON (g.name = 'home' AND mod(t.id, 5) = 0) OR (g.name = 'work' AND mod(t.id, 7) = 0)
"""


def build_todo_sqlite(path: Path, n: int, completed_every: int = 0) -> Path:
    """A to-do database of ``n`` tasks; every ``completed_every``-th is done (0: none)."""
    for suffix in ("", "-wal", "-shm", ".migrate-lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with connect(parse(f"sqlite:///{path}")) as db:
        ensure_schema(db, "todo")
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")  # a benchmark fixture: durability buys nothing
        conn.execute("BEGIN")
        conn.execute(SQLITE_FILL, {"n": n, "every": completed_every})
        conn.executemany("INSERT INTO tags (name) VALUES (?)", [(t,) for t in TAGS])
        conn.execute(SQLITE_TAG)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return path


def build_todo_postgres(url: str, n: int, completed_every: int = 0) -> str:
    """The same data on PostgreSQL, in the (fresh) database at ``url``."""
    with connect(parse(url)) as db:
        ensure_schema(db, "todo")
        with db.transaction() as conn:
            conn.execute(POSTGRES_FILL, {"n": n, "every": completed_every})
            for tag in TAGS:
                conn.execute("INSERT INTO tags (name) VALUES (%s)", (tag,))
            conn.execute(POSTGRES_TAG)
        db.conn.execute("VACUUM ANALYZE")
    return url
