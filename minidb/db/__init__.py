"""The engine-neutral core: URLs, connections, engine adapters, named queries, migrations."""

from minidb.db.connection import Database, connect
from minidb.db.engines import Engine, UniqueKey, engine_of_error
from minidb.db.migrations import ensure_schema
from minidb.db.queries import Queries, load
from minidb.db.urls import DatabaseURL, InvalidURL, parse, redact
from minidb.errors import DatabaseUnavailable

__all__ = [
    "Database",
    "DatabaseURL",
    "DatabaseUnavailable",
    "Engine",
    "InvalidURL",
    "Queries",
    "UniqueKey",
    "connect",
    "engine_of_error",
    "ensure_schema",
    "load",
    "parse",
    "redact",
]
