"""RFC 9457 problem details for every error the app can produce.

Handlers are registered on the application, not the blueprint, so Flask's
own routing errors (404 for unknown paths, 405 with ``Allow``) and
werkzeug's 413/415/400 come out as ``application/problem+json`` too, never
as an HTML page or a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app
from pymongo.errors import PyMongoError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from minidb.notes.db import describe, is_unavailable
from minidb.notes.model import ValidationError
from minidb.notes.repository import NoteNotFound, PreconditionFailed

PROBLEM_JSON = "application/problem+json"
#: Problem types with semantics beyond their status code (RFC 9457 §3.1.1).
VALIDATION_PROBLEM = "urn:minidb:problem:invalid-note"
UNAVAILABLE_PROBLEM = "urn:minidb:problem:database-unavailable"

log = logging.getLogger(__name__)


def problem(
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    body = {
        "type": type_,
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extensions,
    }
    # The app's JSON provider, so problems are serialised like every other body.
    response = current_app.json.response(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    response.headers.update(headers or {})
    return response


def database_unavailable(detail: str = "The database is unreachable; try again shortly.") -> Response:
    retry_after = str(current_app.config["NOTES_RETRY_AFTER"])
    return problem(503, detail, type_=UNAVAILABLE_PROBLEM, headers={"Retry-After": retry_after})


def _http_error(error: HTTPException) -> Response | HTTPException:
    if error.code is None or error.code < 400:
        # Routing redirects (308 for a missing trailing slash) are not errors.
        return error
    # Keep protocol headers such as Allow (405) but not werkzeug's HTML content type.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return problem(error.code, error.description or "", headers=headers)


def _validation_error(error: ValidationError) -> Response:
    errors = [{"field": e.field, "message": e.message} for e in error.errors]
    return problem(422, "The note is not valid.", type_=VALIDATION_PROBLEM, errors=errors)


def _note_not_found(error: NoteNotFound) -> Response:
    return problem(404, f"No note with id {str(error)!r}.")


def _precondition_failed(error: PreconditionFailed) -> Response:
    return problem(412, "The note has changed since the ETag given in If-Match.")


def _database_error(error: PyMongoError) -> Response:
    if is_unavailable(error):
        log.warning("database unavailable: %s", describe(error))
        return database_unavailable()
    return _unexpected(error)


def _unexpected(error: Exception) -> Response:
    # Logged with the traceback for operators; the client gets no internals.
    log.exception("unhandled error", exc_info=error)
    return problem(500, "An unexpected error occurred.")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(NoteNotFound, _note_not_found)
    app.register_error_handler(PreconditionFailed, _precondition_failed)
    app.register_error_handler(PyMongoError, _database_error)
    app.register_error_handler(Exception, _unexpected)
