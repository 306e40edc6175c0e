"""The engine-neutral core: URLs, connections, named queries, migrations."""

from minidb.db.connection import Database, DatabaseUnavailable, connect
from minidb.db.migrations import ensure_schema
from minidb.db.queries import Queries, load
from minidb.db.urls import DatabaseURL, InvalidURL, parse, redact

__all__ = [
    "Database",
    "DatabaseURL",
    "DatabaseUnavailable",
    "InvalidURL",
    "Queries",
    "connect",
    "ensure_schema",
    "load",
    "parse",
    "redact",
]
