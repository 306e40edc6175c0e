"""Importing the same file twice never silently duplicates, whatever the file holds.

A contact's uid is the card's own vCard UID when it has one. Real phone
exports (Android, older iOS, 2.1 feature phones, Outlook) often have none, and
a card with no phone or e-mail (a name only, a name and an address, a
"Voicemail" card holding only ``TEL:*86``) has nothing else unique to it. So a
record without a uid gets one derived from its content: the same card gets
the same uid on every import, however the file is folded, whatever its line
ends, property order or the case of its property names. A second import of
the same file is then a uid conflict that ``--on-conflict`` handles, and two
different cards still never collide. ``contacts add`` makes a random uid, as
a person typing a name twice may mean two people.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.helpers import invoke, outcome, run

CRLF = "\r\n"
# Cards with no UID and nothing unique besides: a name only, a name and an
# address, a voicemail code that is no phone number.
CARDS_2_1 = CRLF.join([
    "BEGIN:VCARD", "VERSION:2.1", "N:Lovelace;Ada;;;", "FN:Ada Lovelace", "END:VCARD",
    "BEGIN:VCARD", "VERSION:2.1", "N:Babbage;Charles;;;", "FN:Charles Babbage",
    "ADR;HOME;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:;;1 Dorset Street=0D=0AMarylebone;London;;W1U 4EG;=",
    "United Kingdom",
    "END:VCARD",
    "BEGIN:VCARD", "VERSION:2.1", "N:Voicemail;;;;", "TEL;VOICE:*86", "END:VCARD", ""])
CARDS_3_0 = CRLF.join([
    "BEGIN:VCARD", "VERSION:3.0", "PRODID:-//Apple Inc.//iPhone OS 12.4//EN", "N:Lovelace;Ada;;;",
    "FN:Ada Lovelace", "END:VCARD",
    "BEGIN:VCARD", "VERSION:3.0", "N:Babbage;Charles;;;", "FN:Charles Babbage",
    "item1.ADR;type=HOME;type=pref:;;1 Dorset Street\\nMarylebone;London;;W1U 4EG;United Kingdom",
    "item1.X-ABADR:gb", "END:VCARD",
    "BEGIN:VCARD", "VERSION:3.0", "FN:Voicemail", "item1.TEL:*86", "item1.X-ABLabel:Voicemail",
    "END:VCARD", ""])
CARDS_4_0 = "\n".join([
    "BEGIN:VCARD", "VERSION:4.0", "FN:Ada Lovelace", "END:VCARD",
    "BEGIN:VCARD", "VERSION:4.0", "FN:Charles Babbage",
    'ADR;TYPE=home;LABEL="1 Dorset Street\\nLondon":;;1 Dorset Street;London;;W1U 4EG;United Kingdom',
    "END:VCARD",
    "BEGIN:VCARD", "VERSION:4.0", "TEL;VALUE=text:*86", "END:VCARD", ""])
FILES = {"vcard-2.1": CARDS_2_1, "vcard-3.0": CARDS_3_0, "vcard-4.0": CARDS_4_0}
# Where each file's three cards start: the conflicts name them.
CARD_LINES = {"vcard-2.1": (1, 6, 13), "vcard-3.0": (1, 7, 14), "vcard-4.0": (1, 5, 10)}
NAMES = {"vcard-2.1": ("Ada Lovelace", "Charles Babbage", "Voicemail"),
         "vcard-3.0": ("Ada Lovelace", "Charles Babbage", "Voicemail"),
         "vcard-4.0": ("Ada Lovelace", "Charles Babbage", "*86")}
JSON_RECORDS = json.dumps([
    {"name": "Ada Lovelace"},
    {"name": "Charles Babbage", "created_at": "2020-01-02T03:04:05Z",
     "vcard": [{"group": None, "name": "ADR", "params": [["TYPE", "home"]],
                "value": ";;1 Dorset Street;London;;W1U 4EG;United Kingdom"}]},
    {"name": "Voicemail", "vcard": [{"group": None, "name": "TEL", "params": [], "value": "*86"}]},
])
CSV_ROWS = "name,phone,email\nAda Lovelace,,\nCharles Babbage,,\nVoicemail,,\n"


def export(contacts) -> list[dict]:
    """Every contact as the JSON export writes it (uids, timestamps and kept properties too)."""
    result = contacts("export")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def imported_once(contacts, text: str, *options: str) -> list[dict]:
    result = contacts("import", *options, "-", input=text)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Imported 3 contacts.\n"
    return export(contacts)


# --- the same file twice, under each policy


@pytest.mark.parametrize("kind", FILES)
def test_a_second_import_of_cards_without_uid_fails_naming_each_card(contacts, kind) -> None:
    stored = imported_once(contacts, FILES[kind])
    result = contacts("import", "-", input=FILES[kind])
    named = [f"card {n} (line {line}): uid {contact['uid']} already belongs to contact {contact['id']} "
             f"({name})"
             for n, (line, contact, name) in enumerate(zip(CARD_LINES[kind], stored, NAMES[kind],
                                                           strict=True), start=1)]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning: ")]
    assert outcome(result) == (1, "", "".join(f"{line}\n" for line in [
        *warnings,
        "Error: 3 conflicts; nothing was imported (--on-conflict skip|merge chooses otherwise)",
        *named]))
    assert export(contacts) == stored


@pytest.mark.parametrize("kind", FILES)
def test_a_second_import_of_cards_without_uid_with_skip_leaves_the_contacts_as_they_were(contacts,
                                                                                         kind) -> None:
    stored = imported_once(contacts, FILES[kind])
    result = contacts("import", "--on-conflict", "skip", "-", input=FILES[kind])
    assert (result.exit_code, result.stdout) == (
        0, "Imported 0 contacts; left out 3 already there (same uid, phone or e-mail).\n")
    assert export(contacts) == stored


@pytest.mark.parametrize("kind", FILES)
def test_a_second_import_of_cards_without_uid_with_merge_adds_nothing_new(contacts, kind) -> None:
    stored = imported_once(contacts, FILES[kind])
    result = contacts("import", "--on-conflict", "merge", "-", input=FILES[kind])
    assert (result.exit_code, result.stdout) == (0, "Imported 0 contacts; merged 3.\n")
    # Nothing was added, so nothing changed: not even updated_at moves.
    assert export(contacts) == stored


@pytest.mark.parametrize(("text", "name"), [(JSON_RECORDS, "contacts.json"), (CSV_ROWS, "contacts.csv")])
@pytest.mark.parametrize("policy", ["fail", "skip", "merge"])
def test_json_and_csv_records_without_uid_are_the_same_records_the_second_time(contacts, tmp_path, text,
                                                                              name, policy) -> None:
    path = tmp_path / name
    path.write_text(text)
    stored = imported_once(contacts, text)
    result = contacts("import", "--on-conflict", policy, str(path))
    expected = {"fail": 1, "skip": 0, "merge": 0}[policy]
    assert result.exit_code == expected, result.stderr
    if policy == "fail":
        assert result.stderr.startswith("Error: 3 conflicts; nothing was imported")
        assert f"uid {stored[2]['uid']} already belongs to contact 3 (Voicemail)\n" in result.stderr
    assert export(contacts) == stored


def test_a_real_process_importing_a_2_1_file_twice_leaves_out_every_card(contacts_url, tmp_path) -> None:
    path = tmp_path / "feature-phone.vcf"
    path.write_bytes(CARDS_2_1.encode())
    first = run("contacts", "--db", contacts_url, "import", str(path))
    assert (first.returncode, first.stdout) == (0, "Imported 3 contacts.\n")
    again = run("contacts", "--db", contacts_url, "import", "--on-conflict", "skip", str(path))
    assert (again.returncode, again.stdout) == (
        0, "Imported 0 contacts; left out 3 already there (same uid, phone or e-mail).\n")
    listed = run("contacts", "--db", contacts_url, "list")
    assert listed.stdout == "   1 Ada Lovelace\n   2 Charles Babbage\n   3 Voicemail\n"


# --- what counts as the same card


def test_folding_line_ends_property_order_and_case_do_not_make_another_card(contacts) -> None:
    """Nor does the program that wrote the card (PRODID) or when (REV): some stamp every export."""
    written = CRLF.join([
        "BEGIN:VCARD", "VERSION:3.0", "FN:Charles Babbage", "N:Babbage;Charles;;;",
        "ADR;TYPE=home:;;1 Dorset Street;London;;W1U 4EG;United Kingdom",
        "NOTE:Inventor of the Difference Engine and of the Analytical Engine\\, which Ada Lovelace "
        "wrote about",
        "END:VCARD", ""])
    rewritten = "\n".join([
        "begin:vcard", "version:3.0", "note:Inventor of the Difference Engine and of the Analytical",
        "  Engine\\, which Ada Lo", " velace wrote about",
        "adr;type=HOME:;;1 Dorset Street;London;;W1U 4EG;", " United Kingdom",
        "n:Babbage;Charles;;;", "Fn:Charles Babbage", "REV:20260101T120000Z", "PRODID:-//Other//EN",
        "end:vcard", ""])
    assert contacts("import", "-", input=written).exit_code == 0
    for text in (rewritten, written.replace(CRLF, "\n"), written.replace(CRLF, "\r")):
        result = contacts("import", "--on-conflict", "skip", "-", input=text)
        assert (result.exit_code, result.stdout) == (
            0, "Imported 0 contacts; left out 1 already there (same uid, phone or e-mail).\n"), text


def test_quoted_printable_and_charset_do_not_make_another_card(contacts) -> None:
    plain = CRLF.join(["BEGIN:VCARD", "VERSION:2.1", "FN:Émile Zola", "NOTE:J'accuse", "END:VCARD", ""])
    encoded = CRLF.join(["BEGIN:VCARD", "VERSION:2.1",
                         "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=89mile Zola",
                         "NOTE;ENCODING=QUOTED-PRINTABLE:J'acc=", "use", "END:VCARD", ""])
    assert contacts("import", "-", input=plain).exit_code == 0
    result = contacts("import", "--on-conflict", "skip", "-", input=encoded)
    assert (result.exit_code, result.stdout) == (
        0, "Imported 0 contacts; left out 1 already there (same uid, phone or e-mail).\n")


@pytest.mark.parametrize("changed", [
    "ADR;TYPE=home:;;2 Dorset Street;London;;W1U 4EG;United Kingdom",  # another address
    "ADR;TYPE=work:;;1 Dorset Street;London;;W1U 4EG;United Kingdom",  # another type
    "item1.ADR;TYPE=home:;;1 Dorset Street;London;;W1U 4EG;United Kingdom",  # in a group
])
def test_a_card_that_differs_in_anything_is_another_card(contacts, changed) -> None:
    """A card edited between two exports is imported as a new contact: minidb cannot tell an edit
    from another person."""
    def card(adr: str) -> str:
        return CRLF.join(["BEGIN:VCARD", "VERSION:3.0", "FN:Charles Babbage", adr, "END:VCARD", ""])

    assert contacts("import", "-", input=card(
        "ADR;TYPE=home:;;1 Dorset Street;London;;W1U 4EG;United Kingdom")).exit_code == 0
    assert outcome(contacts("import", "-", input=card(changed))) == (0, "Imported 1 contact.\n", "")
    first, second = export(contacts)
    assert first["uid"] != second["uid"]


def test_the_same_card_twice_in_one_file_is_two_contacts_and_a_second_import_adds_neither(
        contacts) -> None:
    # Two "Voicemail" cards, or two "Mom"s with nothing else: the file says two people.
    voicemail = CRLF.join(["BEGIN:VCARD", "VERSION:3.0", "FN:Voicemail", "TEL:*86", "END:VCARD", ""])
    other = CRLF.join(["BEGIN:VCARD", "VERSION:3.0", "FN:Voicemail", "TEL:*87", "END:VCARD", ""])
    text = voicemail + other + voicemail
    first = contacts("import", "-", input=text)
    assert (first.exit_code, first.stdout) == (0, "Imported 3 contacts.\n"), first.stderr
    uids = [c["uid"] for c in json.loads(contacts("list", "--json").stdout)]
    assert len(set(uids)) == 3
    again = contacts("import", "--on-conflict", "skip", "-", input=text)
    assert (again.exit_code, again.stdout) == (
        0, "Imported 0 contacts; left out 3 already there (same uid, phone or e-mail).\n")
    assert [c["uid"] for c in json.loads(contacts("list", "--json").stdout)] == uids


def test_the_same_csv_row_twice_is_two_contacts_and_a_second_import_adds_neither(contacts) -> None:
    rows = "name\nJohn Smith\nJohn Smith\n"
    first = contacts("import", "-", input=rows)
    assert (first.exit_code, first.stdout) == (0, "Imported 2 contacts.\n"), first.stderr
    again = contacts("import", "-", input=rows)
    assert again.exit_code == 1
    assert "2 conflicts; nothing was imported" in again.stderr


# --- the uid itself


def test_a_card_without_uid_gets_a_name_based_uuid_that_export_writes_back(contacts, databases,
                                                                           engine) -> None:
    stored = imported_once(contacts, CARDS_2_1)
    for contact in stored:
        assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", contact["uid"])
        assert uuid.UUID(contact["uid"].removeprefix("urn:uuid:")).version == 5
    exported = contacts("export", "--format", "vcard").stdout_bytes.decode()
    assert [f"UID:{c['uid']}" for c in stored] == re.findall(r"^UID:.*(?=\r$)", exported, re.MULTILINE)
    # Export → import elsewhere keeps the uid, so the original file is still the same cards there.
    other = databases.new(engine, "contacts")
    assert invoke("contacts", "--db", other, "import", "-", input=exported).exit_code == 0
    again = invoke("contacts", "--db", other, "import", "--on-conflict", "skip", "-", input=CARDS_2_1)
    assert again.stdout == "Imported 0 contacts; left out 3 already there (same uid, phone or e-mail).\n"


def test_the_uid_of_a_card_without_one_does_not_change_between_releases(contacts) -> None:
    """Pinned: a later minidb must recognise the cards an earlier one imported."""
    text = CRLF.join(["BEGIN:VCARD", "VERSION:3.0", "FN:Voicemail", "TEL:*86", "END:VCARD", ""])
    assert contacts("import", "-", input=text).exit_code == 0
    assert [c["uid"] for c in export(contacts)] == ["urn:uuid:360e277d-3f13-5235-8e5b-fe7e3f581dc9"]


def test_a_card_with_its_own_uid_keeps_it(contacts) -> None:
    text = CRLF.join(["BEGIN:VCARD", "VERSION:3.0", "UID:phone-contact-17", "FN:Voicemail", "TEL:*86",
                      "END:VCARD", ""])
    assert contacts("import", "-", input=text).exit_code == 0
    assert [c["uid"] for c in export(contacts)] == ["phone-contact-17"]


def test_contacts_added_by_hand_get_random_uids(contacts) -> None:
    """Two people may share a name: ``add`` never derives a uid from what was typed."""
    assert contacts("add", "Voicemail").exit_code == 0
    assert contacts("add", "Voicemail").exit_code == 0
    first, second = export(contacts)
    assert first["uid"] != second["uid"]
    assert {uuid.UUID(c["uid"].removeprefix("urn:uuid:")).version for c in (first, second)} == {4}
