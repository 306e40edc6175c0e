"""The HTTP layer: routes, request parsing, conditional requests.

Each view parses and validates what it was given, calls one repository
method, and renders the result. Errors are exceptions turned into problem
responses by minidb.notes.problems.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from bson import ObjectId
from flask import Blueprint, Response, jsonify, request, url_for
from pymongo.errors import PyMongoError
from werkzeug.exceptions import BadRequest, NotFound, RequestEntityTooLarge, UnsupportedMediaType

from minidb.notes.cursor import InvalidCursor, decode_cursor, encode_cursor
from minidb.notes.db import get_database, is_unavailable
from minidb.notes.model import (
    LIMIT_DEFAULT,
    LIMIT_MAX,
    Q_MAX,
    TAG_MAX,
    etag_value,
    note_to_json,
    validate_note,
    validate_patch,
)
from minidb.notes.openapi import openapi_document
from minidb.notes.problems import database_unavailable
from minidb.notes.repository import NoteRepository, PreconditionFailed

bp = Blueprint("notes", __name__)

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
_OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
_DIGITS = re.compile(r"[0-9]{1,3}")
#: A version as its ETag spells it: decimal, no sign, no leading zero. Tags
#: are compared as strings (RFC 9110's strong comparison), so "01" is not "1".
_VERSION = re.compile(r"[1-9][0-9]{0,18}")
_INT64_MAX = 2**63 - 1


def repository() -> NoteRepository:
    database = get_database()
    database.ensure_indexes()
    return database.notes


def parse_note_id(value: str) -> ObjectId:
    # Anything but 24 hex digits cannot name a note: 404 without a query.
    if not _OBJECT_ID.fullmatch(value):
        raise NotFound(f"No note with id {value!r}.")
    return ObjectId(value)


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259), though Python's parser accepts them.
    raise ValueError(f"{name} is not valid JSON")


def read_json(accepted: tuple[str, ...]) -> Any:
    """The request body decoded as strict JSON (400), of an accepted type (415)."""
    if request.mimetype not in accepted:
        raise UnsupportedMediaType(f"The body must be {' or '.join(accepted)}.")
    raw = read_body()
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise BadRequest(f"The body is not valid JSON: {error}") from None


def read_body() -> bytes:
    """The request body; 413 above MAX_CONTENT_LENGTH, however it is sent.

    werkzeug refuses a Content-Length above the limit, but a chunked body
    has none, and werkzeug just stops reading it at the limit: the first
    1 MiB of a longer body would be taken for all of it. One byte more
    from the server's input tells whether the body went on.
    """
    raw = request.get_data(cache=False)
    limit = request.max_content_length
    if (
        limit is not None
        and request.content_length is None
        and len(raw) >= limit
        and request.environ["wsgi.input"].read(1)
    ):
        raise RequestEntityTooLarge()
    return raw


def _versions(tags: Iterable[str | None]) -> frozenset[int]:
    """The note versions that entity tags name; tags that name none are left out."""
    return frozenset(
        int(tag) for tag in tags if tag and _VERSION.fullmatch(tag) and int(tag) <= _INT64_MAX
    )


def if_match_versions() -> frozenset[int] | None:
    """The versions an If-Match header allows, or None if it sets no condition.

    ``*`` only asks that the note exist, which every write checks anyway.
    Weak tags never match (If-Match uses strong comparison, RFC 9110
    §13.1.1), nor does anything that is not one of our version tags, so
    such headers can only lead to 412.
    """
    if "If-Match" not in request.headers:
        return None
    tags = request.if_match
    if tags.star_tag:
        return None
    # werkzeug yields None for an empty tag (If-Match: "").
    return _versions(tags.as_set())


def if_none_match_versions(note_id: ObjectId) -> frozenset[int]:
    """The versions If-None-Match rules out for a write (weak comparison).

    ``*`` rules out any existing note. A write never creates one, so it can
    only fail: 404 if the note does not exist, else 412, without writing.
    """
    tags = request.if_none_match
    if tags.star_tag:
        repository().get(note_id)  # 404 if missing
        raise PreconditionFailed(str(note_id))
    return _versions(tags.as_set(include_weak=True))


def note_response(doc: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(note_to_json(doc))
    response.status_code = status
    response.set_etag(etag_value(doc))
    return response


def _query_int(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not _DIGITS.fullmatch(value) or not low <= int(value) <= high:
        raise BadRequest(f"{name} must be an integer from {low} to {high}.")
    return int(value)


def _query_str(name: str, low: int, high: int) -> str | None:
    value = request.args.get(name)
    if value is not None and not low <= len(value) <= high:
        raise BadRequest(f"{name} must be {low} to {high} characters long.")
    return value


@bp.get("/notes")
def list_notes() -> Response:
    limit = _query_int("limit", LIMIT_DEFAULT, 1, LIMIT_MAX)
    text = _query_str("q", 0, Q_MAX)
    tag = _query_str("tag", 1, TAG_MAX)
    cursor = request.args.get("cursor")
    try:
        after = decode_cursor(cursor) if cursor is not None else None
    except InvalidCursor as error:
        raise BadRequest(str(error)) from None

    page = repository().list_page(limit=limit, after=after, text=text, tag=tag)
    response = jsonify([note_to_json(doc) for doc in page.notes])
    if page.next_after is not None:
        params: dict[str, Any] = {"limit": limit, "cursor": encode_cursor(*page.next_after)}
        if text:
            params["q"] = text
        if tag is not None:
            params["tag"] = tag
        response.headers["Link"] = f'<{url_for(".list_notes", **params)}>; rel="next"'
    return response


@bp.post("/notes")
def create_note() -> Response:
    fields = validate_note(read_json((JSON,)))
    doc = repository().create(fields)
    response = note_response(doc, 201)
    response.headers["Location"] = url_for(".get_note", note_id=str(doc["_id"]))
    return response


@bp.get("/notes/<note_id>")
def get_note(note_id: str) -> Response:
    oid = parse_note_id(note_id)  # before repository(): a bad id never reaches the database
    doc = repository().get(oid)
    etag = etag_value(doc)
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
        response.set_etag(etag)
        return response
    return note_response(doc)


@bp.put("/notes/<note_id>")
def replace_note(note_id: str) -> Response:
    oid = parse_note_id(note_id)
    fields = validate_note(read_json((JSON,)))
    versions, unless = if_match_versions(), if_none_match_versions(oid)
    return note_response(repository().update(oid, fields, versions=versions, unless=unless))


@bp.patch("/notes/<note_id>")
def patch_note(note_id: str) -> Response:
    oid = parse_note_id(note_id)
    changes = validate_patch(read_json((JSON, MERGE_PATCH)))
    versions, unless = if_match_versions(), if_none_match_versions(oid)
    return note_response(repository().update(oid, changes, versions=versions, unless=unless))


@bp.delete("/notes/<note_id>")
def delete_note(note_id: str) -> Response:
    oid = parse_note_id(note_id)
    versions, unless = if_match_versions(), if_none_match_versions(oid)
    repository().delete(oid, versions=versions, unless=unless)
    return Response(status=204)


@bp.get("/healthz")
def healthz() -> Response:
    try:
        get_database().notes.ping()
    except PyMongoError as error:
        if not is_unavailable(error):
            raise
        return database_unavailable()
    return jsonify({"status": "ok"})


@bp.after_app_request
def finish_response(response: Response) -> Response:
    """Rules for every response of the app: this blueprint's, errors, any other's.

    No browser may guess a content type other than the one given (nosniff).
    A redirect (werkzeug's, for /notes//<id>) carries no body, since
    werkzeug's is an HTML page; and a response without a body (204, 304,
    OPTIONS, redirects) names no Content-Type, having no content to type.
    """
    response.headers["X-Content-Type-Options"] = "nosniff"
    if 300 <= response.status_code < 400 and response.status_code != 304:
        response.set_data(b"")
    # A streamed body (a file, a generator) is not read here to measure it.
    empty = not response.is_streamed and response.calculate_content_length() == 0
    if response.status_code in (204, 304) or empty:
        del response.headers["Content-Type"]
    return response


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())
