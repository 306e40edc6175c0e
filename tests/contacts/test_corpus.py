"""The real-world corpus (tests/contacts/data/corpus, 75 files from 22 writers):
each file imports with --skip-invalid, every card that has a name, an
organisation, an e-mail or a phone is imported (or merged into the contact it
repeats), and export → import into an empty database → export is exact but
for REV. On both engines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from minidb.contacts.vcard import Card, iter_cards
from minidb.db import connect, parse
from tests.helpers import invoke

CORPUS = Path(__file__).parent / "data" / "corpus"
FILES = sorted(CORPUS.glob("*.vcf"))
REV = re.compile(rb"REV:\d{8}T\d{6}Z\r\n")
SUMMARY = re.compile(r"Imported (\d+) contacts?(?:; merged (\d+))?(?:; skipped (\d+) \((.*)\))?\.\n")
IDENTIFYING = ("FN", "N", "ORG", "EMAIL", "TEL")


def identifiable(card: Card) -> bool:
    """Whether a card has a name, organisation, e-mail or phone: any of those with a value.

    Read from the properties themselves, not from what the importer makes of them.
    """
    return any(prop.name in IDENTIFYING and prop.raw.strip(b" \t;") for prop in card.properties)


def test_the_corpus_is_what_its_readme_says() -> None:
    cards = [item for path in FILES for item in iter_cards(path.read_bytes())]
    assert (len(FILES), len(cards)) == (75, 109)
    assert all(isinstance(card, Card) for card in cards)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def two_databases(request, databases) -> tuple[str, str]:
    """Two contacts databases on one engine, shared by the module's tests (each empties them)."""
    return databases.new(request.param, "contacts"), databases.new(request.param, "contacts")


def emptied(url: str) -> str:
    with connect(parse(url)) as db, db.transaction() as conn:
        conn.execute("DELETE FROM contacts")  # phones, e-mails and kept properties go with them
    return url


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_identifiable_card_imports_and_the_export_round_trip_is_exact(two_databases,
                                                                           path: Path) -> None:
    first_db, second_db = (emptied(url) for url in two_databases)
    cards = list(iter_cards(path.read_bytes()))
    result = invoke("contacts", "--db", first_db, "import", "--skip-invalid", "--on-conflict", "merge",
                    str(path))
    assert result.exit_code == 0, result.stderr
    imported, merged, skipped, reasons = SUMMARY.fullmatch(result.stdout).groups()
    expected = sum(identifiable(card) for card in cards)
    assert int(imported) + int(merged or 0) == expected, result.stdout
    assert int(skipped or 0) == len(cards) - expected, reasons

    first = invoke("contacts", "--db", first_db, "export", "--format", "vcard").stdout_bytes
    assert len(list(iter_cards(first))) == int(imported)
    again = invoke("contacts", "--db", second_db, "import", "-", input=first)
    assert again.stdout == f"Imported {imported} contact{'' if imported == '1' else 's'}.\n", again.stderr
    second = invoke("contacts", "--db", second_db, "export", "--format", "vcard").stdout_bytes
    assert REV.sub(b"", second) == REV.sub(b"", first)


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_importing_a_file_twice_with_skip_leaves_the_database_as_after_one_import(two_databases,
                                                                                  path: Path) -> None:
    """Most real exports have cards without UID; a name-only card is the same card the second time."""
    url = emptied(two_databases[0])
    options = ("--db", url, "import", "--skip-invalid", "--on-conflict", "skip", str(path))
    assert invoke("contacts", *options).exit_code == 0
    once = invoke("contacts", "--db", url, "export").stdout
    again = invoke("contacts", *options)
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith("Imported 0 contacts"), again.stdout
    assert invoke("contacts", "--db", url, "export").stdout == once
