"""The OpenAPI 3.1 description of the API, served at ``GET /openapi.json``.

Hand-written so it says exactly what the code does; the test suite runs
schemathesis against the app with this document to keep the two in step.
The limits are the model's constants, so the two cannot drift apart.
"""

from __future__ import annotations

import copy
from typing import Any

from minidb.notes.cursor import CURSOR_PATTERN
from minidb.notes.model import (
    CONTENT_MAX,
    LIMIT_DEFAULT,
    LIMIT_MAX,
    NOT_ONLY_WHITESPACE_PATTERN,
    Q_MAX,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
)

PROBLEM = "application/problem+json"


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _problem(description: str, schema: str = "Problem", **headers: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM: {"schema": _ref("schemas", schema)}},
    }
    if headers:
        response["headers"] = {name: _ref("headers", ref) for name, ref in headers.items()}
    return response


def _note_response(description: str, **headers: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"ETag": _ref("headers", "ETag"), **{n: _ref("headers", r) for n, r in headers.items()}},
        "content": {"application/json": {"schema": _ref("schemas", "Note")}},
        "links": _links(*NEXT_STEPS),
    }


def _links(*operations: str) -> dict[str, Any]:
    """Links from a response carrying a note to what can be done with it next.

    They document the workflow and let schemathesis chain calls (create,
    then read, replace with If-Match, delete) in its stateful tests.
    """
    links: dict[str, Any] = {}
    for operation in operations:
        parameters = {"path.note_id": "$response.body#/id"}
        if operation != "getNote":
            parameters["header.If-Match"] = "$response.header.ETag"
        links[operation[0].upper() + operation[1:]] = {
            "operationId": operation,
            "parameters": parameters,
        }
    return links


NEXT_STEPS = ("getNote", "replaceNote", "patchNote", "deleteNote")
WRITE_CONDITIONS = [_ref("parameters", "If-Match"), _ref("parameters", "If-None-Match-write")]
FAILED_CONDITION = "If-Match names no ETag the note has, or If-None-Match one it has."


def _json_body(schema: str, *media_types: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {media_type: {"schema": _ref("schemas", schema)} for media_type in media_types},
    }


TITLE = {
    "type": "string",
    "minLength": 1,
    "maxLength": TITLE_MAX,
    "pattern": NOT_ONLY_WHITESPACE_PATTERN,
    "description": "Not only white space (as JSON Schema's \\s defines it).",
}
CONTENT = {"type": "string", "maxLength": CONTENT_MAX}
TAGS = {
    "type": "array",
    "maxItems": TAGS_MAX,
    "uniqueItems": True,
    "items": {"type": "string", "minLength": 1, "maxLength": TAG_MAX},
}
IGNORED = {"description": "Owned by the server: accepted and ignored in request bodies."}

BAD_JSON = "The body is not JSON (NaN and Infinity are not JSON either)."
TOO_LARGE = "The body is larger than 1 MiB (with or without a Content-Length)."
UNAVAILABLE = (
    "The database is unreachable, or a replica set is electing a primary. "
    "Retry after the given number of seconds."
)


def _always(*, token: bool = True) -> dict[str, Any]:
    """The statuses any operation can answer, whatever it does.

    405 is answered for the methods a path does not have, and listed on
    each operation the path has, as OpenAPI has no place for responses of
    a path. 401 only when the server requires a token (NOTES_API_TOKEN).
    """
    responses = {
        "405": _problem(
            "The path does not support the request's method; Allow lists those it does.",
            Allow="Allow",
        ),
        "500": _problem("An unexpected error; the problem carries no internals."),
    }
    if token:
        responses["401"] = _problem(
            "The server requires a token (NOTES_API_TOKEN) and the request has none or a wrong one.",
            **{"WWW-Authenticate": "WWW-Authenticate"},
        )
    return responses

_DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "minidb Notes API",
        "version": "1.0.0",
        "description": (
            "Notes stored in MongoDB. Every error is an RFC 9457 problem document "
            "(application/problem+json), never HTML; every response says "
            "X-Content-Type-Options: nosniff. Writes honour If-Match and If-None-Match; "
            "reads honour If-None-Match. Every path also answers HEAD (as GET, without "
            "the body) and OPTIONS (200, Allow, no body). A bearer token is needed "
            "only when the server sets one (NOTES_API_TOKEN); /healthz never needs it."
        ),
    },
    # Either no credentials (the default: no NOTES_API_TOKEN) or the bearer token.
    "security": [{}, {"bearerAuth": []}],
    "paths": {
        "/notes": {
            "get": {
                "operationId": "listNotes",
                "summary": "List notes, newest first",
                "parameters": [
                    _ref("parameters", "limit"),
                    _ref("parameters", "cursor"),
                    _ref("parameters", "q"),
                    _ref("parameters", "tag"),
                ],
                "responses": {
                    "200": {
                        "description": "A page of notes. A further page is announced in Link.",
                        "headers": {"Link": _ref("headers", "Link")},
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": _ref("schemas", "Note")}
                            }
                        },
                    },
                    "400": _problem("A query parameter is invalid."),
                    "503": _problem(UNAVAILABLE, **{"Retry-After": "RetryAfter"}),
                    **_always(),
                },
            },
            "post": {
                "operationId": "createNote",
                "summary": "Create a note",
                "requestBody": _json_body("NoteInput", "application/json"),
                "responses": {
                    "201": _note_response("The note was created.", Location="Location"),
                    "400": _problem(BAD_JSON),
                    "413": _problem(TOO_LARGE),
                    "415": _problem("The body is not application/json."),
                    "422": _problem("The note is not valid.", "ValidationProblem"),
                    "503": _problem(UNAVAILABLE, **{"Retry-After": "RetryAfter"}),
                    **_always(),
                },
            },
        },
        "/notes/{note_id}": {
            "parameters": [_ref("parameters", "note_id")],
            "get": {
                "operationId": "getNote",
                "summary": "Fetch one note",
                "parameters": [_ref("parameters", "If-None-Match")],
                "responses": {
                    "200": _note_response("The note."),
                    "304": {
                        "description": "The note still has the ETag given in If-None-Match.",
                        "headers": {"ETag": _ref("headers", "ETag")},
                    },
                    "404": _problem("No such note (or a malformed id)."),
                    "503": _problem(UNAVAILABLE, **{"Retry-After": "RetryAfter"}),
                    **_always(),
                },
            },
            "put": {
                "operationId": "replaceNote",
                "summary": "Replace a note; omitted optional fields reset to their defaults",
                "parameters": WRITE_CONDITIONS,
                "requestBody": _json_body("NoteInput", "application/json"),
                "responses": {
                    "200": _note_response("The replaced note."),
                    "400": _problem(BAD_JSON),
                    "404": _problem("No such note (or a malformed id)."),
                    "412": _problem(FAILED_CONDITION),
                    "413": _problem(TOO_LARGE),
                    "415": _problem("The body is not application/json."),
                    "422": _problem("The note is not valid.", "ValidationProblem"),
                    "503": _problem(UNAVAILABLE, **{"Retry-After": "RetryAfter"}),
                    **_always(),
                },
            },
            "patch": {
                "operationId": "patchNote",
                "summary": "Change some fields of a note (JSON merge patch, RFC 7396)",
                "parameters": WRITE_CONDITIONS,
                "requestBody": _json_body("NotePatch", "application/merge-patch+json", "application/json"),
                "responses": {
                    "200": _note_response("The updated note."),
                    "400": _problem(BAD_JSON),
                    "404": _problem("No such note (or a malformed id)."),
                    "412": _problem(FAILED_CONDITION),
                    "413": _problem(TOO_LARGE),
                    "415": _problem("The body is neither application/merge-patch+json nor application/json."),
                    "422": _problem("The patch is not valid.", "ValidationProblem"),
                    "503": _problem(UNAVAILABLE, **{"Retry-After": "RetryAfter"}),
                    **_always(),
                },
            },
            "delete": {
                "operationId": "deleteNote",
                "summary": "Delete a note",
                "parameters": WRITE_CONDITIONS,
                "responses": {
                    "204": {"description": "The note was deleted."},
                    "404": _problem("No such note (or a malformed id)."),
                    "412": _problem(FAILED_CONDITION),
                    "503": _problem(UNAVAILABLE, **{"Retry-After": "RetryAfter"}),
                    **_always(),
                },
            },
        },
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Whether the API can reach its database",
                "description": "Never needs a token, so that load balancers can probe it.",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The database answers.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["status"],
                                    "properties": {"status": {"const": "ok"}},
                                }
                            }
                        },
                    },
                    "503": _problem(UNAVAILABLE, **{"Retry-After": "RetryAfter"}),
                    **_always(token=False),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **_always(),
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Note": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "title", "content", "tags", "created_at", "updated_at"],
                "properties": {
                    "id": {"type": "string", "pattern": "^[0-9a-f]{24}$"},
                    "title": TITLE,
                    "content": CONTENT,
                    "tags": TAGS,
                    "created_at": {"type": "string", "format": "date-time"},
                    "updated_at": {"type": "string", "format": "date-time"},
                },
            },
            "NoteInput": {
                "description": "A whole note. Omitted content and tags take their defaults.",
                "type": "object",
                "additionalProperties": False,
                "required": ["title"],
                "properties": {
                    "title": TITLE,
                    "content": {**CONTENT, "default": ""},
                    "tags": {**TAGS, "default": []},
                    "id": IGNORED,
                    "created_at": IGNORED,
                    "updated_at": IGNORED,
                },
            },
            "NotePatch": {
                "description": (
                    "A JSON merge patch: members present are set; null resets content "
                    "and tags to their defaults. The title cannot be removed."
                ),
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "title": TITLE,
                    "content": {**CONTENT, "type": ["string", "null"]},
                    "tags": {**TAGS, "type": ["array", "null"]},
                    "id": IGNORED,
                    "created_at": IGNORED,
                    "updated_at": IGNORED,
                },
            },
            "Problem": {
                "type": "object",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                },
            },
            "ValidationProblem": {
                "allOf": [
                    _ref("schemas", "Problem"),
                    {
                        "type": "object",
                        "required": ["errors"],
                        "properties": {
                            "errors": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "object",
                                    "required": ["field", "message"],
                                    "properties": {
                                        "field": {
                                            "type": "string",
                                            "description": 'A field name, "tags[2]", or "" for the body.',
                                        },
                                        "message": {"type": "string"},
                                    },
                                },
                            }
                        },
                    },
                ]
            },
        },
        "parameters": {
            "note_id": {
                "name": "note_id",
                "in": "path",
                "required": True,
                "description": "24 hexadecimal digits; anything else is 404.",
                "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{24}$"},
            },
            "limit": {
                "name": "limit",
                "in": "query",
                "description": "Notes per page.",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": LIMIT_MAX,
                    "default": LIMIT_DEFAULT,
                },
            },
            "cursor": {
                "name": "cursor",
                "in": "query",
                "description": "Opaque; copy it from the previous page's Link header.",
                "schema": {"type": "string", "pattern": CURSOR_PATTERN},
            },
            "q": {
                "name": "q",
                "in": "query",
                "description": (
                    "Case-insensitive literal substring of the title or the content "
                    "(never a regular expression)."
                ),
                "schema": {"type": "string", "maxLength": Q_MAX},
            },
            "tag": {
                "name": "tag",
                "in": "query",
                "description": "Only notes carrying this tag.",
                "schema": {"type": "string", "minLength": 1, "maxLength": TAG_MAX},
            },
            "If-Match": {
                "name": "If-Match",
                "in": "header",
                "description": "Write only if the note still has one of these ETags, else 412.",
                "schema": {"type": "string"},
            },
            "If-None-Match": {
                "name": "If-None-Match",
                "in": "header",
                "description": "Answer 304 if the note still has one of these ETags.",
                "schema": {"type": "string"},
            },
            "If-None-Match-write": {
                "name": "If-None-Match",
                "in": "header",
                "description": (
                    "Write only if the note has none of these ETags (weak comparison), else 412; "
                    "* fails for any existing note."
                ),
                "schema": {"type": "string"},
            },
        },
        "headers": {
            "ETag": {
                "description": "The note's version as a strong entity tag.",
                "required": True,
                "schema": {"type": "string"},
            },
            "Location": {
                "description": "The new note's URL, /notes/{id}.",
                "required": True,
                "schema": {"type": "string"},
            },
            "Link": {
                "description": 'The next page: <URL>; rel="next". Absent on the last page.',
                "schema": {"type": "string"},
            },
            "RetryAfter": {
                "description": "Seconds to wait before retrying.",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            },
            "Allow": {
                "description": "The methods the path supports.",
                "required": True,
                "schema": {"type": "string"},
            },
            "WWW-Authenticate": {
                "description": "Bearer: the scheme to authenticate with.",
                "required": True,
                "schema": {"type": "string"},
            },
        },
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "Authorization: Bearer <NOTES_API_TOKEN>, when the server sets one.",
            },
        },
    },
}


def openapi_document() -> dict[str, Any]:
    """A fresh copy of the document (callers may mutate it)."""
    return copy.deepcopy(_DOCUMENT)
