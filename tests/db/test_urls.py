"""Database URLs: the forms minidb takes, how it shows them, and connecting to them."""

from __future__ import annotations

import time

import pytest
from psycopg.conninfo import conninfo_to_dict

from minidb.db import DatabaseUnavailable, InvalidURL, connect, parse, redact
from tests.harness import free_port


@pytest.mark.parametrize(
    ("url", "engine", "path"),
    [
        ("sqlite:///relative/path.db", "sqlite", "relative/path.db"),
        ("sqlite:////absolute/path.db", "sqlite", "/absolute/path.db"),
        ("postgresql://u:p@host:5432/db", "postgresql", None),
        ("postgres://u@host/db?host=/run/postgresql", "postgresql", None),
    ],
)
def test_urls_name_their_engine(url: str, engine: str, path: str | None) -> None:
    parsed = parse(url)
    assert (parsed.engine, parsed.path) == (engine, path)


@pytest.mark.parametrize("url", ["mysql://x/y", "todo.db", "sqlite://relative.db", "sqlite:///"])
def test_other_urls_are_refused_clearly(url: str) -> None:
    with pytest.raises(InvalidURL):
        parse(url)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://ada:s3cret@db:5432/app", "postgresql://ada:***@db:5432/app"),
        ("postgresql://ada@db/app", "postgresql://ada@db/app"),
        ("postgresql://db/app?user=ada&password=s3cret", "postgresql://db/app?user=ada&password=***"),
    ],
)
def test_passwords_are_redacted(url: str, shown: str) -> None:
    assert redact(url) == shown
    assert "s3cret" not in str(parse(url))


def test_postgres_options_pass_through_with_a_connect_timeout() -> None:
    parsed = parse("postgres://u:p@/db?host=/tmp/sock&sslmode=disable")
    assert conninfo_to_dict(parsed.conninfo) == {
        "user": "u", "password": "p", "dbname": "db", "host": "/tmp/sock", "sslmode": "disable",
        "connect_timeout": "5"}
    assert conninfo_to_dict(parse("postgresql:///db?connect_timeout=2").conninfo)[
        "connect_timeout"] == "2"


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("postgresql://me@db1:5432,db2:5433/todo?target_session_attrs=read-write",
         {"user": "me", "host": "db1,db2", "port": "5432,5433", "dbname": "todo",
          "target_session_attrs": "read-write"}),
        ("postgresql://db1,db2/todo?target_session_attrs=prefer-standby&load_balance_hosts=random",
         {"host": "db1,db2", "port": ",", "dbname": "todo", "target_session_attrs": "prefer-standby",
          "load_balance_hosts": "random"}),
        ("postgresql://?service=minidb", {"service": "minidb"}),
        ("postgresql:///todo?host=/run/postgresql,/tmp&port=5432",
         {"host": "/run/postgresql,/tmp", "port": "5432", "dbname": "todo"}),
        ("postgresql://[::1]:5432/todo?sslmode=verify-full&sslrootcert=/etc/ca.pem&"
         "application_name=minidb&keepalives_idle=30",
         {"host": "::1", "port": "5432", "dbname": "todo", "sslmode": "verify-full",
          "sslrootcert": "/etc/ca.pem", "application_name": "minidb", "keepalives_idle": "30"}),
        ("host=db1,db2 port=5432,5433 dbname=todo target_session_attrs=read-write",
         {"host": "db1,db2", "port": "5432,5433", "dbname": "todo",
          "target_session_attrs": "read-write"}),
    ],
)
def test_every_libpq_connection_string_is_taken_as_libpq_reads_it(url: str, params: dict) -> None:
    parsed = parse(url)
    assert parsed.engine == "postgresql"
    assert {k: v for k, v in conninfo_to_dict(parsed.conninfo).items()
            if k != "connect_timeout"} == params
    assert str(parsed) == url  # no password: shown exactly as given


@pytest.mark.parametrize("url", ["postgresql://db1:5432,db2:x/db", "host=db1,db2 port=1,2,3",
                                 "postgresql://db:99999/db", "postgresql://db/db?nope=1"])
def test_a_postgresql_url_libpq_would_refuse_is_refused_before_connecting(url: str) -> None:
    with pytest.raises(InvalidURL):
        parse(url)


def test_a_closed_port_fails_fast_without_the_password() -> None:
    url = parse(f"postgresql://ada:s3cret@127.0.0.1:{free_port()}/db")
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as raised:
        connect(url)
    assert time.monotonic() - started < 10
    assert "s3cret" not in str(raised.value)
    assert str(raised.value).startswith("cannot connect to postgresql://ada:***@127.0.0.1:")


def test_a_missing_sqlite_directory_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(DatabaseUnavailable, match=r"directory .*nope does not exist"):
        connect(parse(f"sqlite:///{tmp_path}/nope/todo.db"))


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path) -> None:
    with connect(parse(f"sqlite:///{tmp_path}/x.db")) as db:
        assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


@pytest.mark.parametrize("url", ["sqlite:////abs/todo.db", "sqlite:///rel/todo.db",
                                 "postgresql://ada@db:5432/app?host=/run/pg"])
def test_urls_without_a_password_are_shown_exactly_as_given(url: str) -> None:
    assert redact(url) == url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://db:5432/app?user=me@corp&password=s3cret",
         "postgresql://db:5432/app?user=me@corp&password=***"),
        ("postgresql://ada:s3cret@db1:5432,db2:5432/app?target_session_attrs=read-write",
         "postgresql://ada:***@db1:5432,db2:5432/app?target_session_attrs=read-write"),
        ("host=db1,db2 user=ada password=s3cret dbname=app", "host=db1,db2 user=ada password=*** dbname=app"),
    ],
)
def test_a_parsed_url_shows_everything_but_the_password(url: str, shown: str) -> None:
    assert str(parse(url)) == shown


def test_a_port_before_an_at_sign_in_the_query_is_not_taken_for_a_password() -> None:
    url = parse(f"postgresql://ada@127.0.0.1:{free_port()}/db?application_name=me@corp")
    assert str(url) == url.url
    with pytest.raises(DatabaseUnavailable) as raised:
        connect(url)
    assert f"port {url.params['port']} failed" in str(raised.value)
