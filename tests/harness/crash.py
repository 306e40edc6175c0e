"""Kill a CLI import half-way and check what it left behind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from minidb.db import connect, parse

REPO = Path(__file__).resolve().parents[2]


def kill_import_half_way(app: str, url: str, records: Iterable[dict]) -> None:
    """Feed ``records`` to ``python -m minidb.<app> import -`` and SIGKILL it, unfinished.

    The records go through a pipe, which holds only ~64 KiB: when the last
    write returns, the importer has read, and inserted, nearly all of them
    inside its one transaction, and waits for the rest of the array, which
    never comes.
    """
    child = subprocess.Popen([sys.executable, "-m", f"minidb.{app}", "--db", url, "import", "-"],
                             cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
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
