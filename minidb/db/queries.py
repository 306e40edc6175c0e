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

import os
from operator import attrgetter

from minidb.db.engines import Engine, engine_named
from minidb.distribution import package_folder

# Every command loads its queries at start-up, so this module imports neither
# re, dataclasses, inspect, pathlib nor typing (together ~30 ms of start-up).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from inspect import Signature
    from typing import Any, Protocol

# What each kind of query returns: the single table of operation kinds
# (written as the return annotation ``help()`` shows).
KINDS: dict[str, str] = {
    "many": "list[Any]",  # a list of rows
    "one": "Any",  # one row, or None
    "scalar": "Any",  # the first column of the first row, or None
    "rowcount": "int",  # the number of rows changed
    "exec": "None",  # nothing
    "script": "None",  # nothing; runs several statements, takes no parameters
}

_IDENTIFIER_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_IDENTIFIER_CHARS = _IDENTIFIER_START | frozenset("0123456789")


def _identifier_end(text: str, start: int) -> int:
    """Where the ASCII identifier (``[A-Za-z_][A-Za-z0-9_]*``) at ``start`` ends; ``start`` if none."""
    if start >= len(text) or text[start] not in _IDENTIFIER_START:
        return start
    end = start + 1
    while end < len(text) and text[end] in _IDENTIFIER_CHARS:
        end += 1
    return end


def _is_identifier(name: str) -> bool:
    return bool(name) and _identifier_end(name, 0) == len(name)


def _dollar_tag_at(sql: str, i: int) -> str | None:
    """The ``$tag$`` (or ``$$``) that opens a dollar-quoted body at ``i``, if one does."""
    end = _identifier_end(sql, i + 1)
    return sql[i : end + 1] if end < len(sql) and sql[end] == "$" else None


class QueryLoadError(ValueError):
    """A query file is malformed; the message names the file and line."""


class QueryArgumentError(TypeError):
    """A query was called with missing or unexpected parameters."""


class Statement:
    """One SQL statement split into literal text and parameter names.

    ``parts`` alternates text and parameter names: text, name, text, ...,
    always starting and ending with text.
    """

    __slots__ = ("parts",)

    def __init__(self, parts: tuple[str, ...]) -> None:
        self.parts = parts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Statement) and other.parts == self.parts

    def __hash__(self) -> int:
        return hash(self.parts)

    def __repr__(self) -> str:
        return f"Statement(parts={self.parts!r})"

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
        elif c == "$" and not _word_char(sql, i - 1) and (tag := _dollar_tag_at(sql, i)):
            end = sql.find(tag, i + len(tag))
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
            end = _identifier_end(sql, i + 1)
            if end > i + 1 and brackets == 0 and not (i > 0 and sql[i - 1] == ":"):
                parts.append("".join(text))
                parts.append(sql[i + 1 : end])
                text = []
                i = end
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


class Query:
    """One named query as its file defines it, before it is bound to an engine.

    Its SQL is scanned into statements the first time they are asked for, so
    loading a directory costs one read of each file, not a scan of every query.
    """

    __slots__ = ("_statements", "body", "doc", "kind", "line", "name", "path")

    def __init__(self, name: str, kind: str, doc: str, body: str, path: str, line: int) -> None:
        self.name, self.kind, self.doc = name, kind, doc
        self.body, self.path, self.line = body, path, line
        self._statements: tuple[Statement, ...] | None = None

    def __repr__(self) -> str:
        return f"<Query {self.name} :{self.kind} at {self.where}>"

    @property
    def statements(self) -> tuple[Statement, ...]:
        """The query's statements; QueryLoadError, naming the file and line, if they are not what
        its kind allows."""
        if self._statements is None:
            statements = scan(self.body)
            where, name, kind = self.where, self.name, self.kind
            if not statements:
                raise QueryLoadError(f"{where}: query {name} has no SQL")
            if kind != "script" and len(statements) > 1:
                raise QueryLoadError(
                    f"{where}: query {name} has {len(statements)} statements; "
                    "only a :script query may have several"
                )
            if kind == "script" and any(s.params for s in statements):
                raise QueryLoadError(f"{where}: script {name} must not take parameters")
            self._statements = tuple(statements)
        return self._statements

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


def parse_file(path: str | os.PathLike[str]) -> list[Query]:
    """Parse one ``.sql`` file into its named queries."""
    path = os.fspath(path)
    with open(path, encoding="utf-8") as file:
        lines = file.read().splitlines(keepends=True)
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
        queries.append(Query(name, kind, " ".join(doc), "".join(rest), path, line))

    for number, text in enumerate(lines, start=1):
        stripped = text.strip()
        if stripped.startswith("--") and stripped[2:].lstrip().startswith("name:"):
            finish()
            words = stripped[2:].lstrip()[len("name:"):].split()
            if not (len(words) == 1 or (len(words) == 2 and len(words[1]) > 1
                                        and words[1].startswith(":"))):
                raise QueryLoadError(f"{path}:{number}: malformed header {stripped!r}")
            name, kind = words[0], words[1][1:] if len(words) == 2 else None
            if not _is_identifier(name):
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


if TYPE_CHECKING:
    class QueryFn(Protocol):
        """A query bound to an engine: call it, or read what it is.

        ``inspect.signature`` (and so ``help()``) finds its signature through
        ``__wrapped__`` (see :class:`_Signature`).
        """

        __name__: str
        sql: str
        kind: str
        path: str
        line: int
        params: tuple[str, ...]

        def __call__(self, conn: Any, /, **params: Any) -> Any: ...

    class RowsQuery(QueryFn, Protocol):
        """A ``:many`` query, which can also hand its rows out a batch at a time."""

        def stream(self, conn: Any, /, batch_size: int = 1000, **params: Any) -> Iterator[Any]: ...


class Queries:
    """The named queries of one query directory, bound to one engine.

    Each query is an attribute: ``queries.add_task(conn, description="Buy milk")``.
    Loaded ``lazy``, each query is scanned and bound on first use (a command
    uses a few of its app's queries); otherwise all at once, so a malformed
    query fails the load.
    """

    def __init__(self, directory: str | os.PathLike[str], engine: Engine | str,
                 lazy: bool = False) -> None:
        self.engine = engine_named(engine)
        self.directory = directory = os.fspath(directory)
        self._queries: dict[str, Query] = {}
        for path in (_sql_files(directory) + _sql_files(os.path.join(directory, self.engine.name))):
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
        if not lazy:
            for name in self._queries:
                getattr(self, name)

    def __getattr__(self, name: str) -> QueryFn:
        # Called once per query, on first use: the bound query then becomes an
        # instance attribute, so every later call is a plain attribute lookup.
        query = self.__dict__.get("_queries", {}).get(name)
        if query is None:
            raise AttributeError(f"no query named {name!r} in {self.__dict__.get('directory')}")
        bound = bind(query, self.engine)
        setattr(self, name, bound)
        return bound

    def query(self, name: str) -> Query:
        """The definition of a query, to render it for another engine (EXPLAIN, benchmarks)."""
        return self._queries[name]


def _sql_files(directory: str) -> list[str]:
    """The ``.sql`` files of a directory, by name; none if it does not exist."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    return [os.path.join(directory, name) for name in sorted(names)
            if name.endswith(".sql") and not name.startswith(".")]


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
        __wrapped__=_Signature(query.params, KINDS[query.kind]), sql=";\n".join(statements),
        kind=query.kind, path=query.path, line=query.line, params=query.params, **extras,
    )
    return run  # type: ignore[return-value]


class _Signature:
    """What ``help()`` and IDEs show for a query function: the connection, then
    each parameter by keyword.

    ``inspect.signature`` follows a function's ``__wrapped__`` to the first
    object that has a ``__signature__``: this one, which builds it only when
    asked, since importing inspect would cost every command ~5 ms of start-up.
    """

    __slots__ = ("batch_size", "params", "returns")

    def __init__(self, params: tuple[str, ...], returns: str, batch_size: bool = False) -> None:
        self.params, self.returns, self.batch_size = params, returns, batch_size

    def __call__(self, *args: object, **kwargs: object) -> None:
        raise TypeError("a signature, not a query: call the query function")

    @property
    def __signature__(self) -> Signature:
        from collections.abc import Iterator
        from inspect import Parameter, Signature
        from typing import Any

        returns = {"list[Any]": list[Any], "Any": Any, "int": int, "None": None,
                   "Iterator[Any]": Iterator[Any]}[self.returns]
        extra = [Parameter("batch_size", Parameter.KEYWORD_ONLY, default=1000)] if self.batch_size else []
        return Signature([Parameter("conn", Parameter.POSITIONAL_ONLY),
                          *(Parameter(name, Parameter.KEYWORD_ONLY) for name in self.params), *extra],
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
    vars(stream)["__wrapped__"] = _Signature(query.params, "Iterator[Any]", batch_size=True)
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


def load(app: str, engine: Engine | str, root: str | os.PathLike[str] | None = None) -> Queries:
    """Load ``sql/<app>/`` for ``engine``, each query scanned on first use; ``root``
    defaults to the repo's ``sql/``. (A test loads every shipped file eagerly.)"""
    return Queries(os.path.join(root or SQL_ROOT, app), engine, lazy=True)


SQL_ROOT = package_folder("sql")
