"""PostgreSQL through psycopg 3.

A connect timeout, rows as dicts, a UTC session, on whichever server of a
multi-host URL libpq picks. A write refused because that server is
read-only (a standby) is reported as such, not as the driver's "cannot
execute INSERT in a read-only transaction". psycopg is imported on first
use, so SQLite users never pay for it.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

from minidb.db.engines.base import Engine, UniqueKey
from minidb.errors import DatabaseUnavailable, ReadOnlyDatabase

if TYPE_CHECKING:
    from minidb.db.connection import Database
    from minidb.db.urls import DatabaseURL

READ_ONLY_SQLSTATE = "25006"  # read_only_sql_transaction
INSUFFICIENT_PRIVILEGE_SQLSTATE = "42501"
UNDEFINED_TABLE_SQLSTATE = "42P01"
UNIQUE_VIOLATION_SQLSTATE = "23505"
DUPLICATE_TABLE_SQLSTATE = "42P07"
# Class 08 (connection exception) and 57P (operator intervention:
# pg_terminate_backend, a shutdown): the server said why it is going.
CONNECTION_LOST_SQLSTATES = ("08", "57P")


def _sqlstate(error: BaseException) -> str:
    return getattr(error, "sqlstate", None) or ""


class PostgresEngine(Engine):
    name = "postgresql"
    set_statements_for_batches = True

    def connect(self, url: DatabaseURL) -> Any:
        import psycopg
        from psycopg.rows import dict_row

        _quiet_driver_log()
        try:
            conn = psycopg.connect(url.conninfo, autocommit=True, row_factory=dict_row)
        except psycopg.Error as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise DatabaseUnavailable(f"cannot connect to {url}: {url.scrub(reason)}") from None
        try:
            _core_queries(self).use_utc_session(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    @contextmanager
    def transaction(self, db: Database, write: bool) -> Iterator[Any]:
        try:
            with db.conn.transaction():
                yield db.conn
        except Exception as error:
            failure = self.read_only_failure(db, error)
            if failure is not None:
                raise failure from None
            raise

    def render(self, parts: Sequence[str]) -> str:
        # psycopg takes %(name)s, so every literal % is doubled.
        return "".join(part.replace("%", "%%") if i % 2 == 0 else f"%({part})s"
                       for i, part in enumerate(parts))

    @staticmethod
    def scalar(cursor: Any) -> Any:
        row = cursor.fetchone()
        return None if row is None else next(iter(row.values()))  # a dict_row

    def run_many(self, conn: Any, sql: str, batch: list[Mapping[str, Any]],
                 fetch: Callable[[Any], Any], returning: bool) -> list[Any]:
        # psycopg's executemany pipelines the whole batch in one round trip,
        # which is what makes a large import fast on a server far away.
        if not batch:
            return []
        with conn.cursor() as cursor:
            cursor.executemany(sql, batch, returning=returning)
            if not returning:
                return [None] * len(batch)
            results = [fetch(cursor)]
            while cursor.nextset():
                results.append(fetch(cursor))
            return results

    def prepare_bulk_write(self, conn: Any) -> None:
        # Nothing: the buffers that matter are the server's, sized by its administrator.
        pass

    def stream(self, conn: Any, sql: str, params: Mapping[str, Any], batch_size: int,
               name: str) -> Iterator[Any]:
        # A server-side cursor, so it must run inside a transaction (every command has one).
        with conn.cursor(name=f"stream_{name}") as cursor:
            cursor.itersize = batch_size
            cursor.execute(sql, params)
            yield from cursor

    @contextmanager
    def migration_lock(self, db: Database, app: str) -> Iterator[None]:
        # A session advisory lock, which the server releases if we die. A
        # stable number per app; crc32 rather than a cryptographic hash
        # because hashlib alone costs 2 ms of CLI start-up.
        key = zlib.crc32(f"minidb:{app}".encode())
        queries = _core_queries(self)
        queries.lock_migrations(db.conn, key=key)
        try:
            yield
        finally:
            queries.unlock_migrations(db.conn, key=key)

    @contextmanager
    def yoyo_backend(self, db: Database) -> Iterator[Any]:
        """yoyo on the connection minidb opened, never on a URL of its own.

        yoyo parses URLs itself and cannot read multi-host URLs, services or
        keyword/value strings, which libpq (and so minidb) takes; and a
        second connection to a multi-host URL could reach another server.
        """
        from psycopg.rows import tuple_row

        saved = db.conn.row_factory
        db.conn.row_factory = tuple_row  # yoyo reads rows by position
        try:
            backend = _given_connection_backend()(db)
            backend.init_database()
            yield backend
        finally:
            db.conn.row_factory = saved

    def owns(self, error: BaseException) -> bool:
        return type(error).__module__.startswith("psycopg")

    def is_missing_table(self, error: BaseException) -> bool:
        return _sqlstate(error) == UNDEFINED_TABLE_SQLSTATE

    def violates(self, error: BaseException, key: UniqueKey) -> bool:
        if _sqlstate(error) != UNIQUE_VIOLATION_SQLSTATE:
            return False
        return getattr(getattr(error, "diag", None), "constraint_name", None) == key.name

    def read_only_failure(self, db: Database, error: BaseException) -> ReadOnlyDatabase | None:
        if _sqlstate(error) != READ_ONLY_SQLSTATE:
            return None
        info = db.conn.info
        server = f"{info.host} port {info.port}" if info.host.startswith("/") else f"{info.host}:{info.port}"
        return ReadOnlyDatabase(
            f"the database server {server} is read-only (a standby?), so nothing was changed: "
            f"writes need the primary; name every node in the URL with "
            f"target_session_attrs=read-write ({db.url})"
        )

    def is_permission_denied(self, error: BaseException) -> bool:
        return _sqlstate(error) == INSUFFICIENT_PRIVILEGE_SQLSTATE

    def is_connection_lost(self, error: BaseException) -> bool:
        # The client sees an OperationalError; when the server got to say why
        # first, it is the server's error, with a connection-class sqlstate.
        if not self.owns(error):
            return False
        return (type(error).__name__ in ("OperationalError", "InterfaceError")
                or _sqlstate(error).startswith(CONNECTION_LOST_SQLSTATES))


@cache
def _core_queries(engine: PostgresEngine) -> Any:
    from minidb.db.queries import load  # the query module loads the engines: import on use

    return load("core", engine)


def _quiet_driver_log() -> None:
    """Keep psycopg's clean-up log off stderr.

    psycopg logs what it ignores while cleaning up after a lost connection
    ("error ignored terminating <psycopg.Pipeline [BAD]>" when executemany's
    pipeline is torn down). Unconfigured, Python's last-resort handler
    prints that beside the one Error: line the raised error becomes, which
    says it all.
    """
    import logging  # already loaded by psycopg: free here, unlike at start-up

    driver_log = logging.getLogger("psycopg")
    if not driver_log.handlers:
        driver_log.addHandler(logging.NullHandler())


_backend_class: type | None = None


def _given_connection_backend() -> type:
    """yoyo's psycopg 3 backend, on a connection it is given and does not close."""
    global _backend_class
    if _backend_class is not None:
        return _backend_class
    from yoyo.backends.core.postgresql import PostgresqlPsycopgBackend
    from yoyo.connections import DatabaseURI
    from yoyo.migrations import default_migration_table

    class GivenConnectionBackend(PostgresqlPsycopgBackend):
        def __init__(self, db: Database) -> None:
            self._db = db
            # yoyo reads only the database name of it (and the connection we give it)
            uri = DatabaseURI("postgresql+psycopg", None, None, None, None,
                              db.conn.info.dbname, {})
            super().__init__(uri, default_migration_table)

        def connect(self, dburi: object) -> Any:
            return self._db.conn

        def copy(self) -> GivenConnectionBackend:
            # yoyo runs each migration on a "copy" with a connection of its
            # own; the same connection serves, as nothing else is in a
            # transaction on it meanwhile, and a second connection to a
            # multi-host URL could reach another server.
            return type(self)(self._db)

        def __exit__(self, *exc: object) -> None:
            """The connection belongs to the caller, who closes it."""

        def create_lock_table(self) -> None:
            # yoyo ignores every error here, so a role that may not create
            # tables failed later with 'relation "yoyo_lock" does not exist'.
            try:
                with self.transaction():
                    self.execute(self.format_sql(self.create_lock_table_sql))
            except self.DatabaseError as error:
                if _sqlstate(error) != DUPLICATE_TABLE_SQLSTATE:
                    raise

    _backend_class = GivenConnectionBackend
    return _backend_class
