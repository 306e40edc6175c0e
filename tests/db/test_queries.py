"""The query module: file format, the parameter scanner, and both drivers."""

from __future__ import annotations

import inspect
import os
import pydoc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minidb.db import connect, parse
from minidb.db.engines.postgresql import PostgresEngine
from minidb.db.engines.sqlite import SQLiteEngine
from minidb.db.queries import SQL_ROOT, Queries, QueryArgumentError, QueryLoadError, load, scan

# Each case: SQL, the parameters the scanner must find, in order.
SCANNER_CASES = [
    ("SELECT :a, :b_2", ["a", "b_2"]),
    ("SELECT 'a:b'", []),
    ("SELECT '', :x", ["x"]),
    ("SELECT 'it''s :not'", []),
    ("SELECT E'\\':x', :y", ["y"]),
    ("SELECT e'\\\\', :y", ["y"]),
    ('SELECT ":quoted" FROM t', []),
    ('SELECT "a""b:c", :z', ["z"]),
    ("SELECT $$ :x $$, :y", ["y"]),
    ("SELECT $tag$ :x $$ :still_inside $tag$, :y", ["y"]),
    ("SELECT 1 -- :x in a comment\n, :y", ["y"]),
    ("SELECT /* :x /* nested :y */ :z */ :w", ["w"]),
    ("SELECT :a::int", ["a"]),
    ("SELECT x::date FROM t", []),
    ("SELECT arr[1:2], arr[lo:hi] FROM t", []),
    ("SELECT :a; -- trailing comment :b", ["a"]),
    ("SELECT 5 % :n, 'a%'", ["n"]),
    ("SELECT ::a", []),
]


@pytest.mark.parametrize(("sql", "params"), SCANNER_CASES)
def test_scanner_finds_exactly_the_parameters(sql: str, params: list[str]) -> None:
    (statement,) = scan(sql)
    assert list(statement.params) == params


def test_scanner_splits_statements_and_drops_a_trailing_comment() -> None:
    statements = scan("SELECT 1; SELECT ';'; -- done\n/* really */")
    assert [SQLiteEngine().render(s.parts).strip() for s in statements] == ["SELECT 1", "SELECT ';'"]


def test_psycopg_rendering_doubles_literal_percent_signs() -> None:
    (statement,) = scan("SELECT 5 % :n, 'a%' LIKE :p")
    assert PostgresEngine().render(statement.parts) == "SELECT 5 %% %(n)s, 'a%%' LIKE %(p)s"
    assert SQLiteEngine().render(statement.parts) == "SELECT 5 % :n, 'a%' LIKE :p"


def write(tmp_path: Path, text: str, name: str = "q.sql") -> Path:
    (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-- name: a :one\nSELECT 1;\n-- name: a :one\nSELECT 2;\n", "q.sql:3: duplicate query name a"),
        ("-- name: a :many_rows\nSELECT 1;\n", "q.sql:1: query a has unknown kind :many_rows"),
        ("-- name: a :one\nSELECT 1; SELECT 2;\n", "q.sql:1: query a has 2 statements"),
        ("-- name: 1a :one\nSELECT 1;\n", "q.sql:1: query name '1a' is not an identifier"),
        ("-- name: query :one\nSELECT 1;\n", "q.sql:1: query name query is taken by an attribute"),
        ("SELECT 1;\n-- name: a :one\nSELECT 1;\n", "q.sql:1: SQL before the first"),
        ("-- name: a :script\nSELECT :x;\n", "q.sql:1: script a must not take parameters"),
        ("-- name: a :one\n-- only a comment\n", "q.sql:1: query a has no SQL"),
    ],
)
def test_load_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(QueryLoadError, match=message.replace("(", r"\(")):
        Queries(write(tmp_path, text), "sqlite")


def test_a_name_defined_shared_and_per_engine_is_a_load_error(tmp_path: Path) -> None:
    write(tmp_path, "-- name: a :scalar\nSELECT 1;\n")
    (tmp_path / "sqlite").mkdir()
    write(tmp_path / "sqlite", "-- name: a :scalar\nSELECT 2;\n")
    with pytest.raises(QueryLoadError, match="duplicate query name a"):
        Queries(tmp_path, "sqlite")
    assert Queries(tmp_path, "postgresql").query("a").kind == "scalar"


QUERIES = """\
-- A file may open with comments.

-- name: make_table :script
-- Two statements, no parameters; '%' and ':x' in literals are left alone.
CREATE TABLE items (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
INSERT INTO items (id, body) VALUES (100, '100%:x');

-- name: add :exec
INSERT INTO items (id, body) VALUES (:id, :body);

-- name: body_of :scalar
SELECT body FROM items WHERE id = :id; -- trailing comment

-- name: get :one
SELECT id, body FROM items WHERE id = :id;

-- name: all_items :many
SELECT id, body FROM items ORDER BY id;

-- name: like_percent :many
-- A literal '%' in a LIKE pattern and the modulo operator, on both drivers.
SELECT id FROM items WHERE body LIKE '100%' AND id % :n = 0;

-- name: rename :rowcount
UPDATE items SET body = :body WHERE id >= :from_id;

-- name: broken :one
SELECT no_such_column FROM items WHERE id = :id;

-- name: broken_many :exec
INSERT INTO no_such_table (id) VALUES (:id);

-- name: broken_rows :many
SELECT id FROM no_such_table;
"""


@pytest.fixture
def items(tmp_path: Path, engine: str, databases) -> tuple[Queries, object]:
    queries = Queries(write(tmp_path, QUERIES), engine)
    url = databases.new(engine, "none", migrated=False) if engine == "postgresql" else (
        f"sqlite:///{tmp_path / 'items.db'}"
    )
    db = connect(parse(url))
    with db.transaction() as conn:
        queries.make_table(conn)
    yield queries, db
    db.close()


def test_every_kind_on_both_drivers(items) -> None:
    queries, db = items
    with db.transaction() as conn:
        assert queries.add(conn, id=1, body="one") is None
        assert queries.add(conn, id=2, body="two") is None
        assert queries.body_of(conn, id=100) == "100%:x"
        assert queries.body_of(conn, id=999) is None
        assert dict(queries.get(conn, id=1)) == {"id": 1, "body": "one"}
        assert queries.get(conn, id=999) is None
        assert [r["id"] for r in queries.all_items(conn)] == [1, 2, 100]
        assert [r["id"] for r in queries.like_percent(conn, n=10)] == [100]
        assert queries.rename(conn, body="x", from_id=2) == 2
        assert [r["body"] for r in queries.all_items.stream(conn, batch_size=1)] == ["one", "x", "x"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"id": 1}, r"query add \(.*q.sql:8\): missing parameter\(s\) body"),
        ({"id": 1, "body": "b", "extra": 2}, r"unexpected parameter\(s\) extra"),
        ({}, r"missing parameter\(s\) body, id"),
    ],
)
def test_wrong_arguments_fail_the_same_way_before_anything_is_sent(items, params, message) -> None:
    queries, db = items
    with pytest.raises(QueryArgumentError, match=message), db.transaction() as conn:
        queries.add(conn, **params)


def test_a_driver_error_names_the_query_and_its_file_line(items) -> None:
    queries, db = items
    with pytest.raises(Exception) as raised, db.transaction() as conn:
        queries.broken(conn, id=1)
    assert any("in query broken at" in note and "q.sql:27" in note for note in raised.value.__notes__)


def test_the_module_never_commits(items) -> None:
    queries, db = items
    with pytest.raises(RuntimeError), db.transaction() as conn:
        queries.add(conn, id=7, body="rolled back")
        raise RuntimeError
    with db.transaction(write=False) as conn:
        assert queries.get(conn, id=7) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")))
def test_any_text_round_trips_unchanged_as_a_parameter(items, text: str) -> None:
    queries, db = items
    with db.transaction() as conn:
        queries.rename(conn, body=text, from_id=0)
        assert queries.body_of(conn, id=100) == text


def test_many_returns_each_result_in_order(items) -> None:
    queries, db = items
    with db.transaction() as conn:
        assert queries.add.many(conn, [{"id": i, "body": f"b{i}"} for i in (5, 6, 7)]) == [None] * 3
        assert queries.body_of.many(conn, [{"id": 7}, {"id": 404}, {"id": 5}]) == ["b7", None, "b5"]
        rows = queries.get.many(conn, [{"id": 6}, {"id": 404}])
        assert dict(rows[0]) == {"id": 6, "body": "b6"} and rows[1] is None
        assert queries.get.many(conn, []) == []
        with pytest.raises(QueryArgumentError, match=r"missing parameter\(s\) body"):
            queries.add.many(conn, [{"id": 8, "body": "ok"}, {"id": 9}])
    with db.transaction(write=False) as conn:
        assert queries.get(conn, id=8) is None  # the bad batch sent nothing


def test_only_row_queries_stream_and_only_single_row_queries_batch(items) -> None:
    queries, _ = items
    assert hasattr(queries.all_items, "stream") and not hasattr(queries.all_items, "many")
    for name in ("add", "body_of", "get"):
        assert hasattr(getattr(queries, name), "many") and not hasattr(getattr(queries, name), "stream")
    for name in ("rename", "make_table"):
        assert not hasattr(getattr(queries, name), "many")
        assert not hasattr(getattr(queries, name), "stream")


def test_a_driver_error_while_streaming_or_batching_names_the_query(items) -> None:
    queries, db = items
    with pytest.raises(Exception) as raised, db.transaction() as conn:
        queries.broken_many.many(conn, [{"id": 1}])
    assert any("in query broken_many at" in note for note in raised.value.__notes__)
    with pytest.raises(Exception) as raised, db.transaction() as conn:
        list(queries.broken_rows.stream(conn))
    assert any("in query broken_rows at" in note and "q.sql:" in note for note in raised.value.__notes__)


def test_a_query_describes_itself(tmp_path: Path) -> None:
    queries = Queries(write(tmp_path, QUERIES), "postgresql")
    add = queries.add
    assert add.__name__ == "add" and add.kind == "exec"
    assert add.sql == "INSERT INTO items (id, body) VALUES (%(id)s, %(body)s)"
    assert (add.path, add.line) == (str(tmp_path / "q.sql"), 8)
    assert str(inspect.signature(add)) == "(conn, /, *, id, body) -> None"
    assert str(inspect.signature(queries.body_of)) == "(conn, /, *, id) -> Any"
    assert str(inspect.signature(queries.all_items.stream)).startswith("(conn, /, *, batch_size=1000)")
    assert queries.like_percent.__doc__ == (
        "A literal '%' in a LIKE pattern and the modulo operator, on both drivers.")
    assert Queries(tmp_path, "sqlite").add.sql == "INSERT INTO items (id, body) VALUES (:id, :body)"


def test_help_shows_a_query_s_comment_and_parameters(tmp_path: Path) -> None:
    queries = Queries(write(tmp_path, QUERIES), "sqlite")
    shown = pydoc.render_doc(queries.rename, renderer=pydoc.plaintext)
    assert "rename(conn, /, *, body, from_id) -> int" in shown
    shown = pydoc.render_doc(queries.make_table, renderer=pydoc.plaintext)
    assert "Two statements, no parameters" in shown


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_every_shipped_query_scans_and_binds(engine) -> None:
    # The apps load their queries lazily (each is scanned on first use), so a
    # malformed one in sql/ would fail only when a user's command reaches it.
    for app in sorted(os.listdir(SQL_ROOT)):
        queries = Queries(os.path.join(SQL_ROOT, app), engine)  # eager: raises on any malformed query
        assert queries.query(next(iter(queries._queries))).statements, app


def test_a_lazily_loaded_query_is_scanned_and_bound_on_first_use(tmp_path) -> None:
    (tmp_path / "q").mkdir()
    queries = load("q", "sqlite", root=write(tmp_path / "q", QUERIES).parent)
    assert "add" not in vars(queries)
    assert queries.add.sql == "INSERT INTO items (id, body) VALUES (:id, :body)"
    assert vars(queries)["add"] is queries.add  # bound once, then a plain attribute
    with pytest.raises(AttributeError, match="no query named 'nope'"):
        queries.nope  # noqa: B018
