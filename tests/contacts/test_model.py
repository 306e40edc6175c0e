"""The contacts rules below the CLI: checks, search terms, what update does to a
contact's entries, and the conflict message when the holder vanished. (Phones
themselves: test_phones.py; entries and merging: test_entries.py.)"""

from __future__ import annotations

import pytest

from minidb.contacts.entries import Entry
from minidb.contacts.model import (
    Claim,
    EntryChange,
    changed_entries,
    email_key,
    parse_email,
    parse_phone,
    parse_region,
    parse_uid,
    search_terms,
)
from minidb.contacts.store import AddressBook
from minidb.db import connect, parse
from minidb.errors import Conflict, InvalidInput, NotFound


def test_phones_follow_the_lenient_rule_and_refuse_nul() -> None:
    assert parse_phone("+44 20 8366 1177", "US").value == "+442083661177"
    assert parse_phone("555-1234", "US").as_written
    with pytest.raises(InvalidInput, match="NUL"):
        parse_phone("202\x005550123", "US")


def test_emails_are_normalised_without_network_lookups() -> None:
    assert parse_email("  Ada@EXAMPLE.Com ") == "Ada@example.com"
    assert parse_email("zoë@Exämple.se") == "zoë@exämple.se"
    # A domain that surely has no mail server is still fine: syntax only.
    assert parse_email("ada@no-such-domain-for-minidb-tests.example") == (
        "ada@no-such-domain-for-minidb-tests.example")
    assert email_key("ZOË@Example.org") == email_key("zoë@example.ORG")


def test_regions_are_case_insensitive_country_codes() -> None:
    assert parse_region(" gb ") == "GB"
    for bad in ("", "XX", "UK", "001", "GBR"):
        with pytest.raises(InvalidInput):
            parse_region(bad)


def test_a_uid_may_be_any_text_within_limits() -> None:
    assert parse_uid("urn:uuid:0b5c") == "urn:uuid:0b5c"
    assert parse_uid(" odd; text, 👩 ") == " odd; text, 👩 "  # kept exactly as the card has it
    for bad, message in [("", "blank"), ("  ", "blank"), ("x" * 1001, "limit is 1000"), ("a\x00", "NUL")]:
        with pytest.raises(InvalidInput, match=message):
            parse_uid(bad)


def test_search_terms() -> None:
    assert search_terms("Zoë_100%") == {"key": "zoë_100%", "pattern": "%zoë\\_100\\%%",
                                        "digits": "100"}
    assert search_terms("STRASSE")["key"] == search_terms("straße")["key"] == "strasse"
    assert search_terms("+44")["digits"] is None  # under 3 digits: no phone search
    assert search_terms("\u0662\u0660\u0662")["digits"] == "202"  # Arabic-Indic digits
    with pytest.raises(InvalidInput, match="blank"):
        search_terms(" \t")


A, B, C = Entry("+1", "cell", True), Entry("+2", "work"), Entry("+3")


@pytest.mark.parametrize(("change", "after"), [
    (EntryChange(add=(Entry("+4", "home"),)), [A, B, C, Entry("+4", "home")]),
    (EntryChange(add=(Entry("+2", "home"),)), [A, B, C]),  # already there: unchanged
    (EntryChange(remove=("+1",)), [Entry("+2", "work", True), C]),  # the next one is preferred
    (EntryChange(remove=("+2", "+3")), [A]),
    (EntryChange(preferred=Entry("+9", "sat")), [Entry("+9", "sat", True), B, C]),
    (EntryChange(preferred=Entry("+3", "home")), [Entry("+3", "home", True), B]),  # moves to the front
    (EntryChange(clear=True), []),
    (EntryChange(clear=True, add=(Entry("+7"), Entry("+8"))), [Entry("+7", None, True), Entry("+8")]),
    (EntryChange(remove=("+1",), preferred=Entry("+5"), add=(Entry("+6"),)),
     [Entry("+5", None, True), B, C, Entry("+6")]),
])
def test_update_removes_then_replaces_the_preferred_entry_then_adds(change: EntryChange,
                                                                   after: list[Entry]) -> None:
    assert changed_entries([A, B, C], change, "phone", str, 7) == after


def test_removing_a_value_the_contact_lacks_is_refused_naming_it() -> None:
    with pytest.raises(NotFound) as refused:
        changed_entries([Entry("a@example.org", None, True)],
                        EntryChange(remove=("x@example.org",)), "email", email_key, 7)
    assert str(refused.value) == "contact 7 has no email x@example.org; nothing was changed"
    # E-mails compare case-insensitively.
    assert changed_entries([Entry("A@example.org", None, True)],
                           EntryChange(remove=("a@EXAMPLE.org",)), "email", email_key, 7) == []


def test_a_conflict_whose_holder_vanished_says_so(new_database) -> None:
    """The holder may be deleted between the failed insert and the look-up."""
    with connect(parse(new_database("contacts"))) as db:
        error = AddressBook(db)._conflict([Claim("email", "gone@example.com", "gone@example.com")])
    assert isinstance(error, Conflict)
    assert str(error) == "a phone, e-mail or uid of it was taken by another contact meanwhile; try again"
