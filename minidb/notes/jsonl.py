"""The export format: one stored note per line, in MongoDB Extended JSON.

Export writes relaxed Extended JSON, so ObjectIds and dates come back as
themselves, not as strings: ``{"_id": {"$oid": "…"}, "title": …,
"created_at": {"$date": "2026-11-25T17:27:43.123Z"}, …, "version": 3}``.

Reading is strict and hand-written rather than bson.json_util's general
decoder, because an import file is untrusted input: every way a line can be
wrong (bytes that are not UTF-8, nesting 100,000 deep, a 5,000-digit
number, an ObjectId that is not 24 hex digits, a date BSON or Python cannot
hold, a version beyond BSON's int64, a lone surrogate) must become one
``line N: reason``, never an exception from inside a library. The canonical
forms that mongoexport writes (``{"$numberLong": "…"}`` for dates and
versions) are read too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from bson import ObjectId, json_util

from minidb.notes.cursor import MAX_TIMESTAMP
from minidb.notes.model import ValidationError, validate_note

#: The longest line that can hold a note: one at every limit, each character
#: of its text escaped as a surrogate pair (12 bytes: export escapes all
#: non-ASCII), is about 1.25 MB. Longer lines are refused after reading this
#: much, so a hostile file costs bounded memory and time linear in its size.
MAX_LINE_BYTES = 2 * 1024 * 1024
#: Versions count writes. BSON's int64 holds up to 2**63 - 1, but an imported
#: note must still take writes ($inc past int64 fails), so versions stop at
#: 2**62, more writes than any note could have seen.
VERSION_MAX = 2**62

_DUMP_OPTIONS = json_util.RELAXED_JSON_OPTIONS
_STORED_FIELDS = frozenset({"_id", "title", "content", "tags", "created_at", "updated_at", "version"})
_OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
_INTEGER = re.compile(r"-?[0-9]{1,19}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_MS = (MAX_TIMESTAMP - _EPOCH) // timedelta(milliseconds=1)
_SHOWN = 40  # characters of a bad value quoted in a message


class BadLine(Exception):
    """A line of an import file that is not an exported note, and why."""

    def __init__(self, number: int, message: str) -> None:
        super().__init__(f"line {number}: {message}")
        self.number = number


class _Invalid(ValueError):
    """A field's value is wrong; the message says how."""


def dump_line(doc: dict[str, Any]) -> str:
    """A stored note as one line of the export format (no newline)."""
    return json_util.dumps(doc, json_options=_DUMP_OPTIONS)


def read_lines(source: IO[bytes]) -> Iterator[tuple[int, str]]:
    """``(number, text)`` for each line of ``source``, which must be UTF-8.

    Lines are split at ``\\n`` only, so a file reads the same however often
    it is read. A UTF-8 byte order mark at the start is skipped.
    """
    number = 0
    while raw := source.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise BadLine(number, f"longer than {MAX_LINE_BYTES} bytes, more than any note takes")
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise BadLine(number, f"not UTF-8 text (byte {error.start + 1} of the line)") from None
        yield number, text


def parse_line(number: int, line: str) -> dict[str, Any]:
    """One exported line back into the document to store, fully validated."""
    try:
        record = json.loads(line, parse_constant=_reject_constant, object_pairs_hook=_object)
    except RecursionError:
        raise BadLine(number, "nested too deeply") from None
    except ValueError as error:  # also too-long integers and repeated fields
        raise BadLine(number, f"not JSON: {error}") from None
    if not isinstance(record, dict):
        raise BadLine(number, "not a JSON object")
    unknown = sorted(set(record) - _STORED_FIELDS)
    if unknown:
        raise BadLine(number, f"unknown field(s): {', '.join(_show(name) for name in unknown)}")
    try:
        note_id = _object_id(record.get("_id"))
        created_at = _date("created_at", record.get("created_at"))
        updated_at = _date("updated_at", record.get("updated_at"))
        version = _version(record.get("version"))
    except _Invalid as error:
        raise BadLine(number, str(error)) from None
    try:
        fields = validate_note({k: record[k] for k in ("title", "content", "tags") if k in record})
    except ValidationError as error:
        raise BadLine(number, str(error)) from None
    return {"_id": note_id, **fields, "created_at": created_at, "updated_at": updated_at, "version": version}


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259), though Python's parser accepts them.
    raise ValueError(f"{name} is not valid JSON")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Of two values for one field, json.loads would keep the last in silence.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"field {_show(key)} appears twice")
        result[key] = value
    return result


def _show(value: Any) -> str:
    """A value for a message: escaped (no lone surrogates reach the terminal) and short."""
    text = ascii(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _wrapped(value: Any, *keys: str) -> Any:
    """The inner value of ``{"$key": inner}`` for one of ``keys``, else None."""
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        if key in keys:
            return value[key]
    return None


def _object_id(value: Any) -> ObjectId:
    hex_digits = _wrapped(value, "$oid")
    if not isinstance(hex_digits, str) or not _OBJECT_ID.fullmatch(hex_digits):
        raise _Invalid(f'_id must be {{"$oid": "<24 hex digits>"}}, not {_show(value)}')
    return ObjectId(hex_digits)


def _date(name: str, value: Any) -> datetime:
    inner = _wrapped(value, "$date")
    if isinstance(inner, str):
        moment = _iso_moment(name, inner)
    else:
        ms = _integer(inner, "$numberLong")
        if ms is None:
            raise _Invalid(f'{name} must be {{"$date": "<ISO 8601>"}}, not {_show(value)}')
        if not 0 <= ms <= _MAX_MS:
            raise _Invalid(f"{name} must be from 1970 to 9999, not {ms} ms from 1970")
        moment = _EPOCH + timedelta(milliseconds=ms)
    if moment.microsecond % 1000:
        raise _Invalid(f"{name} has sub-millisecond precision BSON cannot store")
    return moment


def _iso_moment(name: str, text: str) -> datetime:
    try:
        parsed: datetime | None = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.tzinfo is None:
        raise _Invalid(f"{name} must say its time zone (e.g. Z): {_show(text)}")
    try:
        moment = parsed.astimezone(UTC) if parsed is not None else None
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is before year 1 in UTC
        moment = None
    # The list cursor encodes times from 1970 on; datetime stops at 9999.
    if moment is None or not _EPOCH <= moment <= MAX_TIMESTAMP:
        raise _Invalid(f"{name} must be an ISO 8601 date and time from 1970 to 9999, not {_show(text)}")
    return moment


def _version(value: Any) -> int:
    version = _integer(value, "$numberLong", "$numberInt")
    if version is None or not 1 <= version <= VERSION_MAX:
        raise _Invalid(f"version must be an integer from 1 to 2**62, not {_show(value)}")
    return version


def _integer(value: Any, *wrappers: str) -> int | None:
    """A JSON integer, or the digits in ``{"$numberLong": "…"}`` (a wrapper named); else None."""
    if type(value) is int:  # not a bool
        return value
    digits = _wrapped(value, *wrappers)
    if isinstance(digits, str) and _INTEGER.fullmatch(digits):
        return int(digits)
    return None
