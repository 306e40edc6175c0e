"""The Notes REST API: Flask over MongoDB through pymongo.

``flask --app minidb.notes run`` for development,
``gunicorn 'minidb.notes:create_app()'`` for production (without
``--preload``: each worker process must create its own MongoClient, which is
not fork-safe).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from minidb.notes import db
from minidb.notes.db import DEFAULT_MONGODB_URI, close_app
from minidb.notes.problems import register_error_handlers

__all__ = ["DEFAULT_CONFIG", "DEFAULT_MONGODB_URI", "close_app", "create_app"]

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

    db.init_app(app)

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
