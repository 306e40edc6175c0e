"""A contact's phones and e-mails: type labels, exactly one preferred, and merging."""

from __future__ import annotations

import pytest

from minidb.contacts.entries import (
    Entry,
    Holdings,
    lenient_label,
    merge,
    one_preferred,
    split_typed,
    type_label,
)
from minidb.contacts.vcard import KeptProperty
from minidb.errors import InvalidInput


@pytest.mark.parametrize(("text", "kind", "split"), [
    ("cell:+44 20 8366 1177", "phone", ("cell", "+44 20 8366 1177")),
    ("Work, FAX : 020 8366 1177", "phone", ("work,fax", " 020 8366 1177")),
    ("+44 20 8366 1177", "phone", (None, "+44 20 8366 1177")),
    ("tel:+1-202-555-0123", "phone", (None, "tel:+1-202-555-0123")),  # a URI, not a label
    ("TEL:+1-202-555-0123", "phone", (None, "TEL:+1-202-555-0123")),
    ("home:ada@example.com", "email", ("home", "ada@example.com")),
    ("ada@example.com", "email", (None, "ada@example.com")),
    ("x-work_2:ada@example.com", "email", ("x-work_2", "ada@example.com")),
])
def test_a_type_prefix_is_split_off(text: str, kind: str, split: tuple) -> None:
    assert split_typed(text, kind) == split


@pytest.mark.parametrize("label", ["a" * 51, "we|rd", "bell\x07"])
def test_a_label_the_user_gives_is_refused_when_it_would_break_a_format(label: str) -> None:
    with pytest.raises(InvalidInput, match="type label"):
        type_label(label)


def test_a_vcard_label_is_made_acceptable_instead() -> None:
    assert lenient_label("Mike's IM: work|home\t") == "mike's im work home"
    assert lenient_label("X" * 80) == "x" * 50
    assert lenient_label(" : ") is None


@pytest.mark.parametrize(("flags", "expected"), [
    ([False, False], [True, False]),
    ([False, True, True], [False, True, False]),
    ([True], [True]),
    ([], []),
])
def test_exactly_one_entry_is_preferred(flags: list[bool], expected: list[bool]) -> None:
    entries = [Entry(str(i), preferred=flag) for i, flag in enumerate(flags)]
    assert [e.preferred for e in one_preferred(entries)] == expected


def prop(line: str) -> KeptProperty:
    group, _, rest = line.rpartition(".") if "." in line.split(":")[0] else ("", "", line)
    name, _, value = rest.partition(":")
    return KeptProperty(group or None, name, (), value)


def test_merging_keeps_the_target_and_adds_what_it_lacks() -> None:
    target = Holdings(phones=(Entry("+1", "cell", True), Entry("+2")),
                      emails=(Entry("Ada@example.com", None, True),),
                      kept=(prop("ORG:Acme"),))
    other = Holdings(phones=(Entry("+3", "work", True), Entry("+1", "home")),
                     emails=(Entry("ADA@EXAMPLE.COM", "work", True), Entry("ada@home.example", "home")),
                     kept=(prop("ORG:Acme"), prop("NOTE:hi")))
    merged = merge(target, other)
    assert merged.phones == (Entry("+1", "cell", True), Entry("+2"), Entry("+3", "work", False))
    assert merged.emails == (Entry("Ada@example.com", None, True), Entry("ada@home.example", "home"))
    assert merged.kept == (prop("ORG:Acme"), prop("NOTE:hi"))
    assert merge(merged, other) == merged  # merging the same again changes nothing


def test_a_target_without_phones_takes_the_others_preferred_one() -> None:
    merged = merge(Holdings(), Holdings(phones=(Entry("+1"), Entry("+2", preferred=True))))
    assert merged.phones == (Entry("+1"), Entry("+2", preferred=True))


def test_groups_the_target_uses_are_renamed_so_labels_stay_with_their_entries() -> None:
    target = Holdings(phones=(Entry("+1", None, True, "item1"),), kept=(prop("item1.X-ABLABEL:Boat"),
                                                                       prop("item2.X-ABLABEL:Car")))
    other = Holdings(phones=(Entry("+5", None, True, "ITEM1"),),
                     emails=(Entry("a@example.com", None, True, "item2"),),
                     kept=(prop("item1.X-ABLABEL:Shed"), prop("item2.X-ABLABEL:Car"), prop("item4.URL:x")))
    merged = merge(target, other)
    assert merged.phones == (Entry("+1", None, True, "item1"), Entry("+5", None, False, "item3"))
    # item2.X-ABLABEL:Car is already there: dropped, and item2 renamed for the e-mail that remains.
    assert merged.emails == (Entry("a@example.com", None, True, "item5"),)
    assert merged.kept == (prop("item1.X-ABLABEL:Boat"), prop("item2.X-ABLABEL:Car"),
                           prop("item3.X-ABLABEL:Shed"), prop("item4.URL:x"))
