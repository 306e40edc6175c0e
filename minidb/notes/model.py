"""The note domain: validation of request bodies and the JSON shape of a note.

Nothing here knows about HTTP or MongoDB. Validation works on
already-decoded JSON values and returns plain dicts containing only the
allow-listed fields, so a request body is never passed on to the database
as-is: an attacker's ``{"$gt": ""}`` is rejected as "not a string" long
before it could become an operator in a filter or an update document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

TITLE_MAX = 200
CONTENT_MAX = 100_000
TAGS_MAX = 20
TAG_MAX = 50

#: GET /notes query limits.
LIMIT_DEFAULT = 20
LIMIT_MAX = 100
Q_MAX = 200

#: Fields a client may set.
WRITABLE_FIELDS = ("title", "content", "tags")
#: Fields the server owns. Clients often send back a note they fetched, so
#: these are accepted and ignored rather than rejected.
IGNORED_FIELDS = frozenset({"id", "created_at", "updated_at"})
#: White space as JSON Schema (ECMA-262) defines ``\s``. Python's str.isspace()
#: also counts \x1c-\x1f and \x85, so plain str.strip() would reject titles
#: the OpenAPI document calls valid; one explicit set keeps the two in step.
WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
#: "Contains a character that is not white space", for the OpenAPI document.
NOT_ONLY_WHITESPACE_PATTERN = (
    "[^\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
)
#: What an omitted (PUT) or nulled (PATCH) optional field becomes.
DEFAULTS: dict[str, Any] = {"content": "", "tags": []}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ValidationError(Exception):
    """A request body that is well-formed JSON but not a valid note (HTTP 422)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def _encodable(value: str) -> bool:
    # JSON may carry lone surrogates ("\ud800"); they cannot be stored as
    # UTF-8 in BSON, so they are a validation error, not a 500 later on.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_title(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    if not 1 <= len(value) <= TITLE_MAX:
        return f"must be 1 to {TITLE_MAX} characters long"
    if not value.strip(WHITESPACE):
        return "must not be only white space"
    if not _encodable(value):
        return "must be valid Unicode text"
    return None


def _check_content(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    if len(value) > CONTENT_MAX:
        return f"must be at most {CONTENT_MAX} characters long"
    if not _encodable(value):
        return "must be valid Unicode text"
    return None


def _check_tags(value: Any) -> list[FieldError]:
    if not isinstance(value, list):
        return [FieldError("tags", "must be an array of strings")]
    if len(value) > TAGS_MAX:
        return [FieldError("tags", f"must have at most {TAGS_MAX} items")]
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, tag in enumerate(value):
        field = f"tags[{index}]"
        if not isinstance(tag, str):
            errors.append(FieldError(field, "must be a string"))
        elif not 1 <= len(tag) <= TAG_MAX:
            errors.append(FieldError(field, f"must be 1 to {TAG_MAX} characters long"))
        elif not _encodable(tag):
            errors.append(FieldError(field, "must be valid Unicode text"))
        elif tag in seen:
            errors.append(FieldError(field, f"duplicate tag {tag!r}"))
        else:
            seen.add(tag)
    return errors


def _check_field(name: str, value: Any) -> list[FieldError]:
    if name == "tags":
        return _check_tags(value)
    message = _check_title(value) if name == "title" else _check_content(value)
    return [FieldError(name, message)] if message else []


def _object_fields(body: Any) -> tuple[dict[str, Any], list[FieldError]]:
    """Split a body into its writable fields and errors for everything else."""
    if not isinstance(body, dict):
        # "" is the JSON Pointer to the whole document.
        raise ValidationError([FieldError("", "the body must be a JSON object")])
    fields: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key, value in body.items():
        if key in WRITABLE_FIELDS:
            fields[key] = value
        elif key not in IGNORED_FIELDS:
            errors.append(FieldError(key, "unknown field"))
    return fields, errors


def validate_note(body: Any) -> dict[str, Any]:
    """Validate a complete note (POST, PUT): title required, omitted fields defaulted.

    Returns a new dict with exactly ``title``, ``content`` and ``tags``.
    """
    fields, errors = _object_fields(body)
    if "title" not in fields:
        errors.append(FieldError("title", "is required"))
    for name, value in fields.items():
        errors.extend(_check_field(name, value))
    if errors:
        raise ValidationError(errors)
    note = {name: fields.get(name, DEFAULTS.get(name)) for name in WRITABLE_FIELDS}
    note["tags"] = list(note["tags"])  # never share the mutable default
    return note


def validate_patch(body: Any) -> dict[str, Any]:
    """Validate a JSON merge patch (RFC 7396) of a note's writable fields.

    Returns only the fields to change. ``null`` removes a member, which for an
    optional field means "back to its default"; the title is required, so
    removing it is an error.
    """
    fields, errors = _object_fields(body)
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            if name == "title":
                errors.append(FieldError("title", "is required and cannot be removed"))
            else:
                changes[name] = list(DEFAULTS[name]) if name == "tags" else DEFAULTS[name]
            continue
        field_errors = _check_field(name, value)
        errors.extend(field_errors)
        if not field_errors:
            changes[name] = value
    if errors:
        raise ValidationError(errors)
    return changes


def utc_now() -> datetime:
    """The current time as BSON stores it: UTC, truncated to milliseconds.

    Truncating before writing means the value the API returns right after a
    write is the value every later read returns.
    """
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def format_timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a ``Z``: ``2026-11-25T17:27:43.123Z``."""
    # isoformat() zero-pads the year, which strftime("%Y") does not on glibc.
    return value.astimezone(UTC).isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


def note_to_json(doc: dict[str, Any]) -> dict[str, Any]:
    """The public representation of a stored note document."""
    return {
        "id": str(doc["_id"]),
        "title": doc["title"],
        "content": doc.get("content", ""),
        "tags": doc.get("tags", []),
        "created_at": format_timestamp(doc["created_at"]),
        "updated_at": format_timestamp(doc["updated_at"]),
    }


def etag_value(doc: dict[str, Any]) -> str:
    """The (unquoted) entity tag of a note: its version, bumped by every write."""
    return str(doc["version"])
