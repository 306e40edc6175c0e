"""A replicated PostgreSQL (primary + synchronous standby) for the replication tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import psycopg
import pytest

from tests.harness import postgres


def _start_pair() -> Iterator[postgres.ReplicatedPair]:
    try:
        with postgres.replicated_pair() as pair:
            yield pair
    except postgres.PostgresUnavailable as error:
        pytest.fail(f"a replicated PostgreSQL pair could not start: {error}", pytrace=False)


@pytest.fixture(scope="module")
def pair() -> Iterator[postgres.ReplicatedPair]:
    """One primary and its synchronous standby, shared by a module's tests."""
    yield from _start_pair()


@pytest.fixture
def fresh_pair() -> Iterator[postgres.ReplicatedPair]:
    """A pair of the test's own, for a test that uses it up (a failover)."""
    yield from _start_pair()


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
