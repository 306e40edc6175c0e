"""Faults a to-do user can meet: a killed import, a restarted or stopped server."""

from __future__ import annotations

import json
import time
from functools import partial

from tests.harness.crash import (
    assert_consistent,
    import_with_the_backend_killed_half_way,
    kill_import_half_way,
)
from tests.harness.postgres import database_url, running_cluster
from tests.helpers import run

RECORDS = 100_000
todo = partial(run, "todo")


def test_an_import_killed_half_way_leaves_nothing_and_the_next_command_works(todo_url) -> None:
    assert todo("--db", todo_url, "add", "before the import").returncode == 0
    kill_import_half_way("todo", todo_url, (
        {"description": f"imported {i}", "tags": ["bulk"]} for i in range(RECORDS // 2)))
    assert_consistent(todo_url, "SELECT count(*) AS n FROM task_tags tt "
                                "LEFT JOIN tasks t ON t.id = tt.task_id WHERE t.id IS NULL")
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


def test_a_postgres_connection_killed_mid_import_is_one_error_line(databases, postgres_server) -> None:
    url = databases.new("postgresql", "todo")
    status, stderr = import_with_the_backend_killed_half_way(
        "todo", url, postgres_server, ({"description": f"task {i}", "tags": ["t"]} for i in range(20_000)))
    assert status == 1
    assert stderr.startswith("Error: lost the connection to the database (")
    assert stderr.count("\n") == 1, stderr
    listed = todo("--db", url, "list", "--all", "--json")
    assert (listed.returncode, listed.stdout) == (0, "[]\n")  # nothing of the import was kept
