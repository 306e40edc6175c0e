"""The notes database: one MongoClient per process, found through the app.

The shape is that of the Flask tutorial's ``db.py``: ``init_app(app)`` gives
an app its database, ``get_database()`` finds it from a view or a command,
and ``close_app(app)`` lets it go. The client lives as long as the process,
not a request, because pymongo's client is a thread-safe pool that is meant
to be shared.
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
from collections.abc import Mapping
from datetime import UTC
from typing import Any

import click
from flask import Flask, current_app
from pymongo import MongoClient
from pymongo.errors import (
    BulkWriteError,
    ConfigurationError,
    ConnectionFailure,
    OperationFailure,
    PyMongoError,
)

from minidb.errors import InvalidInput
from minidb.notes.repository import COLLECTION, NoteRepository

__all__ = [
    "DEFAULT_DATABASE",
    "DEFAULT_MONGODB_URI",
    "NotesDatabase",
    "UnusableURI",
    "close_app",
    "describe",
    "get_database",
    "init_app",
    "is_unavailable",
]

DEFAULT_MONGODB_URI = "mongodb://localhost:27017/notesdb"
DEFAULT_DATABASE = "notesdb"
EXTENSION = "minidb_notes"

log = logging.getLogger(__name__)


class NotesDatabase:
    """The app's one MongoClient, its database, and the note repository.

    pymongo's client is a thread-safe connection pool that monitors the
    servers in the background, reconnecting on its own when the database
    comes back, so one per process is both enough and what pymongo expects.
    """

    def __init__(self, uri: str, config: Mapping[str, Any]) -> None:
        self.client: MongoClient[dict[str, Any]] = MongoClient(
            uri,
            tz_aware=True,
            tzinfo=UTC,
            serverSelectionTimeoutMS=config["NOTES_SERVER_SELECTION_TIMEOUT_MS"],
            connectTimeoutMS=config["NOTES_CONNECT_TIMEOUT_MS"],
            appname="minidb-notes",
            # Connect (and resolve mongodb+srv:// DNS records) on first use, so
            # the app starts even when the database or its DNS is unreachable.
            connect=False,
        )
        self.database = self.client.get_default_database(default=DEFAULT_DATABASE)
        #: The notes, with the read preference the URI gives (primary if none).
        self.collection = self.database[COLLECTION]
        self.notes = NoteRepository(self.collection, timeout=config["NOTES_OPERATION_TIMEOUT"])
        self._indexes_ready = False
        self._lock = threading.Lock()

    def ensure_indexes(self) -> None:
        """Create the indexes once per process; retried until it succeeds.

        If the database is down when the app starts, the app still starts
        (serving 503s), and the first request after the database returns
        creates the indexes.
        """
        if self._indexes_ready:
            return
        with self._lock:
            if self._indexes_ready:
                return
            try:
                self.notes.ensure_indexes()
            except PyMongoError as error:
                if is_unavailable(error):
                    raise
                # E.g. a read-only user: serving without the indexes beats not serving.
                log.warning("could not create indexes: %s", describe(error))
            self._indexes_ready = True

    def close(self) -> None:
        self.client.close()


class UnusableURI(InvalidInput):
    """MONGODB_URI is not a MongoDB connection string pymongo can use."""


def get_database(app: Flask | None = None) -> NotesDatabase:
    """The database of ``app``, or of the current app (in a request or a command)."""
    database = (app or current_app).extensions[EXTENSION]
    if isinstance(database, UnusableURI):
        raise database
    return database


def init_app(app: Flask) -> None:
    """Give ``app`` its database (from ``app.config``), closed when the process exits.

    An app that is about to serve also creates the indexes now, and says in
    one line if the database cannot be reached; it starts all the same, and
    the first request after the database returns creates them.

    A MONGODB_URI that pymongo cannot parse stops a server from starting;
    a CLI command reports it as its one ``Error:`` line instead of a
    traceback from inside Flask's app loading.
    """
    try:
        database = NotesDatabase(app.config["MONGODB_URI"], app.config)
    except (ConfigurationError, ValueError, TypeError) as error:
        if _serving():
            raise
        # The reason, not the URI: that may hold a password.
        app.extensions[EXTENSION] = UnusableURI(f"MONGODB_URI is not a usable MongoDB URI: {error}")
        return
    app.extensions[EXTENSION] = database
    # Flask has no "app shutdown" signal; process exit is the end of the app.
    atexit.register(database.close)

    if app.config["NOTES_CREATE_INDEXES"] and _serving():
        try:
            database.ensure_indexes()
        except PyMongoError as error:
            log.warning("database unavailable at start-up, indexes deferred: %s", describe(error))


def close_app(app: Flask) -> None:
    """Close the app's MongoClient (tests and embedders; exit does it otherwise)."""
    database = app.extensions.pop(EXTENSION, None)
    if isinstance(database, NotesDatabase):
        atexit.unregister(database.close)
        database.close()


def _serving() -> bool:
    """Whether the app is being made to serve requests, not to run one command.

    Flask's CLI builds the app for every command, ``flask run`` included;
    the other commands (``export``, ``import``, ``init-db``) reach the
    database themselves and report on it in their own ``Error:`` line.
    Outside a click command (gunicorn, tests, embedders) the app serves.
    """
    ctx = click.get_current_context(silent=True)
    return ctx is None or ctx.command.name == "run"


#: Server error codes that mean "not now": the server is stepping down, in an
#: election, shutting down, or cannot reach the other members. pymongo turns
#: most of them into NotPrimaryError (a ConnectionFailure) when they answer a
#: command, but not when they come as a write concern error (waiting for
#: w=majority when the primary steps down) or as the retryable network codes.
TRANSIENT_CODES = frozenset(
    {
        6,  # HostUnreachable
        7,  # HostNotFound
        89,  # NetworkTimeout
        91,  # ShutdownInProgress
        134,  # ReadConcernMajorityNotAvailableYet
        189,  # PrimarySteppedDown
        262,  # ExceededTimeLimit
        9001,  # SocketException
        10058,  # LegacyNotPrimary
        10107,  # NotWritablePrimary
        11600,  # InterruptedAtShutdown
        11602,  # InterruptedDueToReplStateChange
        13435,  # NotPrimaryNoSecondaryOk
        13436,  # NotPrimaryOrSecondary
    }
)


def is_unavailable(error: PyMongoError) -> bool:
    """Errors that mean "the database cannot serve this now", not "a bug".

    That is: it cannot be reached in time, or a replica set is between
    primaries (a step-down or an election), which the server may report as
    an error code or a "RetryableWriteError" label rather than by dropping
    the connection. A ConfigurationError raised by an operation (rather
    than by MongoClient itself, at start-up) comes from resolving a
    mongodb+srv:// name: DNS is down or the name is wrong, and either way
    the database is unreachable.
    """
    if isinstance(error, ConnectionFailure | ConfigurationError) or error.timeout:
        return True
    if isinstance(error, OperationFailure):
        return error.code in TRANSIENT_CODES or error.has_error_label("RetryableWriteError")
    return False


_CONFIGURED_TIMEOUTS = re.compile(r" \(configured timeouts: [^)]*\)")


def describe(error: PyMongoError) -> str:
    """One line about a database error, without pymongo's dumps.

    A server selection timeout appends ", Timeout: 2.0s, Topology
    Description: <...>" (hundreds of characters per server) to the reason,
    every network error the configured timeouts, and a server's error its
    whole reply (", full error: {...}", which for a failed insert holds the
    note itself); the reason alone is what a person needs.
    """
    if isinstance(error, BulkWriteError) and error.details.get("writeErrors"):
        text = str(error.details["writeErrors"][0].get("errmsg", error))
    else:
        text = str(error)
    text = " ".join(text.split())
    for dump in (", Timeout: ", ", Topology Description: ", ", full error: "):
        text = text.split(dump, 1)[0]
    return _CONFIGURED_TIMEOUTS.sub("", text) or type(error).__name__
