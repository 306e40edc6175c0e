"""The contacts rules below the CLI: parsing, search terms, vCard preference; conflict messages."""

from __future__ import annotations

import io

import pytest

from minidb.contacts.model import parse_email, parse_phone, parse_region, search_terms
from minidb.contacts.store import AddressBook
from minidb.contacts.vcards import read_cards
from minidb.db import connect, parse
from minidb.errors import Conflict, InvalidInput


@pytest.mark.parametrize(
    ("text", "region", "e164"),
    [
        ("+44 20 8366 1177", "US", "+442083661177"),
        ("020 8366 1177", "GB", "+442083661177"),
        ("(202) 555-0123", "US", "+12025550123"),
        ("202.555.0123", "US", "+12025550123"),
        ("tel:+1-202-555-0123", "GB", "+12025550123"),  # RFC 3966, as vCard 4.0 writes them
        ("tel:+1-202-555-0123;ext=42", "US", "+12025550123"),  # the extension is dropped, not fatal
        ("+1 202 555 0123 ext. 42", "US", "+12025550123"),
        ("+1 202 555 0123 x42", "US", "+12025550123"),
        ("00 44 20 8366 1177", "FR", "+442083661177"),
        ("\u0660\u0662\u0660 \u0668\u0663\u0666\u0666 \u0661\u0661\u0667\u0667", "GB",
         "+442083661177"),  # Arabic-Indic digits
    ],
)
def test_phones_are_stored_in_e164(text, region, e164) -> None:
    assert parse_phone(text, region) == e164


@pytest.mark.parametrize("text", ["", "12", "911", "+1 555", "+999 1234567", "tel:", "phone"])
def test_invalid_phones_are_refused(text) -> None:
    with pytest.raises(InvalidInput):
        parse_phone(text, "US")


def test_emails_are_normalised_without_network_lookups() -> None:
    assert parse_email("  Ada@EXAMPLE.Com ") == "Ada@example.com"
    assert parse_email("zoë@Exämple.se") == "zoë@exämple.se"
    # A domain that surely has no mail server is still fine: syntax only.
    assert parse_email("ada@no-such-domain-for-minidb-tests.example") == (
        "ada@no-such-domain-for-minidb-tests.example")


def test_regions_are_case_insensitive_country_codes() -> None:
    assert parse_region(" gb ") == "GB"
    for bad in ("", "XX", "UK", "001", "GBR"):
        with pytest.raises(InvalidInput):
            parse_region(bad)


def test_search_terms() -> None:
    assert search_terms("Zoë_100%") == {"key": "zoë_100%", "pattern": "%zoë\\_100\\%%",
                                        "digits": "100"}
    assert search_terms("STRASSE")["key"] == search_terms("straße")["key"] == "strasse"
    assert search_terms("+44")["digits"] is None  # under 3 digits: no phone search
    with pytest.raises(InvalidInput, match="blank"):
        search_terms(" \t")


def card(*lines: str) -> str:
    return "\r\n".join(["BEGIN:VCARD", *lines, "END:VCARD", ""])


@pytest.mark.parametrize(
    ("lines", "phone"),
    [
        (["VERSION:3.0", "FN:x", "TEL:+1", "TEL;TYPE=pref:+2"], "+2"),
        (["VERSION:3.0", "FN:x", "TEL;TYPE=CELL,PREF:+2", "TEL:+1"], "+2"),
        (["VERSION:3.0", "FN:x", "TEL;TYPE=cell;TYPE=pref:+2", "TEL:+1"], "+2"),
        (["VERSION:4.0", "FN:x", "TEL;PREF=3:+3", "TEL;PREF=2:+2", "TEL:+1"], "+2"),
        (['VERSION:4.0', 'FN:x', 'TEL:+1', 'TEL;TYPE="cell,pref":+2'], "+2"),
        (["VERSION:3.0", "FN:x", "TEL:+1", "TEL:+2"], "+1"),  # no preference: the first
        (["VERSION:3.0", "FN:x", "TEL:", "TEL:+2"], "+2"),  # empty values are skipped
        (["VERSION:3.0", "FN:x"], None),
    ],
)
def test_vcards_prefer_the_pref_value(lines, phone) -> None:
    ((where, fields),) = read_cards(io.StringIO(card(*lines)))
    assert (where, fields["phone"]) == ("card 1", phone)


def test_a_conflict_whose_holder_vanished_says_so(new_database) -> None:
    """The holder may be deleted between the failed insert and the look-up."""
    with connect(parse(new_database("contacts"))) as db:
        error = AddressBook(db)._conflict("email", None, "gone@example.com")
    assert isinstance(error, Conflict)
    assert str(error) == "email gone@example.com was taken by another contact meanwhile; try again"
