"""The vCard codec (issue 10, the vCard fidelity rules of the contacts spec): no database.

Reading: 2.1, 3.0 and 4.0 from bytes, every line end, folding, quoted-
printable, charsets, groups, every way of saying "preferred", FN with
commas, a name for every card that has a name, organisation, e-mail or
phone, and nothing lost: what minidb does not model is kept. Writing:
3.0, CRLF, folded at 75 octets, escaped, and export → import → export exact.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from minidb.contacts import vcard
from minidb.contacts.phones import parse_phone
from minidb.contacts.vcard import (
    Card,
    Entry,
    KeptProperty,
    MalformedCard,
    card_text,
    escape_text,
    fold,
    iter_cards,
    read_cards,
    unescape_text,
    with_one_preferred,
)
from minidb.errors import InvalidInput

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
REV = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def vcf(*lines: str, end: str = "\r\n") -> bytes:
    return "".join(line + end for line in lines).encode("utf-8")


def card_of(*lines: str, version: str = "3.0") -> Card:
    """The one card made of these property lines."""
    (card,) = read_cards(vcf("BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD"))
    return card


def export(card: Card, uid: str = "uid-1", rev: datetime = REV) -> str:
    """What the codec alone writes back for a card it read (no phone or e-mail rules)."""
    assert card.name is not None
    return card_text(name=card.name, uid=card.uid or uid, phones=card.phones, emails=card.emails,
                     kept=card.kept, rev=rev)


def kept_lines(card: Card) -> list[str]:
    return [prop.line() for prop in card.kept]


def entries(card_entries: list[Entry]) -> list[tuple[str, str | None, bool]]:
    return [(e.value, e.type, e.preferred) for e in card_entries]


def without_rev(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("REV:"))


# --- the six reading faults of issue 10


@pytest.mark.parametrize(("version", "line", "name"), [
    ("2.1", "FN:Test,Contact", "Test,Contact"),
    ("3.0", "FN:Doe, John", "Doe, John"),
    ("3.0", "FN:Doe\\, John", "Doe, John"),
    ("4.0", "FN:Dr. John Q. Public\\, III", "Dr. John Q. Public, III"),
    ("4.0", "FN:a,b,c;d", "a,b,c;d"),
])
def test_fn_with_commas_is_one_name_never_truncated(version: str, line: str, name: str) -> None:
    assert card_of(line, version=version).name == name


def test_fn_with_a_comma_from_a_real_21_file() -> None:
    (card,) = read_cards((CORPUS / "horde-v21-fn-comma.vcf").read_bytes())
    assert card.name == "Test,Contact"


def test_bare_21_pref_marks_the_preferred_phone_and_email() -> None:
    card = card_of("FN:Ada", "TEL;HOME:+12025550100", "TEL;CELL;PREF:+12025550199",
                   "EMAIL;INTERNET:ada@home.example", "EMAIL;PREF;INTERNET:ada@work.example",
                   version="2.1")
    assert entries(card.phones) == [("+12025550100", "home", False), ("+12025550199", "cell", True)]
    assert entries(card.emails) == [("ada@home.example", None, False), ("ada@work.example", None, True)]


def test_bare_pref_in_real_21_exports() -> None:
    (wab,) = read_cards((CORPUS / "wab-maxl-folkerkinzel.vcf").read_bytes())
    assert entries(wab.emails)[0] == ("privat@folker-kinzel.de", None, True)
    (evolution,) = read_cards((CORPUS / "evolution-v21-bare-pref-eds.vcf").read_bytes())
    assert "ADR;TYPE=HOME,PREF:;;92 Main St. N.;Newmarket;ON;L3Y 4A1;Canada" in kept_lines(evolution)


def test_undecodable_base64_and_quoted_printable_in_unmodelled_properties_never_fail_the_card() -> None:
    card = card_of(
        "FN:John Doe",
        "PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQSkZJRgABAQEAAAAAAAD...",
        "LOGO;ENCODING=b;TYPE=PNG:not base64 at all!",
        "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:broken =C3 utf-8 =ZZ and = sign",
        "TEL:+1 234 567 8900",
        version="2.1",
    )
    assert card.name == "John Doe"
    assert card.warnings == ["line 6: NOTE is not valid UTF-8 text; kept as it was"]
    assert entries(card.phones) == [("+1 234 567 8900", None, True)]
    # Base64 is never decoded: kept as it was, in 3.0 spelling; the broken
    # UTF-8 keeps its bytes (re-encoded as quoted-printable, with its charset).
    assert kept_lines(card) == [
        "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQEAAAAAAAD...",
        "LOGO;ENCODING=b;TYPE=PNG:notbase64atall!",
        "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:broken =C3 utf-8 =3DZZ and =3D sign",
    ]
    assert card.warnings == ["line 6: NOTE is not valid UTF-8 text; kept as it was"]


def test_8bit_bytes_in_base64_read_as_replacement_characters_once() -> None:
    data = vcf("BEGIN:VCARD", "FN:A", "PHOTO;ENCODING=b:iVBO?Rw0K", "END:VCARD").replace(b"?", b"\x80")
    (card,) = read_cards(data)
    assert kept_lines(card) == ["PHOTO;ENCODING=b:iVBO\ufffdRw0K"]
    assert card.warnings == ["line 3: PHOTO has bytes that are not base64; read as U+FFFD"]
    (again,) = read_cards(export(card).encode())
    assert again.kept == card.kept


def test_truncated_base64_photos_in_a_real_file_with_agents() -> None:
    cards = list(iter_cards((CORPUS / "vcardnet-v21-agent-truncated-b64.vcf").read_bytes()))
    assert [c.name for c in cards] == ["John Doe", "Jane Doe"]
    assert "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQEAAAAAAAD..." in kept_lines(cards[0])


def test_8bit_text_is_decoded_with_its_declared_charset() -> None:
    jurgen, sean = read_cards((DATA / "v21-8bit-charsets.vcf").read_bytes())
    assert jurgen.name == "Jürgen Müller"
    assert entries(jurgen.phones) == [("+49 221 1234567", "home", True)]
    assert kept_lines(jurgen) == [
        "N:Müller;Jürgen",
        "ORG:Bäckerei Müller GmbH",
        "ADR;TYPE=HOME:;;Königstraße 5;Köln;;50667;Deutschland",
        "NOTE:Grüße aus Köln",
    ]
    assert sean.name == "Seán O\u2019Brien"
    assert "NOTE:Owes me 20 €" in kept_lines(sean)
    assert jurgen.warnings == sean.warnings == []


def test_8bit_quoted_printable_is_decoded_with_its_charset() -> None:
    card = card_of("FN;CHARSET=ISO-8859-2;ENCODING=QUOTED-PRINTABLE:Krak=F3w ma=B3opolskie", version="2.1")
    assert card.name == "Kraków małopolskie"


def test_an_unknown_charset_or_undecodable_name_never_fails_the_card() -> None:
    data = vcf("BEGIN:VCARD", "VERSION:2.1", "FN;CHARSET=X-KLINGON:Kirk", "END:VCARD",
               "BEGIN:VCARD", "VERSION:2.1", "FN;CHARSET=UTF-8:Jos?", "END:VCARD").replace(b"?", b"\xe9")
    kirk, jose = read_cards(data)
    assert kirk.name == "Kirk"  # plain ASCII reads in any charset
    assert jose.name == "Jos\ufffd"
    assert jose.warnings == ["line 7: FN is not valid UTF-8 text; undecodable bytes read as U+FFFD"]


def test_unknown_charset_with_8bit_bytes_is_kept_as_it_was() -> None:
    data = vcf("BEGIN:VCARD", "FN:Kirk", "NOTE;CHARSET=X-KLINGON:??", "END:VCARD").replace(b"??", b"\xff\xfe")
    (card,) = read_cards(data)
    assert kept_lines(card) == ["NOTE;CHARSET=X-KLINGON;ENCODING=QUOTED-PRINTABLE:=FF=FE"]
    (again,) = read_cards(export(card).encode())
    assert again.kept == card.kept


def test_cr_cr_lf_line_ends_from_an_iphone_export() -> None:
    data = vcf("BEGIN:VCARD", "VERSION:3.0", "FN:Ada Lovelace", "TEL;TYPE=CELL:+44 20 8366 1177",
               "NOTE:first", " continued", "END:VCARD", end="\r\r\n")
    (card,) = read_cards(data)
    assert card.name == "Ada Lovelace"
    assert entries(card.phones) == [("+44 20 8366 1177", "cell", True)]
    assert kept_lines(card) == ["NOTE:firstcontinued"]
    (real,) = read_cards((CORPUS / "unknown-crcrlf-thunderbird.vcf").read_bytes())
    assert (real.name, entries(real.emails)) == ("Name Surname", [("example@gmail.com", "home", True)])


@pytest.mark.parametrize("end", ["\r\n", "\n", "\r", "\r\r\n"])
def test_every_line_end_reads_the_same_with_the_same_line_numbers(end: str) -> None:
    data = vcf("BEGIN:VCARD", "FN:One", "END:VCARD", "", "BEGIN:VCARD", "FN:Two", "END:VCARD", end=end)
    assert [(c.number, c.line, c.name) for c in read_cards(data)] == [(1, 1, "One"), (2, 5, "Two")]


def test_profile_vcard_is_an_ordinary_property() -> None:
    card = card_of("PROFILE:VCard", "FN:Ada")
    assert card.name == "Ada"
    assert kept_lines(card) == ["PROFILE:VCard"]


@pytest.mark.parametrize(("lines", "name"), [
    (["N:Lovelace;Ada;;;", "ORG:Analytical Engines"], "Ada Lovelace"),
    (["FN:", "N:;;;;", "ORG:Analytical Engines;Research", "EMAIL:ada@example.com"], "Analytical Engines"),
    (["ORG:;Research"], "Research"),
    (["FN:  ", "EMAIL:ada@example.com", "TEL:+44 20 8366 1177"], "ada@example.com"),
    (["TEL:12345"], "12345"),
    (["TEL;VALUE=uri:tel:+1-555-555-5555"], "+1-555-555-5555"),
    (["NOTE:no name at all", "EMAIL:", "TEL:"], None),
    ([], None),
])
def test_name_falls_back_from_fn_to_n_org_email_then_phone(lines: list[str], name: str | None) -> None:
    assert card_of(*lines).name == name


def test_name_fallback_in_real_icloud_cards_with_empty_fn() -> None:
    (phone_only,) = read_cards((CORPUS / "icloud-emptyfn-phone-rcmcarddav.vcf").read_bytes())
    (with_email,) = read_cards((CORPUS / "icloud-emptyfn-email-rcmcarddav.vcf").read_bytes())
    assert phone_only.name == "12345"
    assert with_email.name == with_email.emails[0].value


@pytest.mark.parametrize(("version", "n", "name"), [
    ("3.0", "N:Public;John;Quinlan;Mr.;Esq.", "Mr. John Quinlan Public, Esq."),
    ("3.0", "N:Doe;John", "John Doe"),
    ("3.0", "N:Doe", "Doe"),
    ("3.0", "N:Stevenson;John;Philip,Paul;Dr.;Jr.,M.D.,A.C.P.",
     "Dr. John Philip Paul Stevenson, Jr. M.D. A.C.P."),
    ("3.0", "N:O\\;Neil\\, Jr;Pat;;;", "Pat O;Neil, Jr"),
    ("2.1", "N:Navasquillo;Neville;Neville,Nevile;Mr.;Jr.", "Mr. Neville Neville,Nevile Navasquillo, Jr."),
])
def test_name_from_n_is_given_before_family_with_prefix_and_suffix(version: str, n: str, name: str) -> None:
    assert card_of(n, version=version).name == name


def test_name_white_space_is_collapsed() -> None:
    assert card_of("FN:  Ada \\n  Lovelace\t ").name == "Ada Lovelace"


# --- lines: folding, soft line breaks, BEGIN/END, cards and their line numbers


def test_folded_lines_continue_after_a_space_or_a_tab_even_inside_parameters() -> None:
    (card,) = read_cards((CORPUS / "kde-evil-tests-eds.vcf").read_bytes())
    assert entries(card.phones) == [("+1-919-676-9515", "msg,work", True),
                                    ("+1-919-676-9564", "fax,work", False)]
    assert entries(card.emails) == [("Frank_Dawson@Lotus.com", None, True),
                                    ("semicolon;@points.net", None, False)]
    assert "ADR;TYPE=WORK,POSTAL,PARCEL:;;Evil semicolon city\\;;Semicolon\\;way;NC;27613-3502;U.S.A." in (
        kept_lines(card))


def test_fold_removes_exactly_one_blank() -> None:
    card = card_of("NOTE:two", "  spaces", "NOTE:a", "\tb")
    assert kept_lines(card) == ["NOTE:two spaces", "NOTE:ab"]


def test_quoted_printable_soft_line_breaks() -> None:
    (card,) = read_cards((CORPUS / "nokia-v21-qp-eds.vcf").read_bytes())
    assert card.name == "Michael Brüning"
    assert kept_lines(card)[:2] == ["N:Brüning;Michael",
                                    "ADR;TYPE=HOME:;;Münsterplatz 21;Ulm;Baden-Württemberg;89073;"]
    assert "LABEL;TYPE=HOME:Münsterplatz 21\\n89073 Ulm, Baden-Württemberg" in kept_lines(card)


def test_a_soft_line_break_never_swallows_the_end_of_the_card() -> None:
    data = vcf("BEGIN:VCARD", "VERSION:2.1", "FN:A", "NOTE;ENCODING=QUOTED-PRINTABLE:ends in =", "END:VCARD",
               "BEGIN:VCARD", "FN:B", "END:VCARD")
    assert [c.name for c in read_cards(data)] == ["A", "B"]


def test_an_equals_sign_at_the_end_of_a_plain_value_is_text() -> None:
    card = card_of("NOTE:a=", "X-B:b")
    assert kept_lines(card) == ["NOTE:a=", "X-B:b"]


def test_21_base64_may_continue_on_unindented_lines_and_end_with_a_blank_line() -> None:
    data = vcf("BEGIN:VCARD", "VERSION:2.1", "FN:A", "PHOTO;BASE64;TYPE=GIF:", "    R0lGODdh",
               "AQABAIAAAP///wAAACwA", "", "TEL:+12025550100", "END:VCARD")
    (card,) = read_cards(data)
    assert kept_lines(card) == ["PHOTO;ENCODING=b;TYPE=GIF:R0lGODdhAQABAIAAAP///wAAACwA"]
    assert entries(card.phones) == [("+12025550100", None, True)]


@pytest.mark.parametrize("begin", ["BEGIN:VCARD", "begin:vcard", "BEGIN:vCard", "BEGIN:VCARD  ",
                                   "begin:vcard \t"])
def test_begin_and_end_in_any_case_with_trailing_blanks(begin: str) -> None:
    data = vcf(begin, "FN:A", begin.replace("BEGIN", "END").replace("begin", "end"))
    assert [c.name for c in read_cards(data)] == ["A"]


def test_real_files_with_lower_case_and_trailing_spaces() -> None:
    for name in ("thunderbird-legacy-export.vcf", "netscape4-brad-horde.vcf",
                 "outlook-dirk-trailing-space-ical4j.vcf"):
        assert all(c.name for c in read_cards((CORPUS / name).read_bytes())), name


def test_cards_are_numbered_with_the_line_each_starts_on() -> None:
    data = vcf("", "BEGIN:VCARD", "FN:A", "END:VCARD", "BEGIN:VCARD", "FN:B", "NOTE:x", "END:VCARD", "",
               "", "BEGIN:VCARD", "FN:C", "END:VCARD")
    cards = list(read_cards(data))
    assert [(c.number, c.line, c.name) for c in cards] == [(1, 2, "A"), (2, 5, "B"), (3, 11, "C")]
    assert [p.line for p in cards[1].properties] == [6, 7]
    assert cards[2].label == "card 3 (line 11)"


def test_byte_order_marks() -> None:
    text = "BEGIN:VCARD\r\nFN:Zoë\r\nEND:VCARD\r\n"
    boms = (b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16"), b"\xfe\xff" + text.encode("utf-16-be"))
    for data in boms:
        assert [c.name for c in read_cards(data)] == ["Zoë"]


def test_the_version_may_come_last() -> None:
    # Thunderbird writes VERSION after the data; 2.1 reads a comma in N as text.
    data = vcf("BEGIN:VCARD", "N:Doe;John,Jack", "VERSION:2.1", "END:VCARD")
    (card,) = read_cards(data)
    assert (card.version, card.name) == ("2.1", "John,Jack Doe")


# --- properties and parameters


def test_properties_keep_group_name_parameters_and_raw_value() -> None:
    card = card_of('item1.tel;type=CELL;Type="Home,Voice";X-Q="a;b:c,d";PREF=1;;:+1 (202) 555-0100\\,x')
    prop = next(p for p in card.properties if p.name == "TEL")
    assert prop.group == "item1"
    assert prop.params == (("TYPE", "CELL"), ("TYPE", "Home"), ("TYPE", "Voice"), ("X-Q", "a;b:c,d"),
                           ("PREF", "1"))
    assert prop.raw == b"+1 (202) 555-0100\\,x"
    assert entries(card.phones) == [("+1 (202) 555-0100,x", "cell,home", True)]


def test_bare_21_parameters_name_their_parameter() -> None:
    card = card_of("NOTE;HOME;QUOTED-PRINTABLE;CHARSET=UTF-8;URL:a=3Db", version="2.1")
    prop = next(p for p in card.properties if p.name == "NOTE")
    assert prop.params == (("TYPE", "HOME"), ("ENCODING", "QUOTED-PRINTABLE"), ("CHARSET", "UTF-8"),
                           ("VALUE", "URL"))
    assert kept_lines(card) == ["NOTE;TYPE=HOME;VALUE=URL:a=b"]


def test_empty_parameters_are_ignored() -> None:
    (card,) = read_cards((CORPUS / "evolution-invalid-params-eds.vcf").read_bytes())
    assert kept_lines(card)[2:] == ["NOPARAM:pas-id-4094434A00000001",
                                    "TAIL;PARAM=value:pas-id-4094434A00000001",
                                    "MIDDLE;PARAM=value;PARAM2=value2:pas-id-4094434A00000001"]


def test_quoted_parameter_with_colon_and_comma_from_ios() -> None:
    (card,) = read_cards((CORPUS / "ios142-im-rcmcarddav.vcf").read_bytes())
    impp = next(p for p in card.properties if p.group == "item8" and p.name == "IMPP")
    assert impp.params == (("X-SERVICE-TYPE", "Mike\u2019s very special, custom IM:"),)
    assert impp.raw == b"x-apple:mikeim@example.com"


# --- text escaping


@pytest.mark.parametrize(("raw", "text"), [
    ("a\\,b\\;c\\nd\\Ne\\\\f", "a,b;c\nd\ne\\f"),
    ("C:\\Users\\x", "C:\\Users\\x"),  # 2.1 writers use backslashes literally
    ("trailing\\", "trailing\\"),
    ("http\\://x", "http://x"),
    ("\\\\n", "\\n"),
])
def test_unescape(raw: str, text: str) -> None:
    assert unescape_text(raw) == text


def test_escape_per_rfc_2426() -> None:
    assert escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


# --- phones and e-mails


@pytest.mark.parametrize(("lines", "expected"), [
    (["TEL:1", "TEL:2"], [("1", None, True), ("2", None, False)]),
    (["TEL;TYPE=work:1", "TEL;TYPE=CELL,pref:2"], [("1", "work", False), ("2", "cell", True)]),
    (["TEL;TYPE=pref:1", "TEL;TYPE=pref:2"], [("1", None, True), ("2", None, False)]),
    (["TEL;PREF=3:1", "TEL;PREF=2:2", "TEL:3"], [("1", None, False), ("2", None, True), ("3", None, False)]),
    (["TEL;type=HOME;type=VOICE:1", "TEL;TYPE=VOICE:2", "TEL;TYPE=home,fax:3"],
     [("1", "home", True), ("2", None, False), ("3", "home,fax", False)]),
    (["TEL;VALUE=uri;TYPE=cell:tel:+1-555-123-4567;ext=5"], [("+1-555-123-4567;ext=5", "cell", True)]),
    (["TEL:1", 'TEL;TYPE="cell,pref":2'], [("1", None, False), ("2", "cell", True)]),
    (["TEL;TYPE=cell;TYPE=pref:2", "TEL:1"], [("2", "cell", True), ("1", None, False)]),
    (["TEL:", "TEL:2"], [("2", None, True)]),
    (["TEL;PREF=1:1", "TEL;TYPE=pref:2"], [("1", None, True), ("2", None, False)]),
])
def test_phone_types_and_exactly_one_preferred(lines: list[str],
                                               expected: list[tuple[str, str | None, bool]]) -> None:
    assert entries(card_of("FN:A", *lines, version="4.0").phones) == expected


def test_email_types_drop_internet_and_pref() -> None:
    card = card_of("FN:A", "EMAIL;TYPE=INTERNET;TYPE=HOME:a@x.org", "EMAIL;TYPE=internet,work,pref:b@x.org")
    assert entries(card.emails) == [("a@x.org", "home", False), ("b@x.org", "work", True)]


def test_empty_tel_and_email_are_no_entries_and_stay_kept() -> None:
    card = card_of("FN:A", 'TEL;TYPE="HOME,VOICE":', "EMAIL:  ")
    assert card.phones == card.emails == []
    assert kept_lines(card) == ["TEL;TYPE=HOME,VOICE:", "EMAIL:  "]


def test_grouped_entries_keep_their_group() -> None:
    card = card_of("FN:A", "item2.TEL:5555551119", "item2.X-ABLabel:GRAND_CENTRAL")
    assert card.phones[0].group == "item2"
    assert kept_lines(card) == ["item2.X-ABLABEL:GRAND_CENTRAL"]


def test_with_one_preferred() -> None:
    assert [e.preferred for e in with_one_preferred([Entry("1"), Entry("2")])] == [True, False]
    assert [e.preferred for e in with_one_preferred([Entry("1"), Entry("2", preferred=True),
                                                     Entry("3", preferred=True)])] == [False, True, False]
    assert with_one_preferred([]) == []


# --- kept properties


def test_kept_is_every_unmodelled_property_in_order_with_groups_and_parameters() -> None:
    card = card_of(
        "PRODID:-//Apple Inc.//iOS 17//EN", "N:Lovelace;Ada;;;", "FN:Ada Lovelace", "FN;LANGUAGE=fr:Ada",
        "ORG:Analytical Engines;R&D", "item1.EMAIL;type=INTERNET;type=pref:ada@example.com",
        "item1.X-ABLabel:_$!<Other>!$_", "TITLE:Countess", "ADR;TYPE=home:;;12 St James's Sq;London;;SW1;UK",
        "BDAY:1815-12-10", "NOTE:Wrote the first\\, published\\nprogram", "URL:https://example.org/ada",
        "CATEGORIES:math,poetry", "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ", "X-SOCIALPROFILE;type=x:ada",
        "REV:2020-01-01T00:00:00Z", "UID:ada-1", "UID:ada-2",
    )
    assert (card.name, card.uid) == ("Ada Lovelace", "ada-1")
    assert kept_lines(card) == [
        "N:Lovelace;Ada;;;", "FN;LANGUAGE=fr:Ada", "ORG:Analytical Engines;R&D",
        "item1.X-ABLABEL:_$!<Other>!$_", "TITLE:Countess", "ADR;TYPE=home:;;12 St James's Sq;London;;SW1;UK",
        "BDAY:1815-12-10", "NOTE:Wrote the first\\, published\\nprogram", "URL:https://example.org/ada",
        "CATEGORIES:math,poetry", "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ", "X-SOCIALPROFILE;TYPE=x:ada",
        "UID:ada-2",
    ]


def test_an_n_that_only_repeats_the_name_is_not_kept() -> None:
    # It is what the writer derives; keeping it would export a stale N after a rename.
    assert kept_lines(card_of("FN:Ada Lovelace", "N:;Ada Lovelace;;;")) == []
    assert kept_lines(card_of("FN:Ada Lovelace", "N:Lovelace;Ada;;;")) == ["N:Lovelace;Ada;;;"]


def test_kept_with_refused_entries_keeps_them_in_card_order() -> None:
    card = card_of("FN:A", "NOTE:1", "TEL;TYPE=work:BusinessPhone", "NOTE:2", "TEL:+12025550100",
                   "EMAIL;TYPE=home:xxxx")
    refused = [card.phones[0], card.emails[0]]
    assert [p.line() for p in card.kept_with(refused)] == [
        "NOTE:1", "TEL;TYPE=work:BusinessPhone", "NOTE:2", "EMAIL;TYPE=home:xxxx"]


def test_nested_agent_cards_are_kept_as_raw_values() -> None:
    data = vcf("BEGIN:VCARD", "VERSION:2.1", "FN:Boss", "AGENT:", "BEGIN:VCARD", "VERSION:2.1",
               "FN:Assistant", "TEL:+1 919 555 7878", "END:VCARD", "TITLE:Manager", "END:VCARD",
               "BEGIN:VCARD", "VERSION:2.1", "FN:Other", "AGENT:BEGIN:VCARD", "FN:Agent; with, specials",
               "AGENT:BEGIN:VCARD", "FN:Deeper", "END:VCARD", "END:VCARD", "END:VCARD")
    boss, other = read_cards(data)
    assert (boss.name, boss.phones) == ("Boss", [])
    assert kept_lines(boss) == [
        "AGENT:BEGIN:VCARD\\nVERSION:2.1\\nFN:Assistant\\nTEL:+1 919 555 7878\\nEND:VCARD\\n",
        "TITLE:Manager",
    ]
    assert kept_lines(other) == ["AGENT:BEGIN:VCARD\\nFN:Agent\\; with\\, specials\\nAGENT:BEGIN:VCARD\\n"
                                 "FN:Deeper\\nEND:VCARD\\nEND:VCARD\\n"]
    # Written as 3.0 does it (one escaped value), and read back as one value.
    (again,) = read_cards(export(other).encode())
    assert kept_lines(again) == kept_lines(other)


def test_kept_property_as_json_data_and_back() -> None:
    card = card_of("FN:A", 'item3.X-Q;TYPE=a,b;X-P="x:y":v\\,1', "NOTE;CHARSET=X-KLINGON:\u00ff")
    stored = json.loads(json.dumps([prop.as_dict() for prop in card.kept]))
    assert stored[0] == {"group": "item3", "name": "X-Q", "value": "v\\,1",
                         "params": [["TYPE", "a"], ["TYPE", "b"], ["X-P", "x:y"]]}
    assert [KeptProperty.from_dict(row) for row in stored] == card.kept


@pytest.mark.parametrize("row", [
    {"group": None, "name": "NOTE", "params": [], "value": "a\nEND:VCARD"},
    {"group": None, "name": "END", "params": [], "value": "VCARD"},
    {"group": None, "name": "NO TE", "params": [], "value": ""},
    {"group": "a b", "name": "NOTE", "params": [], "value": ""},
    {"group": None, "name": "NOTE", "params": [["TYPE"]], "value": ""},
    {"group": None, "name": "NOTE", "params": [["TY:PE", "x"]], "value": ""},
    {"group": None, "name": "NOTE", "params": [["TYPE", "x\r\n"]], "value": ""},
    {"group": None, "name": "NOTE", "params": {}, "value": ""},
    {"group": None, "name": "NOTE", "params": [], "value": 3},
    {"name": "NOTE", "params": [], "value": ""},
    ["NOTE"],
])
def test_kept_property_rows_that_would_break_a_card_are_refused(row: object) -> None:
    with pytest.raises(InvalidInput, match="kept vCard property"):
        KeptProperty.from_dict(row)


# --- malformed cards: named, and never in the way of the next card


def test_a_card_without_end_is_named_and_the_next_card_is_read() -> None:
    data = vcf("BEGIN:VCARD", "FN:A", "END:VCARD", "BEGIN:VCARD", "FN:Broken", "BEGIN:VCARD", "FN:C",
               "END:VCARD", "BEGIN:VCARD", "FN:Last")
    items = list(iter_cards(data))
    assert [type(i).__name__ for i in items] == ["Card", "MalformedCard", "Card", "MalformedCard"]
    assert str(items[1]) == "card 2, line 4: no END:VCARD (the next card starts at line 6)"
    assert (items[2].number, items[2].line, items[2].name) == (3, 6, "C")
    assert str(items[3]) == "card 4, line 9: no END:VCARD (the file ends inside the card)"
    assert isinstance(items[3], InvalidInput)  # exit status 2, like any malformed input


def test_garbage_inside_a_card_names_card_and_line() -> None:
    data = vcf("BEGIN:VCARD", "FN:A", "this is not a property", "TEL:1", "END:VCARD",
               "BEGIN:VCARD", "FN:B", "bad name;x:y", "END:VCARD", "BEGIN:VCARD", "FN:C", "END:VCARD")
    items = list(iter_cards(data))
    assert [str(i) if isinstance(i, MalformedCard) else i.name for i in items] == [
        "card 1, line 3: not a vCard property (no ':'): 'this is not a property'",
        "card 2, line 8: not a vCard property name: 'bad name;x:y'",
        "C",
    ]
    assert (items[0].number, items[0].line) == (1, 3)


def test_text_outside_cards_is_reported_once_per_stretch() -> None:
    data = vcf("name,phone,email", "Ada,1,a@x", "BEGIN:VCARD", "FN:A", "END:VCARD", "END:VCARD", "junk")
    items = list(iter_cards(data))
    assert [str(i) if isinstance(i, MalformedCard) else i.name for i in items] == [
        "line 1: expected BEGIN:VCARD, found 'name,phone,email'", "A",
        "line 6: expected BEGIN:VCARD, found 'END:VCARD'"]
    assert items[0].number is None


def test_read_cards_raises_the_first_malformed_card() -> None:
    with pytest.raises(MalformedCard, match=r"^card 2, line 4: no END:VCARD"):
        list(read_cards(vcf("BEGIN:VCARD", "FN:A", "END:VCARD", "BEGIN:VCARD", "FN:B")))


def test_an_embedded_card_without_end_costs_only_its_own_card() -> None:
    data = vcf("BEGIN:VCARD", "FN:A", "AGENT:BEGIN:VCARD", "FN:Agent", "END:VCARD",
               "BEGIN:VCARD", "FN:B", "END:VCARD")
    items = list(iter_cards(data))
    assert [str(i) if isinstance(i, MalformedCard) else i.name for i in items] == [
        "card 1, line 1: no END:VCARD (the next card starts at line 6)", "B"]


def test_cards_nested_too_deep_are_malformed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vcard, "MAX_NESTING", 3)
    deep = ["AGENT:BEGIN:VCARD"] * 4 + ["END:VCARD"] * 4
    data = vcf("BEGIN:VCARD", "FN:A", *deep, "END:VCARD", "BEGIN:VCARD", "FN:B", "END:VCARD")
    items = list(iter_cards(data))
    assert [str(i) if isinstance(i, MalformedCard) else i.name for i in items] == [
        "card 1, line 6: cards nested more than 3 deep", "B"]


def test_a_line_over_the_limit_is_malformed_without_being_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vcard, "MAX_LINE_BYTES", 1000)
    monkeypatch.setattr(vcard, "_CHUNK", 256)
    long_note = "NOTE:" + "x" * 5000
    folded = ["NOTE:" + "y" * 600, " " + "y" * 600]
    data = vcf("BEGIN:VCARD", "FN:A", long_note, "END:VCARD", "BEGIN:VCARD", "FN:B", *folded, "END:VCARD",
               "BEGIN:VCARD", "FN:C", "NOTE:" + "z" * 900, "END:VCARD")
    items = list(iter_cards(data))
    assert [str(i) if isinstance(i, MalformedCard) else i.name for i in items] == [
        "card 1, line 3: line is longer than 1000 bytes", "card 2, line 7: line is longer than 1000 bytes",
        "C"]


def test_a_card_over_the_size_limit_is_malformed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vcard, "MAX_CARD_BYTES", 2000)
    notes = [f"NOTE:{i:03d}" + "n" * 100 for i in range(30)]
    data = vcf("BEGIN:VCARD", "FN:A", *notes, "END:VCARD", "BEGIN:VCARD", "FN:B", "END:VCARD")
    items = list(iter_cards(data))
    assert [str(i) if isinstance(i, MalformedCard) else i.name for i in items] == [
        "card 1, line 21: card is larger than 2000 bytes", "B"]


# Rejecting a hostile file costs time linear in its size: counted, not timed.


def test_each_byte_is_scanned_for_line_ends_once(monkeypatch: pytest.MonkeyPatch) -> None:
    scanned = []

    class CountingSplit:
        def split(self, data: bytes) -> list[bytes]:
            scanned.append(len(data))
            return LINE_END.split(data)

    LINE_END = vcard._LINE_END
    monkeypatch.setattr(vcard, "_LINE_END", CountingSplit())
    monkeypatch.setattr(vcard, "_CHUNK", 1024)
    data = vcf("BEGIN:VCARD", "FN:A", "NOTE:" + "x" * 200_000, "END:VCARD")
    assert [c.name for c in read_cards(data)] == ["A"]
    assert sum(scanned) <= len(data) + 2 * len(scanned)  # at most the held-back CRs twice


def test_a_header_is_read_once_however_many_soft_line_breaks_follow(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    line_encoding = vcard._line_encoding
    monkeypatch.setattr(vcard, "_line_encoding", lambda pieces: calls.append(1) or line_encoding(pieces))
    data = vcf("BEGIN:VCARD", "VERSION:2.1", "FN:A", "NOTE;ENCODING=QUOTED-PRINTABLE:" + "=41" * 10 + "=",
               *["=42" * 10 + "="] * 2000, "end", "END:VCARD")
    (card,) = read_cards(data)
    assert kept_lines(card) == ["NOTE:" + "A" * 10 + "B" * 20_000 + "end"]
    assert len(calls) == 1


def test_a_card_with_too_many_properties_is_malformed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vcard, "MAX_PROPERTIES", 50)
    data = vcf("BEGIN:VCARD", "FN:A", *["X:"] * 60, "END:VCARD",
               "BEGIN:VCARD", "FN:B", *["X:"] * 49, "END:VCARD")
    items = list(iter_cards(data))
    assert [str(i) if isinstance(i, MalformedCard) else i.name for i in items] == [
        "card 1, line 52: card has more than 50 properties", "B"]


def test_a_charset_that_decodes_to_lone_surrogates_counts_as_undecodable() -> None:
    card = card_of("FN;CHARSET=unicode_escape:Ada\\ud800", "NOTE;CHARSET=unicode_escape:x\\udc00")
    assert card.name == "Ada\\ud800"  # read as UTF-8 instead, with a warning
    assert kept_lines(card) == ["NOTE;CHARSET=unicode_escape;ENCODING=QUOTED-PRINTABLE:x\\udc00"]
    assert len(card.warnings) == 2
    export(card).encode("utf-8")


def test_distinct_headers_do_not_grow_memory() -> None:
    headers = [f"X-P{i};TYPE=t{i}:v" for i in range(3 * vcard._HEADERS_KEPT)]
    data = vcf("BEGIN:VCARD", "FN:A", *headers, "END:VCARD")
    (card,) = read_cards(data)
    assert len(card.kept) == 3 * vcard._HEADERS_KEPT
    assert len(vcard._HEADERS) <= vcard._HEADERS_KEPT


# --- streaming


class ShortReads(io.RawIOBase):
    """A pipe: each read returns at most the next of ``sizes`` bytes."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data, self.sizes, self.offset = data, sizes, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        step = self.sizes[self.offset % len(self.sizes)] if self.sizes else size
        chunk = self.data[self.offset:self.offset + min(size, step)]
        self.offset += len(chunk)
        return chunk


@given(st.sampled_from(["\r\n", "\n", "\r", "\r\r\n"]), st.lists(st.integers(1, 7), min_size=1, max_size=5))
def test_line_ends_split_across_reads_read_the_same(end: str, sizes: list[int]) -> None:
    lines = ["BEGIN:VCARD", "FN:Ada", "NOTE:a", " b", "", "END:VCARD", "", "BEGIN:VCARD", "FN:Bob", "TEL:123",
             "END:VCARD", "junk"]
    data = "".join(line + end for line in lines).encode()
    items = list(iter_cards(ShortReads(data, sizes)))
    assert [(i.number, i.line, i.name) if isinstance(i, Card) else str(i) for i in items] == [
        (1, 1, "Ada"), (2, 8, "Bob"), "line 12: expected BEGIN:VCARD, found 'junk'"]
    assert kept_lines(items[0]) == ["NOTE:ab"]


class CardStream(io.RawIOBase):
    """A file of ``count`` cards made as it is read, counting the bytes handed out."""

    def __init__(self, count: int) -> None:
        self.cards: Iterator[bytes] = (
            vcf("BEGIN:VCARD", "VERSION:3.0", f"FN:Person {i}", f"TEL;TYPE=cell:+1 202 555 {i % 10000:04d}",
                f"EMAIL:p{i}@example.com", f"ADR;TYPE=home:;;{i} Main St;Springfield;IL;62701;USA",
                "END:VCARD")
            for i in range(count))
        self.buffer = b""
        self.handed_out = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray) -> int:  # type: ignore[override]
        while len(self.buffer) < len(target):
            more = next(self.cards, b"")
            if not more:
                break
            self.buffer += more
        size = min(len(target), len(self.buffer))
        target[:size] = self.buffer[:size]
        self.buffer = self.buffer[size:]
        self.handed_out += size
        return size


def test_cards_stream_one_at_a_time() -> None:
    stream = CardStream(10_000)
    cards = iter_cards(io.BufferedReader(stream))
    first = next(cards)
    assert isinstance(first, Card) and first.name == "Person 0"
    # A reader that made a list of every card would have read all ~1.6 MB by now.
    assert stream.handed_out <= 4 * vcard._CHUNK
    assert sum(1 for _ in cards) == 9_999


# --- writing


def test_written_card_is_30_with_crlf_prodid_rev_uid_fn_n_tel_email_and_kept() -> None:
    text = card_text(
        name="Ada Lovelace", uid="urn:uuid:1", rev=REV,
        phones=[Entry("+442083661177", "cell"), Entry("+442071234567", "work", preferred=True)],
        emails=[Entry("ada@example.com", "home"), Entry("a;b@example.com")],
        kept=[KeptProperty(None, "ORG", (), "Analytical Engines"),
              KeptProperty("item1", "X-ABLABEL", (), "x"),
              KeptProperty(None, "N", (("SORT-AS", "Lovelace,Ada"),), "Lovelace;Ada;;;")],
    )
    assert text == (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//minidb//minidb contacts//EN\r\nREV:20260102T030405Z\r\n"
        "UID:urn:uuid:1\r\nFN:Ada Lovelace\r\nN;SORT-AS=\"Lovelace,Ada\":Lovelace;Ada;;;\r\n"
        "TEL;TYPE=cell:+442083661177\r\nTEL;TYPE=work,pref:+442071234567\r\n"
        "EMAIL;TYPE=home,pref:ada@example.com\r\nEMAIL:a\\;b@example.com\r\n"
        "ORG:Analytical Engines\r\nitem1.X-ABLABEL:x\r\nEND:VCARD\r\n"
    )


def test_written_name_is_escaped_and_n_derived_when_none_is_kept() -> None:
    text = card_text(name="Smith, John; Jr. \\o/", uid="u", rev=REV)
    assert "FN:Smith\\, John\\; Jr. \\\\o/\r\nN:;Smith\\, John\\; Jr. \\\\o/;;;\r\n" in text
    (card,) = read_cards(text.encode())
    assert (card.name, card.kept) == ("Smith, John; Jr. \\o/", [])


def test_a_phone_that_starts_with_tel_reads_back_as_itself() -> None:
    text = card_text(name="A", uid="u", phones=[Entry("tel:tel:x")])
    assert "\r\nTEL;TYPE=pref:tel:tel:tel:x\r\n" in text
    (card,) = read_cards(text.encode())
    assert card.phones == [Entry("tel:tel:x", None, True)]


def test_phone_extension_and_group_are_written_as_they_are() -> None:
    text = card_text(name="A", uid="u", rev=REV, phones=[Entry("+12025550123;ext=12", None, True, "item1")])
    assert "\r\nitem1.TEL;TYPE=pref:+12025550123;ext=12\r\n" in text


def test_long_lines_fold_at_75_octets_without_splitting_utf8() -> None:
    name = "Zoë Ångström 👩‍💻 " * 12
    text = card_text(name=name.strip(), uid="u", rev=REV, kept=[KeptProperty(None, "NOTE", (), "é" * 200)])
    physical = text.encode("utf-8").split(b"\r\n")
    assert max(len(line) for line in physical) == 75
    for line in physical:
        line.decode("utf-8")  # each physical line is whole UTF-8
    (card,) = read_cards(text.encode())
    assert card.name == name.strip()
    assert kept_lines(card) == ["NOTE:" + "é" * 200]


@pytest.mark.parametrize("params", [
    (("TYPE", "a"), ("TYPE", "b:c")),
    (("X-A", "a,b"), ("X-A", "c"), ("X-B", " spaced ")),
    (("X-A", 'say "hi"'),),
])
def test_parameter_values_are_quoted_when_they_need_it(params: tuple[tuple[str, str], ...]) -> None:
    prop = KeptProperty(None, "X-T", params, "v")
    (card,) = read_cards(card_text(name="A", uid="u", kept=[prop]).encode())
    (again,) = card.kept
    assert again.params == tuple((n, v.replace('"', "^'")) for n, v in params)  # RFC 6868 for a DQUOTE


def test_export_import_export_is_exact_ignoring_rev() -> None:
    for card in read_cards((DATA / "iphone-export.vcf").read_bytes()):
        first = export(card, rev=datetime(2026, 1, 1, tzinfo=UTC))
        (again,) = read_cards(first.encode())
        second = export(again, rev=datetime(2027, 6, 1, tzinfo=UTC))
        assert first != second
        assert without_rev(first) == without_rev(second)


# --- property-based: folding, escaping and whole cards round-trip

TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r"), max_size=300)
TOKEN = st.from_regex(r"[A-Za-z0-9-]{1,12}", fullmatch=True)


@given(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n"), max_size=400))
def test_fold_then_unfold_gives_the_line_back(line: str) -> None:
    folded = fold(line)
    physical = folded.encode("utf-8").split(b"\r\n")
    assert all(len(p) <= 75 for p in physical)
    assert all(p.startswith(b" ") for p in physical[1:])
    assert "".join(p.decode("utf-8")[1 if i else 0:] for i, p in enumerate(physical)) == line


@given(TEXT)
def test_unescape_undoes_escape(text: str) -> None:
    assert unescape_text(escape_text(text)) == text


@given(TEXT)
def test_a_kept_text_value_reads_back_exactly(text: str) -> None:
    prop = KeptProperty(None, "NOTE", (), escape_text(text))
    (card,) = read_cards(card_text(name="A", uid="u", kept=[prop]).encode())
    assert card.kept == [prop]
    assert unescape_text(card.kept[0].value) == text


def labels(skip: set[str]) -> st.SearchStrategy[str | None]:
    token = st.from_regex(r"[a-z0-9-]{1,8}", fullmatch=True).filter(lambda t: t not in skip)
    return st.none() | st.lists(token, min_size=1, max_size=3, unique=True).map(",".join)


def values() -> st.SearchStrategy[str]:
    return (TEXT | TEXT.map(lambda text: "tel:" + text)).map(str.strip).filter(bool)


def entry_lists(skip: set[str]) -> st.SearchStrategy[list[Entry]]:
    entry = st.builds(Entry, values(), labels(skip), st.booleans(), st.none() | TOKEN)
    return st.lists(entry, max_size=4).map(with_one_preferred)


RESERVED = {"BEGIN", "END", "VERSION", "PRODID", "REV", "UID", "FN", "N", "TEL", "EMAIL", "AGENT"}
PARAM_VALUE = st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters='"'), max_size=20)
PARAM_NAME = TOKEN.map(str.upper).filter(lambda n: n not in ("ENCODING", "CHARSET", "TYPE"))
PARAM = st.tuples(PARAM_NAME, PARAM_VALUE)
TYPE_PARAM = st.tuples(st.just("TYPE"), st.from_regex(r"[A-Za-z0-9 -]{0,10}", fullmatch=True).map(str.strip))
KEPT = st.builds(
    KeptProperty, st.none() | TOKEN, TOKEN.map(str.upper).filter(lambda n: n not in RESERVED),
    st.lists(PARAM | TYPE_PARAM, max_size=4).map(tuple), TEXT.map(escape_text),
)


@settings(max_examples=200, deadline=None)
@given(name=TEXT.map(lambda t: " ".join(t.split())).filter(bool), uid=values(),
       phones=entry_lists({"pref", "voice"}), emails=entry_lists({"pref", "internet"}),
       kept=st.lists(KEPT, max_size=5))
def test_any_contact_written_reads_back_the_same(name: str, uid: str, phones: list[Entry],
                                                 emails: list[Entry], kept: list[KeptProperty]) -> None:
    text = card_text(name=name, uid=uid, phones=phones, emails=emails, kept=kept, rev=REV)
    (card,) = read_cards(text.encode("utf-8"))
    assert (card.name, card.uid, card.phones, card.emails, card.kept) == (name, uid, phones, emails, kept)
    assert export(card) == text


# --- the real-world corpus

CORPUS_FILES = sorted(CORPUS.glob("*.vcf"))


def top_level_begins(data: bytes) -> int:
    """Cards counted without the codec: BEGIN lines outside an AGENT's embedded card."""
    depth = count = 0
    for line in data.replace(b"\r", b"\n").split(b"\n"):
        word = line.strip().upper()
        if word.endswith(b"BEGIN:VCARD"):  # also "AGENT:BEGIN:VCARD"
            count += depth == 0
            depth += 1
        elif word == b"END:VCARD":
            depth -= 1
    return count


def test_the_corpus_is_75_files_and_109_cards_as_its_readme_says() -> None:
    assert len(CORPUS_FILES) == 75
    assert sum(top_level_begins(path.read_bytes()) for path in CORPUS_FILES) == 109


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_every_corpus_card_is_read_named_and_exported_exactly(path: Path) -> None:
    data = path.read_bytes()
    cards = list(iter_cards(data))
    assert all(isinstance(card, Card) for card in cards), [str(c) for c in cards]
    assert len(cards) == top_level_begins(data)
    for card in cards:
        assert card.name, card.label
        first = export(card, uid=f"uid-{card.number}")
        (again,) = read_cards(first.encode())
        assert export(again) == first, card.label


def accept_entries(card: Card, region: str = "US") -> tuple[list[Entry], list[Entry], list[KeptProperty]]:
    """What the importer will do: phones and e-mails by minidb's rules, the refused ones kept."""
    phones, emails, refused = [], [], []
    for entry in card.phones:
        try:
            phone = parse_phone(entry.value, region)
        except InvalidInput:
            refused.append(entry)
        else:
            phones.append(Entry(phone.value, entry.type, entry.preferred, entry.group, entry.position))
    for entry in card.emails:
        try:
            address = validate_email(entry.value, check_deliverability=False).normalized
        except EmailNotValidError:
            refused.append(entry)
        else:
            emails.append(Entry(address, entry.type, entry.preferred, entry.group, entry.position))
    return with_one_preferred(phones), with_one_preferred(emails), card.kept_with(refused)


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_round_trip_with_minidb_phone_and_email_rules(path: Path) -> None:
    for card in read_cards(path.read_bytes()):
        phones, emails, kept = accept_entries(card)
        first = card_text(name=card.name or "", uid=card.uid or "u", phones=phones, emails=emails, kept=kept,
                          rev=REV)
        (again,) = read_cards(first.encode())
        phones2, emails2, kept2 = accept_entries(again)
        second = card_text(name=again.name or "", uid=again.uid or "", phones=phones2, emails=emails2,
                           kept=kept2, rev=REV)
        assert second == first, card.label


# Damaged files: however a real file is broken, reading never raises, and
# every card it yields exports and imports as itself.

DAMAGE = [b"BEGIN:VCARD", b"END:VCARD", b"AGENT:", b"AGENT:BEGIN:VCARD", b"VERSION:2.1", b"FN:", b"TEL:",
          b"tel:", b"item1.", b";", b":", b",", b"=", b'"', b"\\", b"\\n", b" ", b"\t", b"\r", b"\n",
          b"\r\r\n", b";ENCODING=QUOTED-PRINTABLE", b";BASE64", b";CHARSET=ISO-8859-1", b";CHARSET=x-unknown",
          b";PREF", b";PREF=1", b"=C3", b"\xff", b"\x80", b"\x00"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CORPUS_FILES).map(Path.read_bytes),
       st.lists(st.tuples(st.floats(0, 1), st.sampled_from(DAMAGE) | st.binary(max_size=4)), max_size=6))
def test_damaged_corpus_files_never_raise_and_what_is_read_round_trips(
        data: bytes, damage: list[tuple[float, bytes]]) -> None:
    for where, fragment in damage:
        at = int(where * len(data))
        data = data[:at] + fragment + data[at:]
    for item in iter_cards(data):
        if isinstance(item, Card) and item.name:
            assert isinstance(item.warnings, list)
            first = export(item)
            (again,) = read_cards(first.encode())
            assert export(again) == first
