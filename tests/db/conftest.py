"""A replicated PostgreSQL (primary + synchronous standby) for the replication tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import psycopg
import pytest
from click.testing import CliRunner, Result

from minidb.contacts.cli import cli as contacts_cli
from minidb.todo.cli import cli as todo_cli
from tests.harness import postgres

CLIS = {"todo": todo_cli, "contacts": contacts_cli}


def run_cli(app: str, url: str, *args: str, input: str | None = None,
            env: dict[str, str] | None = None) -> Result:
    """``python -m minidb.<app> --db URL ARGS``, in-process."""
    return CliRunner().invoke(CLIS[app], ["--db", url, *args], input=input, env=env,
                              prog_name=f"python -m minidb.{app}")


def start_pair() -> Iterator[postgres.ReplicatedPair]:
    try:
        with postgres.replicated_pair() as pair:
            yield pair
    except postgres.PostgresUnavailable as error:
        pytest.fail(f"a replicated PostgreSQL pair could not start: {error}", pytrace=False)


@pytest.fixture(scope="module")
def pair() -> Iterator[postgres.ReplicatedPair]:
    """One primary and its synchronous standby, shared by a module's tests."""
    yield from start_pair()


_names = itertools.count(1)


@pytest.fixture
def pair_database(pair: postgres.ReplicatedPair) -> Callable[[], str]:
    """``pair_database()`` → the name of a new, empty database on the pair (on both nodes)."""

    def make() -> str:
        name = f"replicated_{next(_names)}"
        with psycopg.connect(pair.primary.url, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return name

    return make
