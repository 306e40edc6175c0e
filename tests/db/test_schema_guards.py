"""Schemas minidb must not touch: one upgraded by a newer minidb, one the role may not create."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from click.testing import Result

from minidb.db import connect, parse
from tests.helpers import APPS, invoke

ENGINE_TAG = {"sqlite": "sqlite", "postgresql": "pg"}
# A column each schema has today, which a newer minidb might well rename.
RENAMED_COLUMN = {"todo": ("tasks", "description"), "contacts": ("contacts", "name")}


def run(app: str, url: str, *args: str, input: str | None = None) -> Result:
    return invoke(app, "--db", url, *args, input=input)


def upgrade_as_a_newer_minidb_would(url: str, app: str, migration_id: str) -> None:
    """Change the schema and record a migration this minidb does not ship."""
    table, column = RENAMED_COLUMN[app]
    with connect(parse(url)) as db, db.transaction() as conn:
        conn.execute(f"ALTER TABLE {table} RENAME COLUMN {column} TO {column}_v2")
        marker = "?" if db.engine == "sqlite" else "%s"
        conn.execute("INSERT INTO _yoyo_migration (migration_hash, migration_id, applied_at_utc) "
                     f"VALUES ({marker}, {marker}, CURRENT_TIMESTAMP)",
                     (f"hash-of-{migration_id}", migration_id))


@pytest.mark.parametrize("app", APPS)
def test_a_database_upgraded_by_a_newer_minidb_is_refused_by_every_command(
        new_database: Callable[..., str], engine: str, app: str) -> None:
    url = new_database(app)
    newer = f"{app}_{ENGINE_TAG[engine]}_0002_from_the_future"
    upgrade_as_a_newer_minidb_would(url, app, newer)
    commands = [["list"], ["show", "1"], ["export"], ["delete", "1"], ["migrate"],
                ["migrate", "--check"], ["import", "-"],
                ["add", "Ada"] if app == "contacts" else ["add", "a", "task"]]
    for command in commands:
        result = run(app, url, *command, input="[]")
        assert result.exit_code == 1, (command, result.output)
        assert result.stdout == ""
        assert result.stderr.startswith(
            f"Error: this database was upgraded by a newer minidb (migrations {newer})"), command
        assert result.stderr.count("\n") == 1


def test_apps_sharing_one_database_do_not_take_each_other_for_newer(
        new_database: Callable[..., str]) -> None:
    url = new_database("todo")
    for app, command in (("contacts", ["add", "Ada"]), ("todo", ["add", "a", "task"]),
                         ("contacts", ["migrate", "--check"]), ("todo", ["migrate", "--check"])):
        result = run(app, url, *command)
        assert (result.exit_code, result.stderr) == (0, ""), (app, command)


_roles = itertools.count(1)


def database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@pytest.fixture
def admin_sql(postgres_server: str) -> Callable[..., None]:
    """``admin_sql(database, *statements)``: run them as the superuser in that database."""

    def run_as_superuser(database: str, *statements: str) -> None:
        parts = urlsplit(postgres_server)
        url = urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))
        with psycopg.connect(url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    return run_as_superuser


@pytest.fixture
def login_role(admin_sql: Callable[..., None]) -> Iterator[Callable[[str], str]]:
    """``login_role(url)``: the URL of ``url``'s database as a new role with no privileges."""
    made: list[tuple[str, str]] = []

    def as_new_role(url: str) -> str:
        role = f"minidb_test_role_{os.getpid()}_{next(_roles)}"
        admin_sql("postgres", f"CREATE ROLE {role} LOGIN PASSWORD 'Role-Secret-9'")
        made.append((role, database_of(url)))
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit((parts.scheme, f"{role}:Role-Secret-9@{host}", parts.path, parts.query, ""))

    yield as_new_role
    for role, database in made:
        admin_sql(database, f"REASSIGN OWNED BY {role} TO CURRENT_USER", f"DROP OWNED BY {role}")
        admin_sql("postgres", f"DROP ROLE {role}")


@pytest.mark.parametrize("app", APPS)
def test_a_role_that_may_not_create_the_schema_is_told_why(
        databases, login_role: Callable[[str], str], app: str) -> None:
    url = login_role(databases.new("postgresql", app, migrated=False))
    result = run(app, url, "list")
    assert result.exit_code == 1
    assert "permission denied for schema public" in result.stderr
    assert "yoyo_lock" not in result.stderr and "Role-Secret-9" not in result.stderr
    assert result.stderr.startswith("Error: cannot create or upgrade the schema of ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("app", APPS)
def test_the_privileges_the_readme_names_are_enough(
        databases, login_role: Callable[[str], str], admin_sql: Callable[..., None],
        app: str) -> None:
    """To create the schema: own the database, or CREATE on the schema (and the database, for
    the contacts' pg_trgm extension). To use it: the four table privileges."""
    url = databases.new("postgresql", app, migrated=False)
    owner_url = login_role(url)
    owner = urlsplit(owner_url).username
    database = database_of(url)
    admin_sql("postgres", f"ALTER DATABASE {database} OWNER TO {owner}")
    added = run(app, owner_url, "add", "Ada", "Lovelace")
    assert (added.exit_code, added.stderr) == (0, "")

    # Not the owner: CREATE on the schema, and on the database for the extension.
    creator_url = login_role(databases.new("postgresql", app, migrated=False))
    creator, elsewhere = urlsplit(creator_url).username, database_of(creator_url)
    admin_sql(elsewhere, f"GRANT CREATE ON SCHEMA public TO {creator}")
    admin_sql("postgres", f"GRANT CREATE ON DATABASE {elsewhere} TO {creator}")
    added = run(app, creator_url, "add", "Ada", "Lovelace")
    assert (added.exit_code, added.stderr) == (0, "")

    user_url = login_role(url)
    user = urlsplit(user_url).username
    admin_sql(database, f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {user}")
    for command in (["add", "Charles", "Babbage"], ["list"], ["delete", "1"], ["export"]):
        result = run(app, user_url, *command)
        assert (result.exit_code, result.stderr) == (0, ""), command
