"""vCards through the CLI: what real address books hold is read (2.1, 3.0, 4.0),
nothing on a card is lost, and export → import → export gives the same file
(but for REV). The codec itself is tested in test_vcard.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import outcome

DATA = Path(__file__).parent / "data"
REV = re.compile(rb"REV:\d{8}T\d{6}Z\r\n")


def card(*lines: str, version: str = "3.0") -> str:
    return "\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD", ""])


def imported(contacts, text: str | bytes, *options: str) -> list[dict]:
    """Import ``text``, check it worked, and return the contacts as export writes them."""
    result = contacts("import", *options, "-", input=text)
    assert result.exit_code == 0, result.stderr
    return json.loads(contacts("export").stdout)


def round_trip(contacts, databases, engine) -> tuple[bytes, bytes]:
    """The vCard export, and the export of an empty database that imported it."""
    first = contacts("export", "--format", "vcard").stdout_bytes
    other = databases.new(engine, "contacts")
    assert contacts("import", "-", input=first, db=other).exit_code == 0
    return first, contacts("export", "--format", "vcard", db=other).stdout_bytes


# --- the six ways real files broke the old reader


@pytest.mark.parametrize("version", ["2.1", "3.0", "4.0"])
def test_a_comma_in_fn_never_truncates_the_name(contacts, version) -> None:
    (ada,) = imported(contacts, card("FN:Doe, John", "N:Doe;John;;;", version=version))
    assert ada["name"] == "Doe, John"


def test_the_bare_2_1_pref_parameter_chooses_the_preferred_entry(contacts) -> None:
    (ada,) = imported(contacts, card("FN:Ada", "TEL;HOME:+1 202 555 0101", "TEL;CELL;PREF:+1 202 555 0102",
                                     "EMAIL;INTERNET:a@example.com", "EMAIL;INTERNET;PREF:b@example.com",
                                     version="2.1"))
    assert (ada["phone"], ada["email"]) == ("+12025550102", "b@example.com")
    assert [p["type"] for p in ada["phones"]] == ["home", "cell"]


@pytest.mark.parametrize(("lines", "what"), [
    (["PHOTO;ENCODING=b;TYPE=JPEG:!!!not base64***"], "a photo that is not base64"),
    (["PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQ...", "LOGO;ENCODING=b:..."], "a truncated photo"),
    (["NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:caf=C3=A9 =ZZ au lait =E9"], "broken quoted-printable"),
    (["NOTE;CHARSET=NOPE-9:caf\udce9"], "a charset nobody knows"),
])
def test_a_property_minidb_does_not_model_never_fails_its_card(contacts, databases, engine, lines,
                                                                what) -> None:
    text = card("FN:Ada", *lines, "TEL:+442083661177").encode("utf-8", "surrogateescape")
    (ada,) = imported(contacts, text)
    assert (ada["name"], ada["phone"]) == ("Ada", "+442083661177"), what
    assert [p["name"] for p in ada["vcard"]] == [line.split(";")[0].split(":")[0] for line in lines]
    first, second = round_trip(contacts, databases, engine)
    assert REV.sub(b"", first) == REV.sub(b"", second)


def test_8_bit_text_in_a_declared_charset_is_decoded_with_it(contacts, contacts_json) -> None:
    result = contacts("import", str(DATA / "v21-8bit-charsets.vcf"))
    assert outcome(result) == (0, "Imported 2 contacts.\n", "")
    assert [c["name"] for c in contacts_json("list")] == ["Jürgen Müller", "Seán O\u2019Brien"]
    exported = contacts("export", "--format", "vcard").stdout_bytes.decode()
    assert "ADR;TYPE=HOME:;;Königstraße 5;Köln;;50667;Deutschland\r\n" in exported
    assert "NOTE:Owes me 20 €\r\n" in exported


def test_cr_cr_lf_line_ends_and_an_odd_profile_are_read(contacts, tmp_path) -> None:
    path = tmp_path / "iphone-via-windows.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\r\nVERSION:3.0\r\r\nPROFILE:VCard\r\r\nFN:Ada Lovelace\r\r\n"
                     b"TEL;TYPE=CELL:+44 20 8366 1177\r\r\nEND:VCARD\r\r\n")
    assert outcome(contacts("import", str(path))) == (0, "Imported 1 contact.\n", "")
    assert json.loads(contacts("list", "--json").stdout)[0]["phone"] == "+442083661177"


@pytest.mark.parametrize(("lines", "name"), [
    (["ORG:Analytical Engines Ltd;Research"], "Analytical Engines Ltd"),
    (["EMAIL:ada@example.com", "TEL:+442083661177"], "ada@example.com"),
    (["TEL:+44 20 8366 1177"], "+44 20 8366 1177"),
    (["FN:", "N:Lovelace;Ada;;Lady;", "ORG:Ignored"], "Lady Ada Lovelace"),
])
def test_a_card_without_fn_takes_its_name_from_n_then_org_then_email_then_phone(contacts, lines,
                                                                                name) -> None:
    (contact,) = imported(contacts, card(*lines))
    assert contact["name"] == name


def test_a_card_with_no_name_organisation_email_or_phone_is_invalid(contacts) -> None:
    text = card("FN:Ada") + card("NOTE:who am I?", "URL:http://example.com")
    assert outcome(contacts("import", "-", input=text)) == (2, "", (
        "Error: 1 bad record; nothing was imported (--skip-invalid imports the valid ones)\n"
        "card 2 (line 5): no name, organisation, e-mail or phone\n"))
    assert outcome(contacts("import", "--skip-invalid", "-", input=text)) == (0, (
        "Imported 1 contact; skipped 1 (card 2 (line 5): no name, organisation, e-mail or phone).\n"),
        "Skipped card 2 (line 5): no name, organisation, e-mail or phone\n")


# --- phones and e-mails minidb cannot take: kept, and said so


def test_a_phone_or_email_that_is_not_acceptable_is_kept_with_a_warning(contacts, databases,
                                                                         engine) -> None:
    text = card("FN:Ada", "TEL;TYPE=WORK:BusinessPhone", "TEL:*86", "TEL;TYPE=CELL:+44 20 8366 1177",
                "EMAIL:xxxx", "EMAIL:ada@example.com")
    result = contacts("import", "-", input=text)
    assert outcome(result) == (0, "Imported 1 contact.\n", (
        "Warning: card 1 (line 1): phone 'BusinessPhone' is not a phone number; kept as a vCard property\n"
        "Warning: card 1 (line 1): phone '*86' is not a phone number; kept as a vCard property\n"
        "Warning: card 1 (line 1): email 'xxxx' is not a valid e-mail address; kept as a vCard property\n"))
    (ada,) = json.loads(contacts("export").stdout)
    assert [p["value"] for p in ada["phones"]] == ["+442083661177"]
    assert [(p["name"], p["value"]) for p in ada["vcard"]] == [
        ("TEL", "BusinessPhone"), ("TEL", "*86"), ("EMAIL", "xxxx")]
    exported = contacts("export", "--format", "vcard").stdout_bytes.decode()
    assert "TEL;TYPE=WORK:BusinessPhone\r\nTEL:*86\r\n" in exported
    first, second = round_trip(contacts, databases, engine)
    assert REV.sub(b"", first) == REV.sub(b"", second)


def test_the_same_number_twice_on_a_card_is_one_entry_and_the_repeat_is_kept(contacts) -> None:
    (ada,) = imported(contacts, card("FN:Ada", "TEL;TYPE=HOME:+1 202 555 0101",
                                     "TEL;TYPE=CELL,PREF:(202) 555-0101", "EMAIL:a@example.com",
                                     "EMAIL:A@EXAMPLE.COM"))
    assert ada["phones"] == [{"value": "+12025550101", "type": "cell", "preferred": True}]
    assert [(p["name"], p["value"]) for p in ada["vcard"]] == [
        ("TEL", "+1 202 555 0101"), ("EMAIL", "A@EXAMPLE.COM")]


# --- fidelity


def test_an_iphone_export_keeps_every_entry_and_property(contacts, contacts_json) -> None:
    """TYPE lists, type=pref, item1. groups, tel: URIs with extensions, a PHOTO,
    a folded FN, vCard 4.0 PREF=1: every number and address, the preferred ones marked."""
    assert outcome(contacts("import", str(DATA / "iphone-export.vcf"))) == (0, "Imported 4 contacts.\n", "")
    listed = contacts_json("list")
    assert [(c["id"], c["name"], c["phone"], c["email"]) for c in listed] == [
        (1, "Ada Lovelace", "+442083661177", "ada@analytical.example.org"),
        (2, "Charles Babbage", "+12025550188;ext=204", None),
        (3, "Mary Fairfax Somerville with a name long enough that the exporter folds it", None,
         "mary@example.org"),
        (4, "Zoë Ångström", "+33142685300", "ZOE@example.se"),
    ]
    ada = json.loads(contacts("export").stdout)[0]
    assert ada["phones"] == [{"value": "+442083661177", "type": "cell", "preferred": True},
                             {"value": "+12025550123", "type": "home", "preferred": False}]
    assert ada["emails"] == [
        {"value": "ada@analytical.example.org", "type": None, "preferred": True, "group": "item1"},
        {"value": "ada.work@example.com", "type": None, "preferred": False, "group": "item2"}]
    assert [(p["group"], p["name"]) for p in ada["vcard"]] == [
        (None, "N"), (None, "ORG"), ("item3", "ADR"), ("item3", "X-ABADR"), (None, "BDAY"), (None, "NOTE")]
    assert listed[3]["phones"] == [{"value": "+12015550199", "type": "cell", "preferred": False},
                                   {"value": "+33142685300", "type": "work", "preferred": True}]


@pytest.mark.parametrize("path", [DATA / "iphone-export.vcf", DATA / "v21-8bit-charsets.vcf"],
                         ids=lambda p: p.name)
def test_export_import_export_gives_the_same_cards(contacts, databases, engine, path) -> None:
    assert contacts("import", str(path)).exit_code == 0
    first, second = round_trip(contacts, databases, engine)
    assert REV.sub(b"", first) == REV.sub(b"", second)
    assert len(REV.findall(first)) == first.count(b"BEGIN:VCARD")


def test_uid_is_kept_or_assigned_and_export_adds_prodid_and_rev(contacts) -> None:
    text = (card("UID:my-phone:4711", "FN:Ada", "REV:2001-01-01T00:00:00Z", "PRODID:-//Other//EN")
            + card("FN:Bob"))
    ada, bob = imported(contacts, text)
    assert ada["uid"] == "my-phone:4711"
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", bob["uid"])
    exported = contacts("export", "--format", "vcard").stdout_bytes.decode()
    assert exported.count("PRODID:-//minidb//minidb contacts//EN\r\n") == 2
    assert "Other" not in exported and "2001" not in exported
    assert "UID:my-phone:4711\r\n" in exported


def test_a_uid_seen_again_is_a_conflict(contacts) -> None:
    imported(contacts, card("UID:same", "FN:Ada"))
    result = contacts("import", "-", input=card("UID:same", "FN:Ada Again"))
    assert outcome(result) == (1, "", (
        "Error: 1 conflict; nothing was imported (--on-conflict skip|merge chooses otherwise)\n"
        "card 1 (line 1): uid same already belongs to contact 1 (Ada)\n"))


def test_show_lists_the_kept_properties(contacts) -> None:
    imported(contacts, card("FN:Ada", "ORG:Analytical Engines;", "item1.URL:https://example.org",
                            "PHOTO;ENCODING=b;TYPE=JPEG:" + "A" * 200))
    lines = contacts("show", "1").stdout.splitlines()
    photo = "PHOTO;ENCODING=b;TYPE=JPEG:" + "A" * 200
    assert lines[5:8] == ["vcard       ORG:Analytical Engines;", "            item1.URL:https://example.org",
                          "            " + photo[:99] + "…"]  # a photo may be megabytes
