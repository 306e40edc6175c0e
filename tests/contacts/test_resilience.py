"""A contacts import killed half-way leaves all or nothing (issue 5)."""

from __future__ import annotations

import json
import subprocess

from tests.harness.crash import (
    assert_consistent,
    import_with_the_backend_killed_half_way,
    kill_import_half_way,
)
from tests.helpers import run

RECORDS = 100_000


def contacts(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run("contacts", "--db", url, *args)


def test_an_import_killed_half_way_leaves_nothing_and_the_next_command_works(contacts_url) -> None:
    assert contacts(contacts_url, "add", "Before Import", "--email", "before@example.com").returncode == 0
    kill_import_half_way("contacts", contacts_url, (
        {"name": f"Imported {i}", "email": f"imported{i}@example.com"} for i in range(RECORDS // 2)))
    assert_consistent(contacts_url)
    listed = json.loads(contacts(contacts_url, "list", "--json").stdout)
    assert [c["name"] for c in listed] == ["Before Import"]
    found = contacts(contacts_url, "find", "imported")
    assert (found.returncode, found.stdout) == (0, "No contacts match 'imported'.\n")
    after = contacts(contacts_url, "add", "After Import", "--email", "imported1@example.com")
    assert after.returncode == 0, after.stderr


def test_a_postgres_connection_killed_mid_import_is_one_error_line(databases, postgres_server) -> None:
    url = databases.new("postgresql", "contacts")
    status, stderr = import_with_the_backend_killed_half_way(
        "contacts", url, postgres_server, ({"name": f"Person {i}"} for i in range(20_000)))
    assert status == 1
    assert stderr.startswith("Error: lost the connection to the database (")
    assert stderr.count("\n") == 1, stderr
    assert json.loads(contacts(url, "list", "--json").stdout) == []  # nothing of the import was kept
