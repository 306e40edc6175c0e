"""The contacts rules: what a contact is, and the checks every input goes through.

Every check raises InvalidInput (exit status 2) with a message that says
what is wrong. Nothing here touches a database: see ``store.py``.

Phone numbers, e-mail addresses and vCards are standards with long tails
(numbering plans change monthly; RFC 5322/6531 addresses; RFC 6350), so
they are left to libraries that track them: ``phonenumbers`` (Google's
libphonenumber metadata), ``email-validator`` and ``vobject``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from minidb import records
from minidb.errors import InvalidInput
from minidb.formats import check_text, timestamp_to_json
from minidb.records import Record, now
from minidb.search import like_pattern, search_key

MAX_NAME = 200
DEFAULT_REGION = "US"
# The shortest text the trigram indexes can look up; shorter ones scan.
TRIGRAM = 3


def parse_name(text: str) -> str:
    name = check_text(text, "name").strip()
    if not name:
        raise InvalidInput("name must not be blank")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"name is {len(name)} characters; the limit is {MAX_NAME}")
    # A line break or other control character would break every one-line
    # output (list, CSV readers that ignore quoting) and cannot be typed back.
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise InvalidInput(f"name {name!r} must not contain control characters such as line breaks")
    return name


def parse_region(value: str) -> str:
    """A region code phonenumbers knows (``us`` → ``US``); invalid → InvalidInput."""
    region = value.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(
            f"unknown phone region {value!r}: use a two-letter country code such as US or GB"
        )
    return region


def parse_phone(value: str, region: str) -> str:
    """The number in E.164 (``+442083661177``).

    Accepts what people and phones write: spaces, dashes, brackets, ``tel:``
    URIs (RFC 3966) and extensions. An extension is dropped, since E.164
    has none: the number itself is kept rather than the record refused.
    A number without a country code is read as one of ``region``.
    """
    text = check_text(value, "phone").strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        international = text.startswith(("+", "tel:+", "00"))
        hint = "" if international else f" for region {region} (add the country code, e.g. +44)"
        raise InvalidInput(f"phone {value!r} is not a valid phone number{hint}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_email(value: str) -> str:
    """The normalised address (domain lower-cased, Unicode NFC); syntax only, no DNS."""
    try:
        # check_deliverability=False: no DNS look-ups, so adding a contact
        # works offline and never waits on a resolver.
        return validate_email(check_text(value, "email").strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        # The library ends its sentences with a period; ours may go on ("; nothing was imported").
        raise InvalidInput(f"email {value!r} is not valid: {str(error).rstrip('.')}") from None


def search_terms(text: str) -> dict[str, str | None]:
    """What the ``find_contacts`` queries take; each engine's query uses what it needs.

    ``digits`` is set only when the text has 3 or more digits: "+44"
    should not match every British number.
    """
    if not check_text(text, "search text").strip():
        raise InvalidInput("search text must not be blank")
    digits = phonenumbers.normalize_digits_only(text)  # also reads non-ASCII digits
    return {
        "key": search_key(text),
        "pattern": like_pattern(text),
        "digits": digits if len(digits) >= TRIGRAM else None,
    }


@dataclass
class NewContact:
    """A validated contact ready to insert (from ``add`` or one import record)."""

    name: str
    phone: str | None = None
    email: str | None = None
    created_at: datetime = field(default_factory=now)
    updated_at: datetime | None = None  # None: the same as created_at


def contact_json(row: Any) -> Record:
    """The contact object (what ``--json`` prints and export writes) of a contacts row.

    Timestamps are ISO 8601 in UTC with a ``Z``.
    """
    return {
        "id": row["id"],
        "name": row["name"],
        "phone": row["phone"],
        "email": row["email"],
        "created_at": timestamp_to_json(row["created_at"]),
        "updated_at": timestamp_to_json(row["updated_at"]),
    }


RECORD_FIELDS = ("name", "phone", "email", "created_at", "updated_at")


def contact_from_record(record: Any, where: str, region: str) -> NewContact:
    """Validate one imported contact object (as ``export`` writes them, or a CSV row).

    Empty phone or e-mail strings mean none, as in a CSV file's empty cell.
    Timestamps are kept when given, so a move between databases keeps them.
    """
    with records.record_at(where):
        records.check_fields(record, "contact", RECORD_FIELDS)
        name = records.string(record, "name")
        phone = (records.optional_string(record, "phone") or "").strip()
        email = (records.optional_string(record, "email") or "").strip()
        return NewContact(
            name=parse_name(name),
            phone=parse_phone(phone, region) if phone else None,
            email=parse_email(email) if email else None,
            created_at=records.optional_timestamp(record, "created_at") or now(),
            updated_at=records.optional_timestamp(record, "updated_at"),
        )


@dataclass
class Change(records.Change):
    """What ``update`` changes."""

    name: str | None = None
    phone: str | None = None
    clear_phone: bool = False
    email: str | None = None
    clear_email: bool = False
