"""Contacts in the formats they travel in: JSON, CSV and vCard, out and in.

JSON is lossless: the contact object plus ``vcard``, the kept vCard
properties. vCard 3.0 is lossless too: export → import → export gives the
same file but for REV. CSV is the spreadsheet view: ``name,phone,email``
(the preferred ones) and ``phones,emails``, each a ``|``-separated list of
``type:value`` (just ``value`` when there is no type).

Reading turns each record into a :class:`NewContact` or raises InvalidInput
naming the record. A vCard never fails over a phone or e-mail it cannot
take (``BusinessPhone``, ``*86``, a redacted ``xxxx``): the value is kept
with the card's other unmodelled properties, and a warning says so.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, Any

from minidb import records
from minidb.contacts.entries import Entry, lenient_label, one_preferred, type_label
from minidb.contacts.model import (
    NewContact,
    content_uid,
    distinct,
    email_key,
    entries_of,
    parse_email,
    parse_name,
    parse_uid,
    phone_entry,
)
from minidb.errors import InvalidInput
from minidb.formats import write_csv
from minidb.records import Record, now
from minidb.values import check_text

CSV_HEADER = ["name", "phone", "email", "phones", "emails"]
#: What an imported CSV file may have besides ``name``; ``uid`` is read when given.
CSV_OPTIONAL = ("phone", "email", "phones", "emails", "uid")
RECORD_FIELDS = ("uid", "name", "phone", "email", "phones", "emails", "vcard", "created_at", "updated_at")
ENTRY_FIELDS = {"value", "type", "preferred", "group"}
_GROUP = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_URI_SCHEMES = {"phone": "tel", "email": "mailto"}


# --- out


def write_csv_contacts(contacts: Iterator[Record], out: IO[str]) -> int:
    return write_csv(CSV_HEADER, (csv_row(contact) for contact in contacts), out)


def csv_row(contact: Record) -> list[Any]:
    return [contact["name"], contact["phone"], contact["email"],
            _csv_list(contact["phones"]), _csv_list(contact["emails"])]


def _csv_list(entries: list[dict[str, Any]]) -> str:
    return "|".join(f"{e['type']}:{e['value']}" if e["type"] else e["value"] for e in entries)


def write_vcards(contacts: Iterator[Record], out: IO[str]) -> int:
    """Each contact (with its ``vcard`` properties) as a vCard 3.0 card; REV is its updated_at."""
    from minidb.contacts import vcard

    count = 0
    for contact in contacts:
        out.write(vcard.card_text(
            name=contact["name"], uid=contact["uid"],
            phones=[_codec_entry(vcard, e) for e in contact["phones"]],
            emails=[_codec_entry(vcard, e) for e in contact["emails"]],
            kept=[vcard.KeptProperty.from_dict(p) for p in contact.get("vcard", ())],
            rev=datetime.fromisoformat(contact["updated_at"].replace("Z", "+00:00")),
        ))
        count += 1
    return count


def _codec_entry(vcard: Any, entry: dict[str, Any]) -> Any:
    return vcard.Entry(entry["value"], entry["type"], entry["preferred"], entry.get("group"))


# --- in: JSON objects


def contact_from_record(record: Any, region: str) -> NewContact:
    """One contact object as export writes it (or an older one: name, phone, email).

    ``phone``/``email``, when given beside ``phones``/``emails``, must be the
    preferred entry's value. Timestamps are kept when given, so a move
    between databases keeps them; a record without ``uid`` gets one derived
    from its content (``contact_content``).
    """
    records.check_fields(record, "contact", RECORD_FIELDS)
    name = parse_name(records.string(record, "name"))
    uid = records.optional_string(record, "uid")
    phones = _entries(record, "phone", lambda text: phone_entry(text, region)[0].value, str)
    emails = _entries(record, "email", parse_email, email_key)
    kept = _kept(record.get("vcard"))
    contact = NewContact(
        name=name, uid="", phones=phones, emails=emails, kept=kept,
        created_at=records.optional_timestamp(record, "created_at") or now(),
        updated_at=records.optional_timestamp(record, "updated_at"),
    )
    if uid is not None:
        contact.uid = parse_uid(uid)
    else:
        given = contact.created_at if record.get("created_at") is not None else None
        contact.uid = content_uid("contact", contact_content(contact, given))
        contact.uid_from_content = True
    return contact


def contact_content(contact: NewContact, created_at: datetime | None = None) -> str:
    """A contact record in a normal form: its name, entries, kept properties and given timestamps.

    The parsed values, so what parsing evens out (the order of JSON keys or
    CSV columns, blanks around a name, the case of an e-mail's domain) does
    not count. ``created_at`` is the one the record gave, if any: two people
    of one name, stored apart in an older export, differ at least in it.
    """
    return json.dumps({
        "name": contact.name,
        "phones": [[e.value, e.type, e.preferred, e.group] for e in contact.phones],
        "emails": [[e.value, e.type, e.preferred, e.group] for e in contact.emails],
        "vcard": [prop.as_dict() for prop in contact.kept],
        "created_at": None if created_at is None else created_at.isoformat(),
        "updated_at": None if contact.updated_at is None else contact.updated_at.isoformat(),
    }, sort_keys=True)


def _entries(record: dict[str, Any], kind: str, parse: Callable[[str], str],
             key: Callable[[str], str]) -> tuple[Entry, ...]:
    single = (records.optional_string(record, kind) or "").strip()
    listed = record.get(f"{kind}s")
    if listed is None:
        return (Entry(parse(single), None, True),) if single else ()
    if not isinstance(listed, list):
        raise InvalidInput(f"{kind}s must be a list")
    entries = []
    for index, item in enumerate(listed, start=1):
        where = f"{kind}s[{index}]"
        if not isinstance(item, dict) or not {"value"} <= set(item) <= ENTRY_FIELDS:
            raise InvalidInput(f"{where} must be an object with value, type, preferred (and group)")
        value, label, preferred, group = (item.get("value"), item.get("type"), item.get("preferred", False),
                                          item.get("group"))
        if not isinstance(value, str):
            raise InvalidInput(f"{where}: value must be a string")
        if label is not None and not isinstance(label, str):
            raise InvalidInput(f"{where}: type must be a string or null")
        if not isinstance(preferred, bool):
            raise InvalidInput(f"{where}: preferred must be true or false")
        entries.append(Entry(parse(value), type_label(label), preferred, _group(group, where)))
    entries = one_preferred(distinct(entries, kind, key))
    if single and entries and key(parse(single)) != key(next(e.value for e in entries if e.preferred)):
        raise InvalidInput(f"{kind} {single!r} is not the preferred entry of {kind}s")
    return tuple(entries)


def _group(group: Any, where: str) -> str | None:
    if group is None:
        return None
    if not isinstance(group, str) or not _GROUP.fullmatch(group):
        raise InvalidInput(f"{where}: group must be a vCard group name such as item1, or null")
    return group


def _kept(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidInput("vcard must be a list of properties")
    from minidb.contacts.vcard import KeptProperty

    kept = []
    for index, item in enumerate(value, start=1):
        try:
            kept.append(KeptProperty.from_dict(item))
        except InvalidInput as error:
            raise InvalidInput(f"vcard[{index}]: {error}") from None
    return tuple(kept)


# --- in: CSV rows


def contact_from_csv(row: dict[str, str], region: str) -> NewContact:
    """One CSV row: ``phone``/``email`` are the preferred values, ``phones``/``emails`` every entry.

    Empty cells mean none. A file with only ``name,phone,email`` still imports.
    """
    name = parse_name(row["name"])
    phones = _csv_entries(row, "phone", lambda text: phone_entry(text, region)[0].value, str)
    emails = _csv_entries(row, "email", parse_email, email_key)
    uid = (row.get("uid") or "").strip()
    contact = NewContact(name=name, uid=parse_uid(uid) if uid else "", phones=phones, emails=emails)
    if not uid:
        contact.uid = content_uid("contact", contact_content(contact))
        contact.uid_from_content = True
    return contact


def _csv_entries(row: dict[str, str], kind: str, parse: Callable[[str], str],
                 key: Callable[[str], str]) -> tuple[Entry, ...]:
    single = (row.get(kind) or "").strip()
    listed = (row.get(f"{kind}s") or "").strip()
    preferred = key(parse(single)) if single else None
    entries = []
    for item in listed.split("|") if listed else ():
        label, value = _csv_split(item, kind)
        value = parse(value)
        entries.append(Entry(value, label, key(value) == preferred))
    if single and not entries:
        entries = [Entry(parse(single), None, True)]
    elif single and not any(e.preferred for e in entries):
        raise InvalidInput(f"{kind} {single!r} is not among the {kind}s")
    return tuple(one_preferred(distinct(entries, kind, key)))


def _csv_split(item: str, kind: str) -> tuple[str | None, str]:
    label, colon, value = item.partition(":")
    if not colon or label.strip().lower() == _URI_SCHEMES[kind]:
        return None, item
    return type_label(label), value


# --- in: vCards


def contact_from_card(card: Any, region: str) -> tuple[NewContact, list[str]]:
    """The contact a card holds, and the warnings to show (each naming the card).

    InvalidInput for a card with no name, organisation, e-mail or phone, or
    one whose name or UID breaks a limit.
    """
    if card.name is None:
        raise InvalidInput("no name, organisation, e-mail or phone")
    if "\ufffd" in card.name:
        _check_name_decodes(card)
    name = parse_name(card.name)
    # Without a UID of its own, the card's content is what makes it this card.
    uid = parse_uid(card.uid) if card.uid else content_uid("vcard", card.content())
    refused: list[Any] = []
    warnings: list[str] = []
    phones = _card_entries(card.phones, "phone", lambda text: phone_entry(text, region)[0].value, str,
                           refused, warnings)
    emails = _card_entries(card.emails, "email", parse_email, email_key, refused, warnings)
    kept = tuple(card.kept_with(refused))
    warnings = [f"{card.label}: {w}" for w in (*card.warnings_with(refused), *warnings)]
    return NewContact(name=name, uid=uid, phones=phones, emails=emails, kept=kept,
                      uid_from_content=not card.uid), warnings


def _check_name_decodes(card: Any) -> None:
    """InvalidInput if the text the name comes from does not decode.

    The codec reads undecodable bytes as U+FFFD so that a card never fails
    over a property minidb merely keeps; the name is another matter: a
    record whose text is not what the file says is refused, and named, so
    the user can fix the file or declare its CHARSET.
    """
    for prop in card.properties:
        if prop.name not in ("FN", "N", "ORG") or prop.encoding == "b64":
            continue
        data = prop.value_bytes()
        if prop.charset is None:
            check_text(data.decode("utf-8", "surrogateescape"), "name")
            continue
        try:
            data.decode(codecs.lookup(prop.charset).name)
        except LookupError:
            if not data.isascii():
                raise InvalidInput(f"name is in CHARSET {prop.charset}, which minidb does not know") from None
        except (UnicodeError, ValueError):
            raise InvalidInput(f"name is not valid {prop.charset} text") from None


def _card_entries(entries: list[Any], kind: str, parse: Callable[[str], str], key: Callable[[str], str],
                  refused: list[Any], warnings: list[str]) -> tuple[Entry, ...]:
    parsed: list[tuple[Any, str]] = []
    for entry in entries:
        try:
            parsed.append((entry, parse(entry.value)))
        except InvalidInput:
            refused.append(entry)
            what = "a phone number" if kind == "phone" else "a valid e-mail address"
            warnings.append(f"{kind} {entry.value!r} is not {what}; kept as a vCard property")
    # The same number or address twice on one card (home and cell, say): one
    # entry, the preferred one if either is, and the repeat kept where it
    # was, so nothing is lost.
    chosen: dict[str, Any] = {}
    for entry, value in parsed:
        if key(value) not in chosen or (entry.preferred and not chosen[key(value)].preferred):
            chosen[key(value)] = entry
    accepted = []
    for entry, value in parsed:
        if chosen[key(value)] is entry:
            accepted.append(Entry(value, lenient_label(entry.type), entry.preferred, entry.group))
        else:
            refused.append(entry)
    return tuple(one_preferred(accepted))


def read_vcards(source: IO[str]) -> Iterator[Any]:
    """The cards of a vCard file (Card, or MalformedCard for one that cannot be read), in order.

    The codec reads bytes: the import source is text read with
    surrogateescape, which gives back the file's bytes exactly.
    """
    from minidb.contacts.vcard import iter_cards

    return iter_cards(_Bytes(source))


class _Bytes:
    """A binary view of a text stream read with surrogateescape: the original bytes."""

    def __init__(self, source: IO[str]) -> None:
        self._source = source

    def read(self, size: int = -1) -> bytes:
        return self._source.read(size).encode("utf-8", "surrogateescape")


def contact_record(contact: Record, kept: list[Any]) -> Record:
    """The export form of a contact: the object plus its kept vCard properties."""
    return {**contact, "vcard": [prop.as_dict() for prop in kept]}


def entries_as_codec(contact: Record) -> tuple[list[Entry], list[Entry]]:
    return entries_of(contact, "phones"), entries_of(contact, "emails")
