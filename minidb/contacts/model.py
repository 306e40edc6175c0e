"""The contacts rules: what a contact is, and the checks every input goes through.

Every check raises InvalidInput (exit status 2) with a message that says
what is wrong. Nothing here touches a database: see ``store.py``; the
formats a contact travels in (JSON, CSV, vCard) are in ``transfer.py``.

A contact has a name, a stable uid (a vCard's own UID when it came with
one; else, for an imported record, ``urn:uuid:`` and a name-based UUID of
its content, so the same record imported twice is the same contact; for one
typed with ``add``, a random ``urn:uuid:``), any number of phones and e-mails with one
preferred entry per kind (``entries.py``), and the vCard properties minidb
keeps without modelling them.

Start-up matters: ``find`` and ``list`` load this module, so the libraries
behind the checks (phonenumbers, email-validator) and the vCard codec are
imported only by the functions that need them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from minidb import records
from minidb.contacts.entries import (
    Entry,
    Holdings,
    entries_from_row,
    one_preferred,
    preferred_value,
    split_typed,
)
from minidb.contacts.phones import Phone, ascii_digits, kept_as_written_note
from minidb.contacts.phones import parse_phone as _parse_phone
from minidb.contacts.phones import parse_region as parse_region
from minidb.errors import InvalidInput, NotFound
from minidb.records import Record, now
from minidb.search import like_pattern, search_key
from minidb.values import check_text, timestamp_to_json

MAX_NAME = 200
MAX_UID = 1000
#: The namespace of uids derived from an imported record's content (UUID version 5).
#: Fixed for good: changing it would make every record imported before a new contact
#: when imported again.
CONTENT_UID_NAMESPACE = "6f0e3c52-8d5b-4f3a-9a7e-2b1c4d5e6f70"
DEFAULT_REGION = "US"
# The shortest text the trigram indexes can look up; shorter ones scan.
TRIGRAM = 3


def parse_name(text: str) -> str:
    name = check_text(text, "name").strip()
    if not name:
        raise InvalidInput("name must not be blank")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"name is {len(name)} characters; the limit is {MAX_NAME}")
    # A line break or other control character would break every one-line
    # output (list, CSV readers that ignore quoting) and cannot be typed back.
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise InvalidInput(f"name {name!r} must not contain control characters such as line breaks")
    return name


def parse_phone(text: str, region: str) -> Phone:
    """The phone to store: E.164 when it is a possible number in ``region``, else as written.

    Text that is not a phone number at all (``12``, ``call me``) raises InvalidInput.
    """
    return _parse_phone(check_text(text, "phone"), region)


def parse_email(value: str) -> str:
    """The normalised address (domain lower-cased, Unicode NFC); syntax only, no DNS."""
    from email_validator import EmailNotValidError, validate_email

    try:
        # check_deliverability=False: no DNS look-ups, so adding a contact
        # works offline and never waits on a resolver.
        return validate_email(check_text(value, "email").strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        # The library ends its sentences with a period; ours may go on ("; nothing was imported").
        raise InvalidInput(f"email {value!r} is not valid: {str(error).rstrip('.')}") from None


def parse_uid(value: str) -> str:
    """A uid as given (a vCard UID may be any text): 1 to MAX_UID characters, not blank."""
    uid = check_text(value, "uid")
    if not uid.strip():
        raise InvalidInput("uid must not be blank")
    if len(uid) > MAX_UID:
        raise InvalidInput(f"uid is {len(uid)} characters; the limit is {MAX_UID}")
    return uid


def new_uid() -> str:
    """A random uid, for a contact someone typed: two people may share every detail typed."""
    import uuid

    return f"urn:uuid:{uuid.uuid4()}"


def content_uid(form: str, content: str) -> str:
    """The uid of an imported record that has none: the same for the same ``content``.

    ``content`` is the record in a normal form (see ``Card.content``,
    ``transfer.contact_content``); ``form`` names that form, so that two
    forms never give one uid by accident. A record without a uid must get
    the same one every time its file is imported, or a second import of
    the file would duplicate it instead of meeting it as a conflict.
    """
    import uuid

    name = form + "\n" + content
    return f"urn:uuid:{uuid.uuid5(_content_uid_namespace(), name)}"


@cache
def _content_uid_namespace() -> Any:
    import uuid

    return uuid.UUID(CONTENT_UID_NAMESPACE)


def email_key(value: str) -> str:
    """What makes two e-mails the same one: case-folded (``Zoë@X.org`` = ``ZOË@x.org``)."""
    return search_key(value)


def search_terms(text: str) -> dict[str, str | None]:
    """What the ``find_contacts`` queries take; each engine's query uses what it needs.

    ``digits`` is set only when the text has 3 or more digits: "+44"
    should not match every British number.
    """
    if not check_text(text, "search text").strip():
        raise InvalidInput("search text must not be blank")
    digits = ascii_digits(text)  # also reads non-ASCII digits
    return {
        "key": search_key(text),
        "pattern": like_pattern(text),
        "digits": digits if len(digits) >= TRIGRAM else None,
    }


# --- entries as the user gives them


@dataclass(frozen=True)
class Parsed:
    """Entries checked and normalised, and the notes to show (phones kept as written)."""

    entries: tuple[Entry, ...]
    notes: tuple[str, ...] = ()


def phone_entry(text: str, region: str, type_: str | None = None, preferred: bool = False,
                group: str | None = None) -> tuple[Entry, str | None]:
    """One phone as stored, and the note to show when it is kept as written."""
    phone = parse_phone(text, region)
    note = kept_as_written_note(phone, region) if phone.as_written else None
    return Entry(phone.value, type_, preferred, group), note


def email_entry(text: str, type_: str | None = None, preferred: bool = False,
                group: str | None = None) -> Entry:
    return Entry(parse_email(text), type_, preferred, group)


def typed_phones(texts: Iterable[str], region: str) -> Parsed:
    """``--phone [TYPE:]P`` values: the first preferred, a repeat refused."""
    entries, notes = [], []
    for text in texts:
        label, value = split_typed(text, "phone")
        entry, note = phone_entry(value, region, label)
        entries.append(entry)
        if note:
            notes.append(note)
    return Parsed(tuple(one_preferred(distinct(entries, "phone", str))), tuple(notes))


def typed_emails(texts: Iterable[str]) -> Parsed:
    """``--email [TYPE:]E`` values: the first preferred, a repeat refused."""
    entries = []
    for text in texts:
        label, value = split_typed(text, "email")
        entries.append(email_entry(value, label))
    return Parsed(tuple(one_preferred(distinct(entries, "email", email_key))))


def distinct(entries: Sequence[Entry], kind: str, key: Callable[[str], str]) -> list[Entry]:
    """``entries``, or InvalidInput if one value is there twice (once normalised)."""
    seen: set[str] = set()
    for entry in entries:
        if key(entry.value) in seen:
            raise InvalidInput(f"{kind} {entry.value} is given twice")
        seen.add(key(entry.value))
    return list(entries)


# --- the contact record


@dataclass
class NewContact:
    """A validated contact ready to insert (from ``add`` or one import record)."""

    name: str
    uid: str = field(default_factory=new_uid)
    phones: tuple[Entry, ...] = ()
    emails: tuple[Entry, ...] = ()
    kept: tuple[Any, ...] = ()  # KeptProperty (minidb.contacts.vcard), in card order
    created_at: datetime = field(default_factory=now)
    updated_at: datetime | None = None  # None: the same as created_at
    #: The record came without a uid: ``uid`` was made from its content (content_uid).
    uid_from_content: bool = field(default=False, compare=False, repr=False)

    @property
    def holdings(self) -> Holdings:
        return Holdings(self.phones, self.emails, self.kept)

    def holding(self, holdings: Holdings) -> NewContact:
        """This contact holding ``holdings`` instead."""
        return replace(self, phones=holdings.phones, emails=holdings.emails, kept=holdings.kept)

    def claims(self) -> list[Claim]:
        """What no other contact may hold: its uid, e-mails and phones, in that order.

        The order is the one a merge matches by: uid, then e-mail, then phone.
        """
        return [Claim("uid", self.uid, self.uid), *claims_of(self.holdings)]


class Claim(NamedTuple):
    """A value only one contact may hold: ``kind`` is uid, email or phone; ``key`` what makes
    two the same (an e-mail case-folded); ``value`` as the contact has it."""

    kind: str
    key: str
    value: str

    @property
    def slot(self) -> tuple[str, str]:
        return self.kind, self.key

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


def claims_of(holdings: Holdings) -> list[Claim]:
    return ([Claim("email", email_key(e.value), e.value) for e in holdings.emails]
            + [Claim("phone", e.value, e.value) for e in holdings.phones])


def contact_json(row: Any) -> Record:
    """The contact object (what ``--json`` prints) of a ``contact_rows`` row.

    ``phone`` and ``email`` are the preferred entries' values (null when
    there are none), for scripts written before contacts had several.
    Timestamps are ISO 8601 in UTC with a ``Z``.
    """
    phones = entries_from_row(row["phones"])
    emails = entries_from_row(row["emails"])
    return {
        "id": row["id"],
        "uid": row["uid"],
        "name": row["name"],
        "phone": preferred_value(phones),
        "email": preferred_value(emails),
        "phones": [entry.as_json() for entry in phones],
        "emails": [entry.as_json() for entry in emails],
        "created_at": timestamp_to_json(row["created_at"]),
        "updated_at": timestamp_to_json(row["updated_at"]),
    }


def entries_of(contact: Record, kind: str) -> list[Entry]:
    """The phones or e-mails of a contact object."""
    return [Entry(e["value"], e["type"], e["preferred"], e.get("group")) for e in contact[kind]]


# --- update


@dataclass
class EntryChange:
    """What ``update`` does to a contact's phones or e-mails, in this order:
    remove all (``clear``), remove some, replace the preferred one, add."""

    clear: bool = False
    remove: tuple[str, ...] = ()  # normalised values
    preferred: Entry | None = None
    add: tuple[Entry, ...] = ()


@dataclass
class Change(records.Change):
    """What ``update`` changes."""

    name: str | None = None
    phones: EntryChange = field(default_factory=EntryChange)
    emails: EntryChange = field(default_factory=EntryChange)


def changed_entries(entries: Sequence[Entry], change: EntryChange, kind: str, key: Callable[[str], str],
                    contact_id: int) -> list[Entry]:
    """``entries`` after ``change``; NotFound if a value to remove is not among them."""
    held = {key(entry.value) for entry in entries}
    missing = [value for value in change.remove if key(value) not in held]
    if missing:
        raise NotFound(f"contact {contact_id} has no {kind} {', '.join(missing)}; nothing was changed")
    removed = {key(value) for value in change.remove}
    current = [entry for entry in ([] if change.clear else entries) if key(entry.value) not in removed]
    if change.preferred is not None:
        new = replace(change.preferred, preferred=True)
        current = [entry for entry in current if key(entry.value) != key(new.value)]
        at = next((i for i, entry in enumerate(current) if entry.preferred), None)
        if at is None:
            current.insert(0, new)
        else:
            current[at] = new
    held = {key(entry.value) for entry in current}
    for entry in change.add:
        if key(entry.value) not in held:
            held.add(key(entry.value))
            current.append(replace(entry, preferred=False) if current else replace(entry, preferred=True))
    return one_preferred(current)
