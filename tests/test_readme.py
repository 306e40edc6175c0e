"""The README cannot drift: its examples run as shown, and its tables of
commands and options are the ones the programs offer.

Every ```console block of README.md runs, in order, in one shell, against a
fresh data dir and the suite's throwaway servers (tests/harness/transcript.py
describes the convention). The PostgreSQL URLs and the notes API address the
README shows are mapped to those servers:

| the README shows | the test uses |
| --- | --- |
| ``http://127.0.0.1:5000`` | the notes API in a real gunicorn on a free port, on a fresh MongoDB database |
| ``MONGODB_URI`` (unset: the default server) | that same database, for ``minidb notes export/import`` |
| ``postgresql://me@db.example.com/todo`` | a fresh, empty database, as the superuser |
| ``postgresql://minidb@db.example.com/contacts`` | a fresh, empty database, as the superuser |
| ``postgresql://app@db.example.com/todo`` | a fresh, empty database, as a role with no privileges |
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import Databases
from tests.harness.mongo import MongoServer, new_database_name
from tests.harness.transcript import RUN, Session, check_fences, fenced_blocks, session_environment
from tests.helpers import REPO
from tests.notes.helpers import serve

README = REPO / "README.md"
NOTES_API = "http://127.0.0.1:5000"
#: A role that may log in and nothing more, to show what a role without privileges gets.
UNPRIVILEGED_ROLE = "minidb_test_app"


def role_url(database_url: str, role: str) -> str:
    """``database_url`` with ``role`` as its user (and no password)."""
    parts = urlsplit(database_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


@pytest.fixture
def unprivileged_role(databases: Databases) -> Iterator[str]:
    import psycopg

    with psycopg.connect(databases.server(), autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {UNPRIVILEGED_ROLE}")
        admin.execute(f"CREATE ROLE {UNPRIVILEGED_ROLE} LOGIN")
    yield UNPRIVILEGED_ROLE
    with psycopg.connect(databases.server(), autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {UNPRIVILEGED_ROLE}")


@pytest.fixture
def readme_session(tmp_path: Path, mongo: MongoServer, databases: Databases,
                   unprivileged_role: str) -> Iterator[Session]:
    """A shell in an empty directory (with docs/ of the checkout), fresh data dir, the servers mapped."""
    mongodb = new_database_name()
    mongodb_uri = mongo.database_uri(mongodb)
    # Fresh and unmigrated, as a user's new database: the examples create the schemas.
    def empty_database(app: str) -> str:
        return databases.new("postgresql", app, migrated=False)

    substitutions = {
        "postgresql://me@db.example.com/todo": empty_database("todo"),
        "postgresql://minidb@db.example.com/contacts": empty_database("contacts"),
        "postgresql://app@db.example.com/todo": role_url(empty_database("todo"), unprivileged_role),
        NOTES_API: "",  # the address of the server started below
    }
    workdir = tmp_path / "work"
    workdir.mkdir()
    environment = session_environment(
        os.environ,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        MINIDB_DATA_DIR=str(tmp_path / "data"),
        MONGODB_URI=mongodb_uri,
        LANG="C.UTF-8",
    )
    gunicorn = ["gunicorn", "--workers", "1", "-b", "127.0.0.1:{port}", "minidb.notes:create_app()"]
    try:
        with serve(gunicorn, mongodb_uri) as (base, _process):
            substitutions[NOTES_API] = base
            session = Session(workdir, environment, substitutions, {"docs": REPO / "docs"})
            try:
                yield session
            finally:
                session.close()
    finally:
        mongo.drop_database(mongodb)


def test_every_transcript_is_a_console_block_and_every_block_has_a_known_type():
    assert check_fences(list(fenced_blocks(README.read_text()))) == []


def test_the_readme_examples_run_as_shown(readme_session):
    differences = []
    for block in fenced_blocks(README.read_text()):
        if block.info == RUN:
            differences += readme_session.run_block(block)
    assert not differences, "\n\n".join(differences)
