"""Opaque keyset-pagination cursors.

A cursor names the last note of a page by its sort key ``(created_at, _id)``:
6 bytes of milliseconds since the Unix epoch followed by the 12 bytes of the
ObjectId, 18 bytes in all, which is exactly 24 characters of unpadded
URL-safe base64. Because 18 bytes leave no spare bits, every 24-character
string over that alphabet decodes to some position and everything else is
rejected. The OpenAPI document can therefore state precisely which cursors
are valid (``^[A-Za-z0-9_-]{24}$``), and a tampered cursor either fails that
test (HTTP 400) or moves the reader to another position in the same list,
which reveals nothing a client could not list anyway.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime, timedelta

from bson import ObjectId

CURSOR_PATTERN = r"^[A-Za-z0-9_-]{24}$"
_CURSOR_RE = re.compile(CURSOR_PATTERN.strip("^$"))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: 2**48 ms reaches the year 10889; datetime stops at 9999.
_MAX_MS = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // timedelta(milliseconds=1)
MAX_TIMESTAMP = _EPOCH + timedelta(milliseconds=_MAX_MS)


class InvalidCursor(ValueError):
    pass


def encode_cursor(created_at: datetime, note_id: ObjectId) -> str:
    ms = (created_at - _EPOCH) // timedelta(milliseconds=1)
    if not 0 <= ms < 2**48:
        # Only reachable with imported notes dated before 1970; import refuses those.
        raise ValueError(f"created_at out of cursor range: {created_at!r}")
    raw = ms.to_bytes(6, "big") + note_id.binary
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode_cursor(cursor: str) -> tuple[datetime, ObjectId]:
    if not _CURSOR_RE.fullmatch(cursor):
        raise InvalidCursor("cursor must be a value taken from a Link header")
    try:
        raw = base64.urlsafe_b64decode(cursor)
    except binascii.Error as exc:  # pragma: no cover - excluded by the pattern
        raise InvalidCursor("cursor is not valid base64") from exc
    # Positions past the last representable instant are "after everything".
    ms = min(int.from_bytes(raw[:6], "big"), _MAX_MS)
    return _EPOCH + timedelta(milliseconds=ms), ObjectId(raw[6:])
