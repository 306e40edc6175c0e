"""Both CLIs on a replicated PostgreSQL: every libpq URL form, reads on a standby, writes refused there.

The pair is a real primary and a synchronous streaming standby on 127.0.0.1
(tests/harness/postgres.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.harness import free_port
from tests.harness.postgres import ReplicatedPair
from tests.helpers import invoke

SEED = {
    "todo": [["add", "Buy", "milk", "--tag", "home"], ["add", "Call", "the", "plumber"]],
    "contacts": [["add", "Ada", "Lovelace", "--email", "ada@example.com"],
                 ["add", "Charles", "Babbage", "--phone", "+12025550123"]],
}
READS = {
    "todo": [["list"], ["list", "--all", "--json"], ["list", "--tag", "home"],
             ["list", "--search", "MILK"], ["show", "1"], ["show", "2", "--json"], ["export"],
             ["export", "--format", "csv"], ["migrate", "--check"]],
    "contacts": [["list"], ["list", "--json"], ["find", "ada"], ["find", "555-01"], ["show", "1"],
                 ["show", "2", "--json"], ["export"], ["export", "--format", "vcard"],
                 ["export", "--format", "csv"], ["migrate", "--check"]],
}
WRITES = {
    "todo": [["add", "one", "more"], ["done", "1"], ["reopen", "1"], ["edit", "1", "--priority", "high"],
             ["delete", "2"], ["import", "-"]],
    "contacts": [["add", "Mary", "Somerville"], ["update", "1", "--name", "Ada King"],
                 ["delete", "2"], ["import", "-"]],
}
IMPORT = {"todo": [{"description": "imported"}], "contacts": [{"name": "Imported Person"}]}


def node_url(port: int, database: str) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/{database}"


def seeded(pair: ReplicatedPair, pair_database: Callable[[], str], app: str) -> str:
    """A new database with the app's schema and two records, written through a multi-host URL."""
    database = pair_database()
    url = pair.url(database, target_session_attrs="read-write")
    for command in SEED[app]:
        result = invoke(app, "--db", url, *command)
        assert (result.exit_code, result.stderr) == (0, ""), command
    return database


def assert_ok(result, command) -> None:
    assert (result.exit_code, result.stderr) == (0, ""), (command, result.output)


@pytest.mark.parametrize("app", ["todo", "contacts"])
def test_read_commands_on_a_standby_answer_as_the_primary_does(
        pair: ReplicatedPair, pair_database: Callable[[], str], app: str) -> None:
    database = seeded(pair, pair_database, app)
    primary, standby = node_url(pair.primary.port, database), node_url(pair.standby.port, database)
    for command in READS[app]:
        on_primary = invoke(app, "--db", primary, *command)
        on_standby = invoke(app, "--db", standby, *command)
        assert_ok(on_standby, command)
        assert on_standby.stdout == on_primary.stdout, command


@pytest.mark.parametrize("app", ["todo", "contacts"])
def test_a_write_on_a_standby_fails_saying_the_server_is_read_only(
        pair: ReplicatedPair, pair_database: Callable[[], str], app: str) -> None:
    database = seeded(pair, pair_database, app)
    primary, standby = node_url(pair.primary.port, database), node_url(pair.standby.port, database)
    before = invoke(app, "--db", primary, "export").stdout
    for command in WRITES[app]:
        result = invoke(app, "--db", standby, *command, input=json.dumps(IMPORT[app]))
        assert result.exit_code == 1, (command, result.output)
        assert result.stderr.startswith(
            f"Error: the database server 127.0.0.1:{pair.standby.port} is read-only"), command
        assert result.stderr.count("\n") == 1 and "in a read-only transaction" not in result.stderr
        assert result.stdout == ""
    assert invoke(app, "--db", primary, "export").stdout == before


@pytest.mark.parametrize("app", ["todo", "contacts"])
def test_a_standby_cannot_be_given_a_schema_and_says_why(
        pair: ReplicatedPair, pair_database: Callable[[], str], app: str) -> None:
    result = invoke(app, "--db", node_url(pair.standby.port, pair_database()), "list")
    assert result.exit_code == 1
    assert " is read-only" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("app", ["todo", "contacts"])
@pytest.mark.parametrize("target", ["read-write", "primary"])
def test_a_multi_host_url_sends_writes_to_the_primary_whichever_node_comes_first(
        pair: ReplicatedPair, pair_database: Callable[[], str], app: str, target: str) -> None:
    database = pair_database()
    standby_first = (f"postgresql://postgres@127.0.0.1:{pair.standby.port},"
                     f"127.0.0.1:{pair.primary.port}/{database}?target_session_attrs={target}")
    for command in SEED[app]:
        assert_ok(invoke(app, "--db", standby_first, *command), command)
    listed = invoke(app, "--db", node_url(pair.standby.port, database), "list", "--json")
    assert len(json.loads(listed.stdout)) == 2


@pytest.mark.parametrize("app", ["todo", "contacts"])
def test_reads_may_prefer_the_standby(
        pair: ReplicatedPair, pair_database: Callable[[], str], app: str) -> None:
    database = seeded(pair, pair_database, app)
    prefer_standby = pair.url(database, target_session_attrs="prefer-standby")
    for command in READS[app]:
        assert_ok(invoke(app, "--db", prefer_standby, *command), command)


def connection_strings(pair: ReplicatedPair, database: str, tmp_path: Path) -> dict[str, tuple]:
    """Name → (URL, environment) of every form of libpq connection string."""
    primary, standby = pair.primary, pair.standby
    service_file = tmp_path / "pg_service.conf"
    service_file.write_text(
        "[minidb-replicated]\n"
        f"host=127.0.0.1,127.0.0.1\nport={standby.port},{primary.port}\n"
        f"dbname={database}\nuser=postgres\ntarget_session_attrs=read-write\n")
    service_env = {"PGSERVICEFILE": str(service_file)}
    dead = free_port()
    return {
        "multi-host": (pair.url(database, target_session_attrs="read-write"), None),
        "a dead node first": (f"postgresql://postgres@127.0.0.1:{dead},127.0.0.1:{primary.port}/"
                              f"{database}?target_session_attrs=read-write", None),
        "host and port options": (f"postgresql:///{database}?host=127.0.0.1,127.0.0.1&"
                                  f"port={standby.port},{primary.port}&user=postgres&"
                                  "target_session_attrs=read-write", None),
        "socket directory": (f"postgresql:///{database}?host={primary.socket_dir}&"
                             f"port={primary.port}&user=postgres", None),
        "sslmode and other options": (f"postgres://postgres@127.0.0.1:{primary.port}/{database}?"
                                      "sslmode=prefer&application_name=minidb-test&"
                                      "keepalives=1&keepalives_idle=30&connect_timeout=3", None),
        "keyword/value": (f"host=127.0.0.1,127.0.0.1 port={standby.port},{primary.port} "
                          f"dbname={database} user=postgres target_session_attrs=read-write", None),
        "service": ("postgresql://?service=minidb-replicated", service_env),
        "service with a database": (f"postgresql:///{database}?service=minidb-replicated",
                                    service_env),
    }


FORMS = ["multi-host", "a dead node first", "host and port options", "socket directory",
         "sslmode and other options", "keyword/value", "service", "service with a database"]


@pytest.mark.parametrize("app", ["todo", "contacts"])
@pytest.mark.parametrize("form", FORMS)
def test_every_libpq_connection_string_works_for_every_command(
        pair: ReplicatedPair, pair_database: Callable[[], str], tmp_path: Path,
        app: str, form: str) -> None:
    database = pair_database()  # no schema yet: the first command migrates through the URL
    url, env = connection_strings(pair, database, tmp_path)[form]
    for command in [*SEED[app], ["list", "--json"], ["show", "2"], ["migrate", "--check"]]:
        assert_ok(invoke(app, "--db", url, *command, env=env), command)
    listed = invoke(app, "--db", node_url(pair.primary.port, database), "list", "--json")
    assert len(json.loads(listed.stdout)) == 2


def test_sslmode_require_on_a_server_without_tls_is_one_error_line(pair: ReplicatedPair) -> None:
    url = f"postgresql://postgres:Pw-9x@127.0.0.1:{pair.primary.port}/postgres?sslmode=require"
    result = invoke("todo", "--db", url, "list")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: cannot connect to postgresql://postgres:***@127.0.0.1:{pair.primary.port}/")
    assert "SSL" in result.stderr and result.stderr.count("\n") == 1 and "Pw-9x" not in result.stderr
