"""Kill a CLI import half-way and check what it left behind."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterable

from minidb.db import connect, parse
from tests.helpers import start


def kill_import_half_way(app: str, url: str, records: Iterable[dict]) -> None:
    """Feed ``records`` to ``python -m minidb.<app> import -`` and SIGKILL it, unfinished.

    The records go through a pipe, which holds only ~64 KiB: when the last
    write returns, the importer has read, and inserted, nearly all of them
    inside its one transaction, and waits for the rest of the array, which
    never comes.
    """
    child = start(app, "--db", url, "import", "-")
    assert child.stdin is not None and child.stderr is not None
    child.stdin.write("[\n")
    for record in records:
        child.stdin.write(json.dumps(record) + ",\n")
    child.stdin.flush()
    time.sleep(0.5)
    assert child.poll() is None, child.stderr.read()
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdin.close()


def assert_consistent(url: str, orphans_sql: str | None = None) -> None:
    """SQLite passes integrity and foreign-key checks; PostgreSQL has no orphan rows."""
    with connect(parse(url)) as db:
        if db.engine == "sqlite":
            assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        elif orphans_sql:
            assert db.conn.execute(orphans_sql).fetchone()["n"] == 0


def import_with_the_backend_killed_half_way(app: str, url: str, admin_url: str,
                                            records: Iterable[dict]) -> tuple[int, str]:
    """Import ``records`` into PostgreSQL ``url``; half-way, end the server process serving it.

    The first half goes in and the importer waits, inside its transaction,
    for the rest; then pg_terminate_backend ends its connection (as an
    administrator or a failover would), the second half follows, and the
    importer meets the dead connection in the middle of a batch. Returns
    the exit status and stderr.
    """
    import psycopg

    records = list(records)
    half = len(records) // 2
    child = start(app, "--db", url, "import", "-")
    assert child.stdin is not None and child.stderr is not None
    child.stdin.write("[\n" + "".join(json.dumps(r) + ",\n" for r in records[:half]))
    child.stdin.flush()
    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        deadline = time.monotonic() + 30
        while True:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND state = 'idle in transaction'", (name,)).fetchall()
            if killed:
                break
            assert child.poll() is None and time.monotonic() < deadline, child.stderr.read()
            time.sleep(0.05)
    try:
        child.stdin.write(",\n".join(json.dumps(r) for r in records[half:]) + "\n]\n")
        child.stdin.close()
    except BrokenPipeError:
        pass  # it had already found the connection gone
    stderr = child.stderr.read()
    return child.wait(timeout=60), stderr
