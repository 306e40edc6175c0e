"""What ``contacts find`` and ``contacts list`` do, free of click.

The click commands (:mod:`minidb.contacts.cli`) and the fast path
(:mod:`minidb.contacts.fastpath`) both call these functions: one behaviour,
whichever parsed the command line.
"""

from __future__ import annotations

import os

from minidb.config import database_url
from minidb.contacts.model import DEFAULT_REGION, parse_region
from minidb.contacts.store import AddressBook
from minidb.errors import InvalidInput
from minidb.output import emit_records
from minidb.records import Record, Settings, open_store

TYPE_CHECKING = False  # not typing's: see minidb/db/engines/base.py
if TYPE_CHECKING:
    from collections.abc import Sequence

#: Where the database URL comes from when ``--db`` is not given, in order.
URL_VARIABLES = ("CONTACTS_DATABASE_URL", "DATABASE_URL")
REGION_VARIABLE = "CONTACTS_DEFAULT_REGION"


class ContactSettings(Settings):
    """The shared settings plus the region that numbers without a country code belong to."""

    __slots__ = ("region",)

    def __init__(self, url: str, region: str) -> None:
        super().__init__("contacts", url)
        self.region = region


def settings(db_url: str | None = None, region: str | None = None) -> ContactSettings:
    """``--db`` (then the variables, then ``contacts.db`` in the data dir) and ``--region``."""
    return ContactSettings(database_url(db_url, URL_VARIABLES, "contacts.db"), resolve_region(region))


def resolve_region(option: str | None) -> str:
    """``--region``, then ``CONTACTS_DEFAULT_REGION``, then US; an unknown code is exit 2."""
    if option:
        return parse_region(option)
    configured = os.environ.get(REGION_VARIABLE)
    if configured:
        try:
            return parse_region(configured)
        except InvalidInput as error:
            raise InvalidInput(f"{REGION_VARIABLE}: {error}") from None
    return DEFAULT_REGION


def find(settings: ContactSettings, words: Sequence[str], as_json: bool = False) -> None:
    """``find TEXT... [--json]``."""
    text = " ".join(words)
    with open_store(settings, AddressBook) as book:
        emit_records(book.find(text), as_json, line, f"No contacts match {text!r}.")


def list_contacts(settings: ContactSettings, as_json: bool = False) -> None:
    """``list [--json]``."""
    with open_store(settings, AddressBook) as book:
        emit_records(book.list(), as_json, line, "No contacts.")


def line(contact: Record) -> str:
    """A contact as ``find`` and ``list`` show it: ``   3 Ada Lovelace  (+44 20 …, ada@…, +1 more)``."""
    details = [d for d in (contact["phone"], contact["email"]) if d]
    more = len(contact["phones"]) + len(contact["emails"]) - len(details)
    if more:
        details.append(f"+{more} more")
    extra = f"  ({', '.join(details)})" if details else ""
    return f"{contact['id']:>4} {contact['name']}{extra}"
