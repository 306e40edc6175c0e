"""Database URLs (SPEC §1) and connecting to them."""

from __future__ import annotations

import time

import pytest

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
    assert parsed.conninfo == "postgresql://u:p@/db?host=%2Ftmp%2Fsock&sslmode=disable&connect_timeout=5"
    assert parsed.yoyo_uri.startswith("postgresql+psycopg://u:p@/db?")
    assert "connect_timeout=2" in parse("postgresql:///db?connect_timeout=2").conninfo


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
