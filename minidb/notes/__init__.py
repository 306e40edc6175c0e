"""The Notes REST API: Flask over MongoDB through pymongo.

``flask --app minidb.notes run`` for development,
``gunicorn 'minidb.notes:create_app()'`` for production (without
``--preload``: each worker process must create its own MongoClient, which is
not fork-safe).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Mapping
from datetime import UTC
from typing import Any

from flask import Flask, current_app
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from minidb.notes.problems import is_unavailable, register_error_handlers
from minidb.notes.repository import COLLECTION, NoteRepository

__all__ = ["DEFAULT_MONGODB_URI", "NotesDatabase", "close_app", "create_app", "get_database"]

DEFAULT_MONGODB_URI = "mongodb://localhost:27017/notesdb"
DEFAULT_DATABASE = "notesdb"
EXTENSION = "minidb_notes"

DEFAULT_CONFIG: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # Connecting gives up after 2 s, server selection after 2 s, and each
    # operation, selection included, after 2.5 s (pymongo.timeout). A request
    # against a dead or stalled database therefore fails in about 2.5 s, well
    # inside the 5 s the API promises, and never hangs on pymongo's 30 s default.
    "NOTES_SERVER_SELECTION_TIMEOUT_MS": 2000,
    "NOTES_CONNECT_TIMEOUT_MS": 2000,
    "NOTES_OPERATION_TIMEOUT": 2.5,
    "NOTES_RETRY_AFTER": 5,
    "NOTES_CREATE_INDEXES": True,
}

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
        self.notes = NoteRepository(self.database[COLLECTION], timeout=config["NOTES_OPERATION_TIMEOUT"])
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
                log.warning("could not create indexes: %s", error)
            self._indexes_ready = True

    def close(self) -> None:
        self.client.close()


def get_database(app: Flask | None = None) -> NotesDatabase:
    return (app or current_app).extensions[EXTENSION]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides the defaults and the environment.

    ``MONGODB_URI`` comes from ``config``, else the environment variable of
    that name, else ``mongodb://localhost:27017/notesdb``. The database is
    the one named in the URI's path, ``notesdb`` if it names none.
    """
    app = Flask(__name__)
    app.config.update(DEFAULT_CONFIG)
    app.config["MONGODB_URI"] = os.environ.get("MONGODB_URI") or DEFAULT_MONGODB_URI
    if config:
        app.config.update(config)
    # Keep fields in the documented order (id, title, ...), not sorted.
    app.json.sort_keys = False  # type: ignore[attr-defined]

    database = NotesDatabase(app.config["MONGODB_URI"], app.config)
    app.extensions[EXTENSION] = database
    # Flask has no "app shutdown" signal; process exit is the end of the app.
    atexit.register(database.close)

    if app.config["NOTES_CREATE_INDEXES"]:
        try:
            database.ensure_indexes()
        except PyMongoError as error:
            log.warning("database unavailable at startup, indexes deferred: %s", error)

    from minidb.notes.api import bp
    from minidb.notes.auth import install_token_check
    from minidb.notes.cli import register_commands
    from minidb.notes.web import bp as web_bp

    register_error_handlers(app)
    install_token_check(app)
    app.register_blueprint(bp)
    app.register_blueprint(web_bp)
    register_commands(app)
    return app


def close_app(app: Flask) -> None:
    """Close the app's MongoClient (tests and embedders; exit does it otherwise)."""
    database = app.extensions.pop(EXTENSION, None)
    if database is not None:
        atexit.unregister(database.close)
        database.close()
