"""Faults a to-do user can meet: a killed import, a restarted or stopped server."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from minidb.db import connect, parse
from tests.harness.postgres import database_url, running_cluster
from tests.todo.test_processes import REPO, todo

RECORDS = 100_000


def test_an_import_killed_half_way_leaves_nothing_and_the_next_command_works(todo_url) -> None:
    assert todo("--db", todo_url, "add", "before the import").returncode == 0
    child = subprocess.Popen([sys.executable, "-m", "minidb.todo", "--db", todo_url, "import", "-"],
                             cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert child.stdin is not None
    child.stdin.write("[\n")
    # Feed half the file. The pipe holds only ~64 KiB, so when these writes
    # return the importer has read, and inserted, nearly all of them; it is
    # now inside its transaction, waiting for the other half.
    for i in range(RECORDS // 2):
        child.stdin.write(json.dumps({"description": f"imported {i}", "tags": ["bulk"]}) + ",\n")
    child.stdin.flush()
    time.sleep(0.5)
    assert child.poll() is None, child.stderr.read() if child.stderr else ""
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdin.close()

    with connect(parse(todo_url)) as db:
        if db.engine == "sqlite":
            assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        else:
            orphans = db.conn.execute(
                "SELECT count(*) AS n FROM task_tags tt LEFT JOIN tasks t ON t.id = tt.task_id "
                "WHERE t.id IS NULL").fetchone()["n"]
            assert orphans == 0
    listed = todo("--db", todo_url, "list", "--all", "--json")
    assert [t["description"] for t in json.loads(listed.stdout)] == ["before the import"]
    after = todo("--db", todo_url, "add", "after the import")
    assert after.returncode == 0, after.stderr


def test_postgres_restarted_between_commands_then_stopped() -> None:
    with running_cluster() as cluster:
        url = database_url(cluster.url, "postgres")
        assert todo("--db", url, "add", "first").returncode == 0
        cluster.restart()
        second = todo("--db", url, "add", "second")
        assert (second.returncode, second.stderr) == (0, "")
        cluster.stop()
        started = time.monotonic()
        stopped = todo("--db", url, "list")
        assert time.monotonic() - started < 10
        assert stopped.returncode == 1
        assert stopped.stderr.startswith(f"Error: cannot connect to {url}: ")
        assert stopped.stderr.count("\n") == 1
