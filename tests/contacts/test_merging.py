"""Contacts that are one person: the merge command, and import --on-conflict
skip|merge, --skip-invalid (matched by uid, then e-mail, then phone)."""

from __future__ import annotations

import json

import pytest

from tests.helpers import outcome


def card(*lines: str) -> str:
    return "\r\n".join(["BEGIN:VCARD", "VERSION:3.0", *lines, "END:VCARD", ""])


def exported(contacts) -> list[dict]:
    return json.loads(contacts("export").stdout)


# --- the merge command


@pytest.fixture
def three(contacts):
    """Ada (phones, e-mail, an ORG), her duplicate Augusta (more of each), and Bob."""
    contacts("import", "-", input=(
        card("UID:ada", "FN:Ada Lovelace", "TEL;TYPE=CELL:+44 20 8366 1177", "EMAIL:ada@example.com",
             "ORG:Analytical Engines", "item1.X-ABLABEL:boat")
        + card("UID:augusta", "FN:Augusta Ada King", "TEL;TYPE=WORK,PREF:+44 20 7123 4567",
               "EMAIL;TYPE=HOME:augusta@example.org", "ORG:Analytical Engines", "NOTE:née Byron",
               "item1.URL:https://example.org")
        + card("UID:bob", "FN:Bob", "TEL:+1 202 555 0123")))
    return contacts


def test_merge_moves_every_entry_and_kept_property_into_the_first_and_deletes_the_others(three) -> None:
    ada_before, _, bob = exported(three)
    assert outcome(three("merge", "1", "2")) == (
        0, "Merged contact 2 (Augusta Ada King) into contact 1: Ada Lovelace\n", "")
    (ada, bob_after) = exported(three)
    assert bob_after == bob
    assert (ada["id"], ada["uid"], ada["name"], ada["created_at"]) == (
        1, "ada", "Ada Lovelace", ada_before["created_at"])
    assert ada["updated_at"] > ada_before["updated_at"]
    assert ada["phones"] == [{"value": "+442083661177", "type": "cell", "preferred": True},
                             {"value": "+442071234567", "type": "work", "preferred": False}]
    assert ada["emails"] == [{"value": "ada@example.com", "type": None, "preferred": True},
                             {"value": "augusta@example.org", "type": "home", "preferred": False}]
    # The ORG both had is there once; Augusta's item1 is renamed so that Ada's label stays Ada's.
    assert [(p["group"], p["name"], p["value"]) for p in ada["vcard"]] == [
        (None, "ORG", "Analytical Engines"), ("item1", "X-ABLABEL", "boat"),
        (None, "NOTE", "née Byron"), ("item2", "URL", "https://example.org")]
    assert three("show", "2").exit_code == 1
    # Augusta's phone and e-mail belong to Ada now: nobody else may take them.
    assert three("add", "Someone", "--phone", "+44 20 7123 4567").stderr == (
        "Error: phone +442071234567 already belongs to contact 1 (Ada Lovelace)\n")


def test_merge_takes_several_and_prints_json(three, contacts_json) -> None:
    merged = contacts_json("merge", "3", "2", "1", "2")
    assert (merged["id"], merged["name"], merged["phone"]) == (3, "Bob", "+12025550123")
    assert [p["value"] for p in merged["phones"]] == ["+12025550123", "+442071234567", "+442083661177"]
    assert [c["id"] for c in contacts_json("list")] == [3]


@pytest.mark.parametrize(("args", "code", "message"), [
    (["1", "7", "9"], 1, "Error: no contact with id 7, 9; nothing was changed\n"),
    (["1", "1"], 2, "Error: contact 1 cannot be merged into itself\n"),
    (["1"], 2, "Error: Missing argument 'OTHER_ID...' (see 'python -m minidb.contacts merge --help')\n"),
])
def test_a_merge_that_cannot_be_done_changes_nothing(three, args, code, message) -> None:
    before = exported(three)
    assert outcome(three("merge", *args)) == (code, "", message)
    assert exported(three) == before


# --- import --on-conflict


def test_skip_leaves_the_stored_contact_as_it_was(three) -> None:
    before = exported(three)
    text = card("UID:ada", "FN:Ada Again", "TEL:+1 303 555 0100") + card("FN:Cy", "EMAIL:cy@example.com")
    assert outcome(three("import", "--on-conflict", "skip", "-", input=text)) == (
        0, "Imported 1 contact; left out 1 already there (same uid, phone or e-mail).\n", "")
    after = exported(three)
    assert after[:3] == before and [c["name"] for c in after[3:]] == ["Cy"]


@pytest.mark.parametrize(("matching", "into"), [
    ("UID:bob", 3),  # uid first,
    ("EMAIL:AUGUSTA@example.org", 2),  # then e-mail (case-insensitively),
    ("TEL:(202) 555-0123", 3),  # then phone
])
def test_merge_joins_the_contact_the_record_collides_with(three, matching, into) -> None:
    before = exported(three)
    text = card(matching, "FN:Whoever", "TEL;TYPE=sat:+1 303 555 0100", "EMAIL:new@example.com",
                "BDAY:1815-12-10")
    assert outcome(three("import", "--on-conflict", "merge", "-", input=text)) == (
        0, "Imported 0 contacts; merged 1.\n", "")
    after = {c["id"]: c for c in exported(three)}
    target = after[into]
    assert target["name"] == before[into - 1]["name"]  # the stored contact keeps its name
    assert {"value": "+13035550100", "type": "sat", "preferred": False} in target["phones"]
    assert "new@example.com" in [e["value"] for e in target["emails"]]
    assert ("BDAY", "1815-12-10") in [(p["name"], p["value"]) for p in target["vcard"]]
    assert [c for i, c in after.items() if i != into] == [c for c in before if c["id"] != into]


def test_uid_wins_over_email_and_a_third_contacts_values_stay_with_it(three) -> None:
    text = card("UID:bob", "FN:Bob", "EMAIL:ada@example.com", "TEL:+1 202 555 0199")
    result = three("import", "--on-conflict", "merge", "-", input=text)
    assert outcome(result) == (0, "Imported 0 contacts; merged 1.\n", (
        "Warning: card 1 (line 1): email ada@example.com stays with contact 1 (Ada Lovelace)\n"))
    ada, _, bob = exported(three)
    assert [e["value"] for e in bob["emails"]] == []
    assert [p["value"] for p in bob["phones"]] == ["+12025550123", "+12025550199"]
    assert [e["value"] for e in ada["emails"]] == ["ada@example.com"]


def test_records_of_one_file_that_are_one_person_merge_with_each_other(contacts) -> None:
    text = (card("UID:a1", "FN:Ada", "EMAIL:ada@example.com")
            + card("UID:a2", "FN:Ada L.", "EMAIL:ADA@example.com", "TEL:+44 20 8366 1177")
            + card("UID:a3", "FN:A. Lovelace", "TEL:+442083661177", "NOTE:third"))
    assert outcome(contacts("import", "--on-conflict", "merge", "-", input=text)) == (
        0, "Imported 1 contact; merged 2.\n", "")
    (ada,) = exported(contacts)
    assert (ada["uid"], ada["name"], ada["email"], ada["phone"]) == (
        "a1", "Ada", "ada@example.com", "+442083661177")
    assert [p["value"] for p in ada["vcard"]] == ["third"]
    # The same file again: everything matches, nothing changes but updated_at.
    assert contacts("import", "--on-conflict", "merge", "-", input=text).stdout == (
        "Imported 0 contacts; merged 3.\n")
    assert [{**c, "updated_at": None} for c in exported(contacts)] == [{**ada, "updated_at": None}]


def test_fail_names_every_conflict_and_imports_nothing(three) -> None:
    before = exported(three)
    text = (card("UID:ada", "FN:x") + card("FN:y", "EMAIL:augusta@example.org") + card("FN:z")
            + card("FN:w", "TEL:+1 202 555 0123"))
    assert outcome(three("import", "-", input=text)) == (1, "", (
        "Error: 3 conflicts; nothing was imported (--on-conflict skip|merge chooses otherwise)\n"
        "card 1 (line 1): uid ada already belongs to contact 1 (Ada Lovelace)\n"
        "card 2 (line 6): email augusta@example.org already belongs to contact 2 (Augusta Ada King)\n"
        "card 4 (line 15): phone +12025550123 already belongs to contact 3 (Bob)\n"))
    assert exported(three) == before


# --- --skip-invalid


def test_skip_invalid_imports_997_of_1000_and_names_the_3(contacts) -> None:
    records = [{"name": f"Person {i}", "email": f"p{i}@example.com"} for i in range(1000)]
    records[16]["email"] = "not an address"
    records[437]["name"] = " "
    records[998]["phones"] = "not a list"
    result = contacts("import", "--skip-invalid", "-", input=json.dumps(records))
    skipped = ["record 17: email 'not an address' is not valid: An email address must have an @-sign",
               "record 438: name must not be blank", "record 999: phones must be a list"]
    assert outcome(result) == (0, f"Imported 997 contacts; skipped 3 ({'; '.join(skipped)}).\n",
                               "".join(f"Skipped {s}\n" for s in skipped))
    assert len(json.loads(contacts("list", "--json").stdout)) == 997


def test_skip_invalid_and_merge_together_on_a_phone_export(contacts) -> None:
    text = (card("FN:Ada", "TEL:+44 20 8366 1177") + card("NOTE:nobody")
            + card("FN:Ada's cell", "TEL;TYPE=CELL:+442083661177", "EMAIL:ada@example.com"))
    result = contacts("import", "--skip-invalid", "--on-conflict", "merge", "-", input=text)
    assert outcome(result) == (0, (
        "Imported 1 contact; merged 1; skipped 1 (card 2 (line 6): no name, organisation, e-mail or "
        "phone).\n"), "Skipped card 2 (line 6): no name, organisation, e-mail or phone\n")
    (ada,) = exported(contacts)
    assert (ada["phone"], ada["email"]) == ("+442083661177", "ada@example.com")
