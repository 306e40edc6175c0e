"""Values as both engines store them and the JSON formats write them: text,
timestamps, dates.

Every command checks or prints these, so this module imports nothing but
datetime (which sqlite3 loads anyway): no re, no json.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from minidb.errors import InvalidInput

TYPE_CHECKING = False  # not typing's: see minidb/db/engines/base.py
if TYPE_CHECKING:
    from typing import Any


def check_text(value: str, what: str) -> str:
    """``value`` if both engines can store it exactly; else InvalidInput naming ``what``.

    PostgreSQL's text cannot hold NUL, and UTF-8 cannot encode a lone
    surrogate (a JSON "\\ud800" escape, or a byte that is not UTF-8, read
    with surrogateescape so it reaches the record that holds it); SQLite
    would take the first and fail on the second. Both engines refuse both
    alike, at input, so an export always moves between them.
    """
    nul = value.find("\x00")
    try:
        # Encoding fails at the first lone surrogate: only the text before the NUL matters.
        (value if nul < 0 else value[:nul]).encode("utf-8")
        found = nul
    except UnicodeEncodeError as error:
        found = error.start
    if found < 0:
        return value
    where = f"character {found + 1}"
    code = ord(value[found])
    if code == 0:
        raise InvalidInput(f"{what} contains a NUL character ({where}), which cannot be stored")
    if 0xDC80 <= code <= 0xDCFF:  # how surrogateescape carries a byte that is not UTF-8
        raise InvalidInput(f"{what} is not UTF-8 text (byte 0x{code - 0xDC00:02X} at {where})")
    raise InvalidInput(f"{what} contains a lone surrogate (U+{code:04X} at {where}), which is not text")


DIGITS = frozenset("0123456789")


def is_iso_date_text(text: str) -> bool:
    """Whether ``text`` is written ``YYYY-MM-DD`` in ASCII digits (a real date or not)."""
    return (len(text) == 10 and text[4] == text[7] == "-"
            and DIGITS.issuperset(text[:4] + text[5:7] + text[8:]))


def timestamp_to_json(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``; microseconds only when there are some."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def timestamp_from_json(value: Any, what: str) -> datetime:
    """Parse an ISO 8601 timestamp with an explicit offset; naive times are rejected."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what}: expected an ISO 8601 timestamp string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        raise InvalidInput(f"{what}: {value!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{what}: {value!r} has no time zone (add Z for UTC)")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is in year 0 in UTC
        raise InvalidInput(f"{what}: {value!r} is out of range: years 1-9999 in UTC") from None


def date_to_json(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
