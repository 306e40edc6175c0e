"""Named SQL queries loaded from hand-written ``.sql`` files.

A query file holds one or more queries, each introduced by a header line::

    -- name: add_task :one
    -- Insert one task and return its id.
    INSERT INTO tasks (description) VALUES (:description) RETURNING id;

Parameters are written ``:name``. The scanner below finds them in one pass
and leaves alone everything that merely looks like one: string literals,
quoted identifiers, dollar-quoted bodies, comments, PostgreSQL ``::`` casts
and array slices. Each query is rendered once per driver: sqlite3 takes the
``:name`` form as it is; psycopg gets ``%(name)s`` with every literal ``%``
doubled.

A query directory ``sql/<app>/`` holds the queries both engines share;
``sql/<app>/sqlite/`` and ``sql/<app>/postgresql/`` hold those whose SQL
differs. A name is defined once per engine: either shared or in each
engine folder, never both.

The module never commits: callers own their transactions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minidb.distribution import package_folder

ENGINES = ("sqlite", "postgresql")

#: The values a key can take on both engines (SQLite INTEGER, PostgreSQL bigint):
#: an id outside it names no record, and must not reach a driver, which would
#: fail (sqlite3: OverflowError) rather than find nothing.
KEY_RANGE = range(-(2**63), 2**63)

# What each kind of query returns; the single table of operation kinds.
KINDS = {
    "many": "a list of rows",
    "one": "one row, or None",
    "scalar": "the first column of the first row, or None",
    "rowcount": "the number of rows changed",
    "exec": "nothing",
    "script": "nothing; runs several statements, takes no parameters",
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

    def render(self, engine: str) -> str:
        if engine == "sqlite":
            texts = self.parts[0::2]
            out = [texts[0]]
            for name, text in zip(self.params, texts[1:], strict=True):
                out.append(f":{name}{text}")
            return "".join(out)
        if engine == "postgresql":
            texts = [t.replace("%", "%%") for t in self.parts[0::2]]
            out = [texts[0]]
            for name, text in zip(self.params, texts[1:], strict=True):
                out.append(f"%({name})s{text}")
            return "".join(out)
        raise ValueError(f"unknown engine {engine!r}")


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


@dataclass
class Query:
    """One named query, rendered once per driver on first use."""

    name: str
    kind: str
    doc: str
    statements: tuple[Statement, ...]
    path: Path
    line: int
    _rendered: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def params(self) -> frozenset[str]:
        return frozenset(p for s in self.statements for p in s.params)

    def sql(self, engine: str) -> tuple[str, ...]:
        rendered = self._rendered.get(engine)
        if rendered is None:
            rendered = self._rendered[engine] = tuple(s.render(engine) for s in self.statements)
        return rendered

    def check_arguments(self, args: Mapping[str, Any]) -> None:
        missing = sorted(self.params - args.keys())
        unexpected = sorted(args.keys() - self.params)
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


class Queries:
    """The named queries of one query directory, for one engine.

    Call a query as a method with the connection first and parameters as
    keywords: ``queries.add_task(conn, description="Buy milk")``.
    """

    def __init__(self, directory: Path, engine: str) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}")
        self.engine = engine
        self.directory = directory
        self._queries: dict[str, Query] = {}
        for path in sorted(directory.glob("*.sql")) + sorted((directory / engine).glob("*.sql")):
            for query in parse_file(path):
                if hasattr(Queries, query.name):
                    raise QueryLoadError(
                        f"{query.where}: query name {query.name} is taken by a method of Queries"
                    )
                if query.name in self._queries:
                    first = self._queries[query.name]
                    raise QueryLoadError(
                        f"{query.where}: duplicate query name {query.name} (first at {first.where})"
                    )
                self._queries[query.name] = query
        for name, query in self._queries.items():
            # Instance attributes, so a call is a plain attribute lookup.
            setattr(self, name, self._bind(query))

    def query(self, name: str) -> Query:
        return self._queries[name]

    def _bind(self, query: Query) -> Callable[..., Any]:
        """The callable behind ``queries.<name>(conn, **params)``.

        Everything that can be decided once is decided here (the SQL for
        this driver, how to fetch, the note for errors), so a call costs one
        comparison of the parameter names and the driver's own work: the
        benchmark holds this module to within a few per cent of a bare cursor.
        """
        expected = query.params
        statements = query.sql(self.engine)
        note = f"in query {query.name} at {query.where}"
        first = _first_of_row if self.engine == "sqlite" else _first_of_mapping
        kind = query.kind

        if kind == "script":
            def run(conn: Any, /, **params: Any) -> None:
                if params:
                    query.check_arguments(params)
                try:
                    for sql in statements:
                        conn.execute(sql, {})  # a mapping, so psycopg un-doubles each %%
                except Exception as error:
                    _annotate(error, note)
                    raise
        else:
            (sql,) = statements
            fetch = {
                "many": _fetch_all,
                "one": _fetch_one,
                "scalar": lambda cursor: _scalar(cursor, first),
                "rowcount": _rowcount,
                "exec": _nothing,
            }[kind]

            def run(conn: Any, /, **params: Any) -> Any:
                if params.keys() != expected:
                    query.check_arguments(params)  # raises, naming what is wrong
                try:
                    return fetch(conn.execute(sql, params))
                except Exception as error:
                    _annotate(error, note)
                    raise

        run.__name__ = query.name
        run.__qualname__ = f"Queries.{query.name}"
        run.__doc__ = query.doc
        return run

    def run_many(self, conn: Any, name: str, rows: Iterable[Mapping[str, Any]]) -> list[Any]:
        """Run a ``:one``, ``:scalar`` or ``:exec`` query once per parameter mapping.

        Returns what each run returns, in order. On PostgreSQL the whole
        batch travels in one pipelined round trip (psycopg's executemany),
        which is what makes a large import fast there; SQLite runs in-process
        and needs no batching.
        """
        query = self._queries[name]
        if query.kind not in ("one", "scalar", "exec"):
            raise TypeError(f"query {name} is :{query.kind}; run_many takes :one, :scalar or :exec")
        batch = list(rows)
        for params in batch:
            query.check_arguments(params)
        if self.engine != "postgresql" or not batch:
            run = getattr(self, name)
            return [run(conn, **params) for params in batch]
        (sql,) = query.sql(self.engine)
        returning = query.kind != "exec"
        try:
            with conn.cursor() as cursor:
                cursor.executemany(sql, batch, returning=returning)
                if not returning:
                    return [None] * len(batch)
                results = []
                while True:
                    row = cursor.fetchone()
                    results.append(row if query.kind == "one" or row is None else _first_of_mapping(row))
                    if not cursor.nextset():
                        return results
        except Exception as error:
            _annotate(error, f"in query {query.name} at {query.where}")
            raise

    def iterate(self, conn: Any, name: str, batch_size: int = 1000, **params: Any) -> Iterator[Any]:
        """Stream the rows of a ``:many`` query without loading them all.

        On PostgreSQL this uses a server-side cursor, so it must run inside
        a transaction (every command has one).
        """
        query = self._queries[name]
        if query.kind != "many":
            raise TypeError(f"query {name} is :{query.kind}; only :many queries stream")
        query.check_arguments(params)
        (sql,) = query.sql(self.engine)
        try:
            if self.engine == "postgresql":
                with conn.cursor(name=f"stream_{name}") as cursor:
                    cursor.itersize = batch_size
                    cursor.execute(sql, params)
                    yield from cursor
            else:
                cursor = conn.execute(sql, params)
                while rows := cursor.fetchmany(batch_size):
                    yield from rows
        except Exception as error:
            _annotate(error, f"in query {query.name} at {query.where}")
            raise


def _fetch_all(cursor: Any) -> list[Any]:
    return cursor.fetchall()


def _fetch_one(cursor: Any) -> Any:
    return cursor.fetchone()


def _scalar(cursor: Any, first: Callable[[Any], Any]) -> Any:
    row = cursor.fetchone()
    return None if row is None else first(row)


def _rowcount(cursor: Any) -> int:
    return cursor.rowcount


def _nothing(cursor: Any) -> None:
    return None


def _first_of_row(row: Any) -> Any:
    return row[0]  # sqlite3.Row


def _first_of_mapping(row: Any) -> Any:
    return next(iter(row.values()))  # psycopg dict_row


def _annotate(error: Exception, note: str) -> None:
    if _is_driver_error(error):
        error.add_note(note)


def _is_driver_error(error: Exception) -> bool:
    module = type(error).__module__
    return module.startswith(("sqlite3", "psycopg"))


def load(app: str, engine: str, root: Path | None = None) -> Queries:
    """Load ``sql/<app>/`` for ``engine``; ``root`` defaults to the repo's ``sql/``."""
    return Queries((root or SQL_ROOT) / app, engine)


SQL_ROOT = package_folder("sql")
