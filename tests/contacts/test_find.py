"""find: case-insensitive including non-ASCII, literal, across the name, every
e-mail and every phone's digits, ordered by name then id — identically on both
engines and on both of SQLite's paths (trigram index for 3+ characters, scan below)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minidb.contacts.entries import Entry, one_preferred
from minidb.contacts.model import NewContact, parse_email, parse_phone
from minidb.contacts.phones import ascii_digits
from minidb.contacts.store import AddressBook
from minidb.db import connect, parse

HOSTILE_NAMES = [
    "'); DROP TABLE contacts;--",
    "Robert\"); DROP TABLE contacts; --",
    "%s %(name)s",
    ":name :id",
    "100% _literal_ \\back\\slash",
    'The "Boss" {name_key} : NEAR(a b) OR *',
    "👩‍💻 Ada 🚀",
    "Z" * 200,
]


def names(result) -> list[str]:
    return [c["name"] for c in json.loads(result.stdout)]


@pytest.fixture
def people(contacts):
    """A small address book with the cases find must tell apart."""
    for args in [
        ("ZOË Ångström", "--email", "zoe@example.com"),
        ("zoë lower", "--phone", "+44 20 8366 1177"),
        ("Straße", "--email", "strasse@example.de"),
        ("100% Cotton",),
        ("1000 Cotton",),
        ("a_b",),
        ("axb",),
        ("back\\slash",),
        ("Ada Lovelace", "--phone", "(202) 555-0123", "--email", "ada@analytical.org"),
        ("Bob", "--email", "bob@zoe-mail.org"),
        ("Grace", "--phone", "+1 201 555 0199", "--phone", "555-7788", "--email", "g@navy.example",
         "--email", "grace@cobol.example"),
    ]:
        assert contacts("add", *args).exit_code == 0
    return contacts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zoë", ["zoë lower", "ZOË Ångström"]),  # non-ASCII case, ordered by case-folded name
        ("ZOË", ["zoë lower", "ZOË Ångström"]),
        ("ångSTRÖM", ["ZOË Ångström"]),
        ("STRASSE", ["Straße"]),  # casefold, not lower: ß is ss
        ("zoe", ["Bob", "ZOË Ångström"]),  # e-mails too: zoe@example.com, bob@zoe-mail.org
        ("%", ["100% Cotton"]),  # literal, not a wildcard
        ("0%", ["100% Cotton"]),
        ("_", ["a_b"]),
        ("a_b", ["a_b"]),
        ("\\", ["back\\slash"]),
        ("k\\s", ["back\\slash"]),
        ("ANALYTICAL.ORG", ["Ada Lovelace"]),
        ("208", ["zoë lower"]),  # phone digits: +442083661177
        ("+1 (202) 555", ["Ada Lovelace"]),  # the text's digits: 1202555
        ("555-0123", ["Ada Lovelace"]),
        ("COBOL", ["Grace"]),  # any e-mail, not only the preferred one
        ("5550199", ["Grace"]),
        ("557788", ["Grace"]),  # a phone stored as written (555-7788) is found by its digits
        ("55-77", ["Grace"]),
        ("44", []),  # fewer than 3 digits never match a phone
        ("+44", []),
        # 1 character: no trigram, so SQLite scans; e-mails count too.
        ("a", ["a_b", "Ada Lovelace", "axb", "back\\slash", "Bob", "Grace", "Straße", "ZOË Ångström"]),
        ("xb", ["axb"]),
        ("nobody", []),
    ],
)
def test_find(people, text, expected) -> None:
    result = people("find", text, "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    assert names(result) == expected


def test_find_prints_lines_or_says_nothing_matched(people) -> None:
    assert people("find", "cotton").stdout == "   4 100% Cotton\n   5 1000 Cotton\n"
    nothing = people("find", "xyz")
    assert (nothing.exit_code, nothing.stdout) == (0, "No contacts match 'xyz'.\n")
    assert people("find", "xyz", "--json").stdout == "[]\n"


def test_find_joins_its_words(people) -> None:
    assert names(people("find", "ada", "lovelace", "--json")) == ["Ada Lovelace"]


@pytest.mark.parametrize("json_option", [[], ["--json"]])
def test_blank_search_text_exits_2_and_prints_nothing(people, json_option) -> None:
    result = people("find", "  ", *json_option)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "Error: search text must not be blank\n")


def test_find_follows_updates_and_deletes(people) -> None:
    people("update", "9", "--name", "Augusta King", "--no-phone", "--add-email", "augusta@example.org")
    assert names(people("find", "lovelace", "--json")) == []
    assert names(people("find", "augusta", "--json")) == ["Augusta King"]
    assert names(people("find", "555-0123", "--json")) == []
    people("update", "11", "--remove-email", "grace@cobol.example", "--remove-phone", "555-7788")
    assert names(people("find", "cobol", "--json")) == names(people("find", "7788", "--json")) == []
    people("merge", "11", "9")
    assert names(people("find", "augusta@", "--json")) == ["Grace"]
    people("delete", "11")
    assert names(people("find", "augusta", "--json")) == []


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_stored_shown_and_found_verbatim(contacts, name) -> None:
    added = contacts("add", name, "--json")
    assert added.exit_code == 0, added.stderr
    assert json.loads(added.stdout)["name"] == name
    assert contacts("show", "1").stdout.splitlines()[2] == f"name        {name}"
    assert names(contacts("find", name, "--json")) == [name]
    assert names(contacts("find", name[1:4], "--json")) == [name]
    assert names(contacts("list", "--json")) == [name]
    assert contacts("add", "after").stdout == "Added contact 2: after\n"  # the table is still there


# --- property: both engines, both SQLite paths, agree with a plain Python model

ALPHABET = "aAäÄßzZë%_\\\"'* :{}()0123456789+-"
NAMES = ["Äa ß", "aa%", "a_a", "z\\Z", 'q"*"', "ëË {x}", "ab:(c)", "o'neil", "A+1", "zz 12-3"]
PHONES = [["+12025550123", "555-1234"], ["+442083661177"], [], ["+33142685300"], [], [], [], [],
          ["(0)12-3"], ["+12015550199", "+12015550100"]]
EMAILS = [["ÄA.zz@Example.org"], [], ["a%b_c@example.org", "zz@Ëx.example"], [], ["Q*Z@x.example"],
          ["o'neil@x.example"], [], ["{x}+a@Example.ORG", "ab@c.example"], [], ["12-3a@example.org"]]


@pytest.fixture
def model_book(new_database):
    """An address book of NAMES, PHONES and EMAILS; and the same contacts as plain data."""
    db = connect(parse(new_database("contacts")))
    book = AddressBook(db)
    model = [
        book.add(NewContact(name=name,
                            phones=tuple(one_preferred([Entry(parse_phone(p, "US").value) for p in phones])),
                            emails=tuple(one_preferred([Entry(parse_email(e)) for e in emails]))))
        for name, phones, emails in zip(NAMES, PHONES, EMAILS, strict=True)
    ]
    yield book, model
    db.close()


def expected_matches(model: list[dict], text: str) -> list[str]:
    key = text.casefold()
    digits = ascii_digits(text)
    found = [c for c in model
             if key in c["name"].casefold() or any(key in e["value"].casefold() for e in c["emails"])
             or (len(digits) >= 3 and any(digits in ascii_digits(p["value"]) for p in c["phones"]))]
    return [c["name"] for c in sorted(found, key=lambda c: (c["name"].casefold(), c["id"]))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=ALPHABET, min_size=1, max_size=6).filter(str.strip))
def test_find_matches_a_plain_python_model_of_the_rule(model_book, text: str) -> None:
    book, model = model_book
    assert [c["name"] for c in book.find(text)] == expected_matches(model, text)
