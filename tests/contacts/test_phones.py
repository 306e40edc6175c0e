"""Phones as people have them (the contacts spec, issue 10): no database.

Accepted: at least 3 digits and only what a number is written with.
Stored: E.164 when libphonenumber reads it as a *possible* number in the
region, else as written (white space collapsed), and the caller is told.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from minidb.contacts.phones import Phone, ascii_digits, kept_as_written_note, parse_phone, parse_region
from minidb.errors import InvalidInput

E164 = [
    # (as written, region, stored)
    ("+44 20 8366 1177", "US", "+442083661177"),
    ("+44 (0)20 8366 1177", "US", "+442083661177"),
    ("(202) 555-0123", "US", "+12025550123"),
    ("202.555.0123", "US", "+12025550123"),
    ("+1 (317) 291-5774", "US", "+13172915774"),
    ("  +44  20 8366\t1177 ", "US", "+442083661177"),
    # Fictitious 555 numbers and unassigned ranges are possible, not valid:
    # real address books hold them, and they are stored in E.164.
    ("555-555-1111", "US", "+15555551111"),
    ("1-234-567-890", "US", "+11234567890"),
    ("0123456789", "US", "+10123456789"),
    # The region decides numbers written without a country code.
    ("017623384942", "DE", "+4917623384942"),
    ("0403 470 123", "AU", "+61403470123"),
    ("333-3333-3333", "JP", "+8133333333333"),
    ("+49-89-7888 99", "US", "+4989788899"),
    # Extensions, tel: URIs, digits of other scripts.
    ("+1 202 555 0123 x12", "US", "+12025550123;ext=12"),
    ("202 555 0123x7", "US", "+12025550123;ext=7"),
    ("+1 202 555 0123 ext. 12", "US", "+12025550123;ext=12"),
    ("202 555 0123 extension 7", "US", "+12025550123;ext=7"),
    ("(202) 555-0123;ext=012", "US", "+12025550123;ext=012"),
    ("tel:+1-555-555-5555;ext=5555", "US", "+15555555555;ext=5555"),
    ("TEL:2025550123", "US", "+12025550123"),
    ("\uff12\uff10\uff12\uff15\uff15\uff15\uff10\uff11\uff12\uff13", "US", "+12025550123"),
    ("+15555551111", "GB", "+15555551111"),  # E.164 reads back as itself
    ("+12025550123;ext=12", "US", "+12025550123;ext=12"),
]

AS_WRITTEN = [
    ("017623384942", "US", "017623384942"),  # a German mobile saved without +49
    ("555-1234", "US", "555-1234"),  # local only: +15551234 would be another number
    ("12345", "US", "12345"),
    ("123", "US", "123"),
    ("+9999999", "US", "+9999999"),  # no such country code
    ("(111) 555-12121", "US", "(111) 555-12121"),
    ("48 91 3 175 234", "US", "48 91 3 175 234"),
    ("0161   99999999", "GB", "0161 99999999"),
    ("*31#555 1234", "US", "*31#555 1234"),  # service codes are dialled as typed
    ("#31# 202 555 0123", "US", "#31# 202 555 0123"),
    ("0123/579", "US", "0123/579"),
    ("tel:12345", "US", "12345"),
    ("tel:*31#555", "US", "*31#555"),
]

NOT_PHONES = ["12", "*86", "call me", "BusinessPhone", "xxxx", "Tel privat", "+1-800-MYFAX", "x123",
              "555 1234 x", "+", "---", "555-1234 ext", "tel:", "202 555 0123; drop table", "1" * 101]


@pytest.mark.parametrize(("written", "region", "stored"), E164)
def test_possible_numbers_are_stored_in_e164(written: str, region: str, stored: str) -> None:
    assert parse_phone(written, region) == Phone(stored, as_written=False)


@pytest.mark.parametrize(("written", "region", "stored"), AS_WRITTEN)
def test_other_phone_like_text_is_stored_as_written(written: str, region: str, stored: str) -> None:
    assert parse_phone(written, region) == Phone(stored, as_written=True)


@pytest.mark.parametrize("text", NOT_PHONES)
def test_text_that_is_not_a_phone_number_is_invalid(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_phone(text, "US")
    assert raised.value.exit_code == 2


def test_invalid_message_says_what_a_phone_may_hold() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_phone("call me", "US")
    assert str(raised.value) == ("phone 'call me' is not a phone number: it needs at least 3 digits and "
                                 "otherwise only + ( ) - . / * # and spaces, or an extension such as x12")


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_blank_is_invalid(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"^phone must not be blank$"):
        parse_phone(text, "US")


def test_the_note_for_a_number_kept_as_written() -> None:
    phone = parse_phone("555-1234", "US")
    assert kept_as_written_note(phone, "US") == (
        "phone '555-1234' is not a possible number for region US (add the country code, e.g. +44, "
        "to store it in international form); stored as written")


def test_stored_phones_read_back_as_themselves() -> None:
    for written, region, _ in E164 + AS_WRITTEN:
        stored = parse_phone(written, region)
        assert parse_phone(stored.value, region) == stored


def test_ascii_digits() -> None:
    assert ascii_digits("+44 (0)20 \u0660\u0661\u0662 \uff13") == "440200123"


def test_parse_region() -> None:
    assert parse_region(" gb ") == "GB"
    with pytest.raises(InvalidInput, match="unknown phone region 'XX'"):
        parse_region("XX")


def test_phonenumbers_is_not_imported_until_a_phone_is_parsed() -> None:
    # find and list must start fast: the vCard codec and this module load it lazily.
    check = ("import sys, minidb.contacts.phones, minidb.contacts.vcard; "
             "assert 'phonenumbers' not in sys.modules, 'imported at start-up'; "
             "assert 'vobject' not in sys.modules; "
             "minidb.contacts.phones.ascii_digits('123'); "
             "assert 'phonenumbers' not in sys.modules; "
             "minidb.contacts.phones.parse_phone('+44 20 8366 1177', 'US'); "
             "assert 'phonenumbers' in sys.modules")
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
