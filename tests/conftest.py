"""Fixtures every engine-dependent test shares.

Each such test runs twice, on SQLite and on PostgreSQL (``engine``), with a
fresh database of its own that is already migrated (``new_database``).
PostgreSQL databases are cloned from a migrated template; SQLite files are
copies of a migrated file. The user's own settings are removed from the
environment for the whole run, so no test can reach the user's databases.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from minidb.db import connect, ensure_schema, parse
from tests.harness import postgres

if TYPE_CHECKING:
    import psycopg

    from tests.harness.mongo import MongoServer

USER_SETTINGS = ("TODO_DATABASE_URL", "CONTACTS_DATABASE_URL", "DATABASE_URL", "MONGODB_URI",
                 "NOTES_API_TOKEN", "CONTACTS_DEFAULT_REGION", "MINIDB_DATA_DIR", "XDG_DATA_HOME")
PREFIX = "minidb_test_"
ENGINES = ("sqlite", "postgresql")


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Hide the user's database settings; give the run a data dir of its own."""
    saved = {name: os.environ.pop(name) for name in USER_SETTINGS if name in os.environ}
    os.environ["MINIDB_DATA_DIR"] = str(tmp_path_factory.mktemp("data-dir"))
    yield
    os.environ.pop("MINIDB_DATA_DIR", None)
    os.environ.update(saved)


class Databases:
    """Makes migrated databases of an app, fast, and drops them at the end."""

    def __init__(self, scratch: Path) -> None:
        self._scratch = scratch
        self._stack = ExitStack()
        self._server_url: str | None = None
        self._templates: dict[tuple[str, str], str] = {}
        self._counter = itertools.count(1)
        self._created: list[str] = []

    def server(self) -> str:
        """A superuser URL: TEST_POSTGRES_URL, or a throwaway cluster started on first use."""
        if self._server_url is None:
            given = os.environ.get("TEST_POSTGRES_URL")
            if given:
                self._server_url = given
            else:
                try:
                    self._server_url = self._stack.enter_context(postgres.throwaway_cluster())
                except postgres.PostgresUnavailable as error:
                    pytest.fail(
                        f"PostgreSQL is required for the test suite and could not start: {error}",
                        pytrace=False,
                    )
        return self._server_url

    def _admin(self) -> psycopg.Connection[Any]:
        """A connection to the server's maintenance database."""
        import psycopg

        return psycopg.connect(self.server(), autocommit=True)

    def new(self, engine: str, app: str, migrated: bool = True) -> str:
        n = next(self._counter)
        if engine == "sqlite":
            path = self._scratch / f"{app}-{n}.db"
            if migrated:
                shutil.copyfile(self._template(engine, app), path)
            return f"sqlite:///{path}"
        name = f"{PREFIX}{os.getpid()}_{app}_{n}"
        template = f" TEMPLATE {self._template(engine, app)}" if migrated else ""
        with self._admin() as admin:
            admin.execute(f"CREATE DATABASE {name}{template}")
        self._created.append(name)
        return postgres.database_url(self.server(), name)

    def _template(self, engine: str, app: str) -> str:
        key = (engine, app)
        if key not in self._templates:
            if engine == "sqlite":
                path = self._scratch / f"template-{app}.db"
                url = f"sqlite:///{path}"
                self._templates[key] = str(path)
            else:
                name = f"{PREFIX}{os.getpid()}_template_{app}"
                with self._admin() as admin:
                    admin.execute(f"DROP DATABASE IF EXISTS {name}")
                    admin.execute(f"CREATE DATABASE {name}")
                self._created.append(name)
                url = postgres.database_url(self.server(), name)
                self._templates[key] = name
            with connect(parse(url)) as db:
                ensure_schema(db, app)
        return self._templates[key]

    def close(self) -> None:
        """Drop every database made here, then stop the cluster if we started one."""
        with self._stack:
            if self._created:
                with self._admin() as admin:
                    for name in reversed(self._created):
                        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    made = Databases(tmp_path_factory.mktemp("sqlite"))
    yield made
    made.close()


@pytest.fixture(scope="session")
def postgres_server(databases: Databases) -> str:
    """A superuser URL of the test server (for tests that make their own databases)."""
    return databases.server()


@pytest.fixture(scope="session")
def mongo() -> Iterator[MongoServer]:
    """One MongoDB wire-protocol server for the session (tests/harness/mongo.py), started on first use."""
    # Imported here: pymongo and the notes app stay out of runs that need no server.
    from tests.harness.mongo import mongo_server

    with mongo_server() as server:
        yield server


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def new_database(engine: str, databases: Databases) -> Callable[..., str]:
    """``new_database("todo")`` → the URL of a fresh, migrated database on ``engine``."""

    def make(app: str, migrated: bool = True) -> str:
        return databases.new(engine, app, migrated)

    return make
