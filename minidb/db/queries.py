"""Named SQL queries loaded from hand-written ``.sql`` files.

A query file holds one or more queries, each introduced by a header line::

    -- name: add_task :one
    -- Insert one task and return its id.
    INSERT INTO tasks (description) VALUES (:description) RETURNING id;

Parameters are written ``:name``. The scanner below finds them in one pass
and leaves alone everything that merely looks like one: string literals,
quoted identifiers, dollar-quoted bodies, comments, PostgreSQL ``::`` casts
and array slices. Each query is rendered once for its engine's driver (by
the engine's adapter: sqlite3 takes ``:name``, psycopg ``%(name)s``).

Each query becomes a function that describes itself, as aiosql's do::

    queries.add_task(conn, description="Buy milk")   # run it
    queries.add_task.sql, .kind, .path, .line         # what it is, and where
    help(queries.add_task)                            # its comment and parameters
    queries.list_tasks.stream(conn, ...)              # :many, read in batches
    queries.insert_task.many(conn, rows)              # :one, :scalar, :exec, batched

A query directory ``sql/<app>/`` holds the queries both engines share;
``sql/<app>/sqlite/`` and ``sql/<app>/postgresql/`` hold those whose SQL
differs. A name is defined once per engine: either shared or in each
engine folder, never both.

The module never commits: callers own their transactions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from inspect import Parameter, Signature
from operator import attrgetter
from pathlib import Path
from typing import Any, Protocol

from minidb.db.engines import Engine, engine_named
from minidb.distribution import package_folder

# What each kind of query returns: the single table of operation kinds.
KINDS: dict[str, Any] = {
    "many": list[Any],  # a list of rows
    "one": Any,  # one row, or None
    "scalar": Any,  # the first column of the first row, or None
    "rowcount": int,  # the number of rows changed
    "exec": None,  # nothing
    "script": None,  # nothing; runs several statements, takes no parameters
}

_HEADER = re.compile(r"^--\s*name:\s*(?P<name>\S+)(?:\s+:(?P<kind>\S+))?\s*$")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")


class QueryLoadError(ValueError):
    """A query file is malformed; the message names the file and line."""


class QueryArgumentError(TypeError):
    """A query was called with missing or unexpected parameters."""


@dataclass(frozen=True)
class Statement:
    """One SQL statement split into literal text and parameter names.

    ``parts`` alternates text and parameter names: text, name, text, ...,
    always starting and ending with text.
    """

    parts: tuple[str, ...]

    @property
    def params(self) -> tuple[str, ...]:
        return self.parts[1::2]


def scan(sql: str) -> list[Statement]:
    """Split SQL into statements and find ``:name`` parameters, in one pass.

    Skips over '…' and E'…' literals, "…" identifiers, $tag$…$tag$ bodies,
    -- and /* */ comments (nested, as PostgreSQL allows); treats ``::`` as a
    cast and a colon inside [...] as an array slice. Statements end at a
    top-level ``;``; what follows the last one, if only blanks and comments,
    is dropped so a trailing comment is harmless.
    """
    statements: list[Statement] = []
    parts: list[str] = []
    text: list[str] = []
    i, n = 0, len(sql)
    brackets = 0
    meaningful = False  # anything but blanks and comments since the last ';'

    def flush_statement() -> None:
        nonlocal parts, text, meaningful
        parts.append("".join(text))
        if meaningful:
            statements.append(Statement(tuple(parts)))
        parts, text, meaningful = [], [], False

    while i < n:
        c = sql[i]
        if c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            text.append(sql[i:end])
            i = end
            continue
        if c == "/" and sql.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if sql.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif sql.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            text.append(sql[i:j])
            i = j
            continue
        if c.isspace():
            text.append(c)
            i += 1
            continue
        if c == ";" and brackets == 0:
            flush_statement()
            i += 1
            continue
        meaningful = True
        if c == "'":
            backslashes = i > 0 and sql[i - 1] in "eE" and not _word_char(sql, i - 2)
            j = i + 1
            while j < n:
                if backslashes and sql[j] == "\\":
                    j += 2
                elif sql[j] == "'":
                    if j + 1 < n and sql[j + 1] == "'":
                        j += 2
                    else:
                        break
                else:
                    j += 1
            text.append(sql[i : j + 1])
            i = j + 1
        elif c == '"':
            j = i + 1
            while j < n:
                if sql[j] == '"':
                    if j + 1 < n and sql[j + 1] == '"':
                        j += 2
                        continue
                    break
                j += 1
            text.append(sql[i : j + 1])
            i = j + 1
        elif c == "$" and not _word_char(sql, i - 1) and (m := _DOLLAR_TAG.match(sql, i)):
            tag = m.group(0)
            end = sql.find(tag, m.end())
            j = n if end == -1 else end + len(tag)
            text.append(sql[i:j])
            i = j
        elif c == "[":
            brackets += 1
            text.append(c)
            i += 1
        elif c == "]":
            brackets = max(0, brackets - 1)
            text.append(c)
            i += 1
        elif c == ":":
            if sql.startswith("::", i):
                text.append("::")
                i += 2
                continue
            m = _PARAM_NAME.match(sql, i + 1)
            if m and brackets == 0 and not (i > 0 and sql[i - 1] == ":"):
                parts.append("".join(text))
                parts.append(m.group(0))
                text = []
                i = m.end()
            else:
                text.append(c)
                i += 1
        else:
            text.append(c)
            i += 1
    parts.append("".join(text))
    if meaningful:
        statements.append(Statement(tuple(parts)))
    return statements


def _word_char(sql: str, i: int) -> bool:
    return i >= 0 and (sql[i].isalnum() or sql[i] == "_")


@dataclass(frozen=True)
class Query:
    """One named query as its file defines it, before it is bound to an engine."""

    name: str
    kind: str
    doc: str
    statements: tuple[Statement, ...]
    path: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def params(self) -> tuple[str, ...]:
        """The parameter names, each once, in the order they first appear."""
        return tuple(dict.fromkeys(p for s in self.statements for p in s.params))

    def sql(self, engine: Engine | str) -> tuple[str, ...]:
        """Each statement as ``engine``'s driver takes it."""
        adapter = engine_named(engine)
        return tuple(adapter.render(s.parts) for s in self.statements)

    def check_arguments(self, args: Mapping[str, Any]) -> None:
        expected = set(self.params)
        missing = sorted(expected - args.keys())
        unexpected = sorted(args.keys() - expected)
        if missing or unexpected:
            problems = []
            if missing:
                problems.append("missing parameter(s) " + ", ".join(missing))
            if unexpected:
                problems.append("unexpected parameter(s) " + ", ".join(unexpected))
            raise QueryArgumentError(f"query {self.name} ({self.where}): {'; '.join(problems)}")


def parse_file(path: Path) -> list[Query]:
    """Parse one ``.sql`` file into its named queries."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    queries: list[Query] = []
    header: tuple[str, str, int] | None = None
    body: list[str] = []

    def finish() -> None:
        if header is None:
            # Comments may introduce the file; SQL may not stand outside a query.
            if scan("".join(body)):
                raise QueryLoadError(f"{path}:1: SQL before the first '-- name:' header")
            return
        name, kind, line = header
        doc: list[str] = []
        rest = list(body)
        while rest and (rest[0].lstrip().startswith("--") or not rest[0].strip()):
            if rest[0].strip():
                doc.append(rest[0].strip()[2:].strip())
            rest.pop(0)
        statements = scan("".join(rest))
        if not statements:
            raise QueryLoadError(f"{path}:{line}: query {name} has no SQL")
        if kind != "script" and len(statements) > 1:
            raise QueryLoadError(
                f"{path}:{line}: query {name} has {len(statements)} statements; "
                "only a :script query may have several"
            )
        if kind == "script" and any(s.params for s in statements):
            raise QueryLoadError(f"{path}:{line}: script {name} must not take parameters")
        queries.append(Query(name, kind, " ".join(doc), tuple(statements), path, line))

    for number, text in enumerate(lines, start=1):
        if text.lstrip().startswith("--") and re.match(r"\s*--\s*name:", text):
            finish()
            m = _HEADER.match(text.strip())
            if not m:
                raise QueryLoadError(f"{path}:{number}: malformed header {text.strip()!r}")
            name, kind = m.group("name"), m.group("kind")
            if not _IDENTIFIER.match(name):
                raise QueryLoadError(f"{path}:{number}: query name {name!r} is not an identifier")
            if kind not in KINDS:
                raise QueryLoadError(
                    f"{path}:{number}: query {name} has unknown kind :{kind}; "
                    f"expected one of {', '.join(':' + k for k in KINDS)}"
                )
            header, body = (name, kind, number), []
        else:
            body.append(text)
    finish()
    return queries


class QueryFn(Protocol):
    """A query bound to an engine: call it, or read what it is."""

    __name__: str
    __signature__: Signature
    sql: str
    kind: str
    path: Path
    line: int
    params: tuple[str, ...]

    def __call__(self, conn: Any, /, **params: Any) -> Any: ...


class RowsQuery(QueryFn, Protocol):
    """A ``:many`` query, which can also hand its rows out a batch at a time."""

    def stream(self, conn: Any, /, batch_size: int = 1000, **params: Any) -> Iterator[Any]: ...


class Queries:
    """The named queries of one query directory, bound to one engine.

    Each query is an attribute: ``queries.add_task(conn, description="Buy milk")``.
    """

    def __init__(self, directory: Path, engine: Engine | str) -> None:
        self.engine = engine_named(engine)
        self.directory = directory
        self._queries: dict[str, Query] = {}
        for path in (sorted(directory.glob("*.sql"))
                     + sorted((directory / self.engine.name).glob("*.sql"))):
            for query in parse_file(path):
                if query.name in self._queries:
                    first = self._queries[query.name]
                    raise QueryLoadError(
                        f"{query.where}: duplicate query name {query.name} (first at {first.where})"
                    )
                if hasattr(self, query.name):
                    raise QueryLoadError(
                        f"{query.where}: query name {query.name} is taken by an attribute of Queries"
                    )
                self._queries[query.name] = query
                # An instance attribute, so a call is a plain attribute lookup.
                setattr(self, query.name, bind(query, self.engine))

    def query(self, name: str) -> Query:
        """The definition of a query, to render it for another engine (EXPLAIN, benchmarks)."""
        return self._queries[name]


def _fetch_all(cursor: Any) -> list[Any]:
    return cursor.fetchall()


def _fetch_one(cursor: Any) -> Any:
    return cursor.fetchone()


def _nothing(cursor: Any) -> None:
    return None


# How each kind reads its cursor. Measured on Python 3.11: a def beats
# operator.methodcaller by ~30 ns a call; attrgetter beats a def by ~40 ns.
_FETCH: dict[str, Callable[[Any], Any]] = {
    "many": _fetch_all,
    "one": _fetch_one,
    "rowcount": attrgetter("rowcount"),
    "exec": _nothing,
}


def bind(query: Query, engine: Engine) -> QueryFn:
    """The function behind ``queries.<name>(conn, **params)``, for ``engine``'s driver.

    Everything that can be decided once is decided here (the SQL for this
    driver, how to fetch, the note for errors), so a call costs one
    comparison of the parameter names and the driver's own work: the
    benchmark holds this module to within a few per cent of a bare cursor.
    """
    expected = frozenset(query.params)
    statements = query.sql(engine)
    note = f"in query {query.name} at {query.where}"
    check = query.check_arguments

    extras: dict[str, Any] = {}
    if query.kind == "script":
        def run(conn: Any, /, **params: Any) -> None:
            if params:
                check(params)
            try:
                for sql in statements:
                    conn.execute(sql, {})  # a mapping, so psycopg un-doubles each %%
            except Exception as error:
                _annotate(error, engine, note)
                raise
    else:
        (sql,) = statements
        fetch = engine.scalar if query.kind == "scalar" else _FETCH[query.kind]

        def run(conn: Any, /, **params: Any) -> Any:
            if params.keys() != expected:
                check(params)  # raises, naming what is wrong
            try:
                return fetch(conn.execute(sql, params))
            except Exception as error:
                _annotate(error, engine, note)
                raise

        if query.kind == "many":
            extras["stream"] = _streamer(query, engine, sql, note)
        elif query.kind in ("one", "scalar", "exec"):
            extras["many"] = _batcher(query, engine, sql, fetch, note)

    run.__name__ = query.name
    run.__qualname__ = f"Queries.{query.name}"
    run.__doc__ = query.doc or None
    vars(run).update(
        __signature__=_signature(query, KINDS[query.kind]), sql=";\n".join(statements),
        kind=query.kind, path=query.path, line=query.line, params=query.params, **extras,
    )
    return run  # type: ignore[return-value]


def _signature(query: Query, returns: Any, *extra: Parameter) -> Signature:
    """What ``help()`` and IDEs show: the connection, then each parameter by keyword."""
    return Signature([Parameter("conn", Parameter.POSITIONAL_ONLY),
                      *(Parameter(name, Parameter.KEYWORD_ONLY) for name in query.params), *extra],
                     return_annotation=returns)


def _streamer(query: Query, engine: Engine, sql: str, note: str) -> Callable[..., Iterator[Any]]:
    def stream(conn: Any, /, batch_size: int = 1000, **params: Any) -> Iterator[Any]:
        """Yield the rows without loading them all: ``batch_size`` at a time.

        On PostgreSQL a server-side cursor, so call it inside a transaction.
        """
        query.check_arguments(params)
        try:
            yield from engine.stream(conn, sql, params, batch_size, query.name)
        except Exception as error:
            _annotate(error, engine, note)
            raise

    stream.__qualname__ = f"Queries.{query.name}.stream"
    vars(stream)["__signature__"] = _signature(
        query, Iterator[Any], Parameter("batch_size", Parameter.KEYWORD_ONLY, default=1000))
    return stream


def _batcher(query: Query, engine: Engine, sql: str, fetch: Callable[[Any], Any],
             note: str) -> Callable[..., list[Any]]:
    returning = query.kind != "exec"
    expected = frozenset(query.params)

    def many(conn: Any, rows: Iterable[Mapping[str, Any]], /) -> list[Any]:
        """Run once per mapping of ``rows``; return what each run returns, in order.

        On PostgreSQL the whole batch travels in one pipelined round trip.
        Every mapping is checked before anything is sent.
        """
        batch = list(rows)
        for params in batch:
            if params.keys() != expected:
                query.check_arguments(params)  # raises, naming what is wrong
        try:
            return engine.run_many(conn, sql, batch, fetch, returning)
        except Exception as error:
            _annotate(error, engine, note)
            raise

    many.__qualname__ = f"Queries.{query.name}.many"
    return many


def _annotate(error: Exception, engine: Engine, note: str) -> None:
    """Point a driver error at the query's file and line."""
    if engine.owns(error):
        error.add_note(note)


def load(app: str, engine: Engine | str, root: Path | None = None) -> Queries:
    """Load ``sql/<app>/`` for ``engine``; ``root`` defaults to the repo's ``sql/``."""
    return Queries((root or SQL_ROOT) / app, engine)


SQL_ROOT = package_folder("sql")
