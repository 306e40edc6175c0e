"""Phone numbers as people have them in their address books.

A phone is accepted if it has at least 3 digits and otherwise only what a
number is written with: ``+ ( ) - . / * #``, spaces, an extension (``x12``,
``ext. 12``, ``;ext=12``) or the ``tel:`` of a URI. It is stored in E.164
(``+442083661177``, an extension as ``;ext=12``) when libphonenumber reads
it as a *possible* number in the region, and as written otherwise.

Possible, not valid: validity tracks which ranges are assigned this month,
and real address books hold fictitious 555 numbers, numbers from new ranges
and foreign numbers saved without their country code. Refusing them loses
the user's data; storing them as written loses nothing.

``phonenumbers`` is imported inside the functions that need it: its import
and metadata cost start-up time that ``find`` and ``list`` do not need.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from minidb.errors import InvalidInput

MAX_PHONE = 100
MIN_DIGITS = 3

# Digits of any script (\d is str.isdecimal), white space, and the punctuation numbers are written with.
_PHONE_TEXT = re.compile(r"[\d\s+()\-./*#]*")
_NOT_ASCII_DIGITS = re.compile(r"[^0-9]+")
# The extension ends the text: ";ext=12" (RFC 3966), "x12", "ext. 12", "extension 12".
_EXTENSION = re.compile(
    r"\s*(?:;\s*ext\s*=|,?\s*(?<![^\W\d_])(?:extension|ext\.?|x))\s*(\d+)\s*$", re.IGNORECASE
)


@dataclass(frozen=True)
class Phone:
    """A phone as stored: E.164 (``as_written`` False) or the text as written.

    As written means white space collapsed and without the ``tel:`` of a URI.
    """

    value: str
    as_written: bool


def parse_phone(text: str, region: str) -> Phone:
    """The phone to store for ``text``; InvalidInput if it is not a phone number at all.

    ``region`` (``US``, ``GB``) is where a number without a country code is
    read. A number kept as written still counts: the caller says so.
    """
    written = " ".join(text.split())
    if not written:
        raise InvalidInput("phone must not be blank")
    if len(written) > MAX_PHONE:
        raise InvalidInput(f"phone is {len(written)} characters; the limit is {MAX_PHONE}")
    if written[:4].lower() == "tel:":
        # The URI scheme is not part of the number; a vCard reader drops it
        # too, so a number kept as written exports and imports as itself.
        written = written[4:].strip()
    number = written
    extension = None
    found = _EXTENSION.search(number)
    if found:
        extension = ascii_digits(found.group(1))
        number = number[:found.start()]
    if not _PHONE_TEXT.fullmatch(number) or len(ascii_digits(number)) < MIN_DIGITS:
        raise InvalidInput(
            f"phone {text!r} is not a phone number: it needs at least {MIN_DIGITS} digits and "
            "otherwise only + ( ) - . / * # and spaces, or an extension such as x12"
        )
    e164 = _possible_e164(number, region)
    if e164 is None:
        return Phone(written, True)
    return Phone(e164 if extension is None else f"{e164};ext={extension}", False)


def kept_as_written_note(phone: Phone, region: str) -> str:
    """What ``add``/``update`` print on stderr for a phone stored as written."""
    return (f"phone {phone.value!r} is not a possible number for region {region} "
            "(add the country code, e.g. +44, to store it in international form); stored as written")


def _possible_e164(number: str, region: str) -> str | None:
    # Service codes (*86, *31#...) are dialled as typed; E.164 has no * or #.
    if "*" in number or "#" in number:
        return None
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    # IS_POSSIBLE only: is_possible_number() also passes IS_POSSIBLE_LOCAL_ONLY
    # ("555-1234" in the US), whose E.164 form (+15551234) would be a
    # different, undiallable number; such a number is kept as written.
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def ascii_digits(text: str) -> str:
    """The decimal digits of ``text`` as ASCII (Arabic-Indic and full-width ones too), in order.

    For ``find``: its phone search needs the digits without importing phonenumbers.
    """
    if text.isascii():  # the usual case, done in C: a whole import's phones go through here
        return _NOT_ASCII_DIGITS.sub("", text)
    return "".join(str(unicodedata.decimal(c)) for c in text if c.isdecimal())


def parse_region(value: str) -> str:
    """A region code libphonenumber knows (``us`` → ``US``); InvalidInput otherwise."""
    import phonenumbers

    region = value.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(f"unknown phone region {value!r}: use a two-letter country code such as US or GB")
    return region
