"""The contacts domain: validating contacts and the operations on them (SPEC §4).

Engine-neutral: SQL lives in ``sql/contacts/``, the schema in
``migrations/contacts/``. Each operation is one transaction.

Phone numbers, e-mail addresses and vCards are standards with long tails
(numbering plans change monthly; RFC 5322/6531 addresses; RFC 6350), so
they are left to libraries that track them: ``phonenumbers`` (Google's
libphonenumber metadata), ``email-validator`` and ``vobject``.

Uniqueness of phones and e-mails is the database's job: the unique
constraint decides, and Python only names the contact that already holds
the value. A look-up before the insert would let two processes both see
"free" and both insert.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from minidb.db import Database, Engine, UniqueKey, load
from minidb.db.queries import KEY_RANGE
from minidb.errors import Conflict, InvalidInput, MinidbError, NotFound, plural
from minidb.formats import check_text, timestamp_from_json, timestamp_to_json
from minidb.search import like_pattern, search_key

MAX_NAME = 200
DEFAULT_REGION = "US"
# The shortest text the trigram indexes can look up; shorter ones scan.
TRIGRAM = 3


# --- validation: every check raises InvalidInput (exit 2) with a clear message


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


def parse_region(value: str) -> str:
    """A region code phonenumbers knows (``us`` → ``US``); invalid → InvalidInput."""
    region = value.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(
            f"unknown phone region {value!r}: use a two-letter country code such as US or GB"
        )
    return region


def parse_phone(value: str, region: str) -> str:
    """The number in E.164 (``+442083661177``).

    Accepts what people and phones write: spaces, dashes, brackets, ``tel:``
    URIs (RFC 3966) and extensions. An extension is dropped, since E.164
    has none: the number itself is kept rather than the record refused.
    A number without a country code is read as one of ``region``.
    """
    text = check_text(value, "phone").strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        international = text.startswith(("+", "tel:+", "00"))
        hint = "" if international else f" for region {region} (add the country code, e.g. +44)"
        raise InvalidInput(f"phone {value!r} is not a valid phone number{hint}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_email(value: str) -> str:
    """The normalised address (domain lower-cased, Unicode NFC); syntax only, no DNS."""
    try:
        # check_deliverability=False: no DNS look-ups, so adding a contact
        # works offline and never waits on a resolver.
        return validate_email(check_text(value, "email").strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        # The library ends its sentences with a period; ours may go on ("; nothing was imported").
        raise InvalidInput(f"email {value!r} is not valid: {str(error).rstrip('.')}") from None


def search_terms(text: str) -> dict[str, str | None]:
    """What the ``find_contacts`` queries take; each engine's query uses what it needs.

    ``digits`` is set only when the text has 3 or more digits (SPEC §4):
    "+44" should not match every British number.
    """
    if not check_text(text, "search text").strip():
        raise InvalidInput("search text must not be blank")
    digits = phonenumbers.normalize_digits_only(text)  # also reads non-ASCII digits
    return {
        "key": search_key(text),
        "pattern": like_pattern(text),
        "digits": digits if len(digits) >= TRIGRAM else None,
    }


def now() -> datetime:
    return datetime.now(UTC)


# --- the contact record


@dataclass
class NewContact:
    """A validated contact ready to insert (from ``add`` or one import record)."""

    name: str
    phone: str | None = None
    email: str | None = None
    created_at: datetime = field(default_factory=now)
    updated_at: datetime | None = None  # None: the same as created_at


def contact_json(row: Any) -> dict[str, Any]:
    """The contact object of SPEC §4 from a contacts row."""
    return {
        "id": row["id"],
        "name": row["name"],
        "phone": row["phone"],
        "email": row["email"],
        "created_at": timestamp_to_json(row["created_at"]),
        "updated_at": timestamp_to_json(row["updated_at"]),
    }


RECORD_FIELDS = ("name", "phone", "email", "created_at", "updated_at")


def contact_from_record(record: Any, where: str, region: str) -> NewContact:
    """Validate one imported contact object (as ``export`` writes them, or a CSV row).

    Empty phone or e-mail strings mean none, as in a CSV file's empty cell.
    Timestamps are kept when given, so a move between databases keeps them.
    """

    def bad(message: str) -> InvalidInput:
        return InvalidInput(f"{where}: {message}")

    if not isinstance(record, dict):
        raise bad("expected a contact object")
    unknown = sorted(set(record) - set(RECORD_FIELDS) - {"id"})
    if unknown:
        raise bad(f"unknown field(s) {', '.join(unknown)}")
    try:
        name = record.get("name")
        if not isinstance(name, str):
            raise InvalidInput("name must be a string")
        for key in ("phone", "email"):
            if record.get(key) is not None and not isinstance(record[key], str):
                raise InvalidInput(f"{key} must be a string or null")
        phone = (record.get("phone") or "").strip()
        email = (record.get("email") or "").strip()
        created = record.get("created_at")
        updated = record.get("updated_at")
        return NewContact(
            name=parse_name(name),
            phone=parse_phone(phone, region) if phone else None,
            email=parse_email(email) if email else None,
            created_at=now() if created is None else timestamp_from_json(created, "created_at"),
            updated_at=None if updated is None else timestamp_from_json(updated, "updated_at"),
        )
    except InvalidInput as error:
        raise bad(str(error)) from None


# --- operations


@dataclass
class Change:
    """What ``update`` changes; None means leave as it is."""

    name: str | None = None
    phone: str | None = None
    clear_phone: bool = False
    email: str | None = None
    clear_email: bool = False

    def is_empty(self) -> bool:
        return (self.name is None and self.phone is None and not self.clear_phone
                and self.email is None and not self.clear_email)


#: The unique constraints of the schema (see the migrations), by the field they keep unique.
UNIQUE_FIELDS = {
    "phone": UniqueKey("contacts_phone_unique", "contacts", ("phone",)),
    "email": UniqueKey("contacts_email_unique", "contacts", ("email_key",)),
}


def taken_field(engine: Engine, error: BaseException) -> str | None:
    """``"phone"`` or ``"email"`` if ``error`` is a unique violation on that; else None."""
    return next((name for name, key in UNIQUE_FIELDS.items() if engine.violates(error, key)), None)


class AddressBook:
    """The contacts of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.q = load("contacts", db.engine)

    def add(self, contact: NewContact) -> dict[str, Any]:
        try:
            with self.db.transaction() as conn:
                contact_id = self._insert(conn, contact)
                return contact_json(self.q.get_contact(conn, id=contact_id))
        except Exception as error:
            taken = taken_field(self.db.adapter, error)
            if taken is None:
                raise
            raise self._conflict(taken, contact.phone, contact.email) from None

    def _insert(self, conn: Any, contact: NewContact) -> int:
        return self.q.insert_contact(
            conn,
            name=contact.name,
            name_key=search_key(contact.name),
            phone=contact.phone,
            email=contact.email,
            email_key=None if contact.email is None else search_key(contact.email),
            created_at=contact.created_at,
            updated_at=contact.updated_at or contact.created_at,
        )

    def _conflict(self, taken: str, phone: str | None, email: str | None,
                  where: str = "", suffix: str = "") -> Conflict:
        """Name the contact holding the value; runs after the failed transaction ended.

        (On PostgreSQL a failed statement aborts its transaction, so the
        look-up needs a transaction of its own.)
        """
        value = phone if taken == "phone" else email
        with self.db.transaction(write=False) as conn:
            if taken == "phone":
                owner = self.q.phone_owner(conn, phone=phone)
            else:
                owner = self.q.email_owner(conn, email_key=search_key(email or ""))
        if owner is None:  # deleted or changed since the insert failed
            return Conflict(f"{where}{taken} {value} was taken by another contact meanwhile; "
                            f"try again{suffix}")
        return Conflict(f"{where}{taken} {value} already belongs to contact {owner['id']} "
                        f"({owner['name']}){suffix}")

    def list(self) -> Iterator[dict[str, Any]]:
        """Every contact by name, streamed inside one read transaction."""
        with self.db.transaction(write=False) as conn:
            for row in self.q.list_contacts.stream(conn):
                yield contact_json(row)

    def find(self, text: str) -> Iterator[dict[str, Any]]:
        """Contacts whose name or e-mail contains ``text``, or whose phone its digits."""
        terms = search_terms(text)
        # The engines' queries differ (an FTS5 phrase on SQLite, plain LIKEs
        # served by pg_trgm on PostgreSQL), so each takes the terms it uses.
        query = self.q.find_contacts
        params = {name: value for name, value in terms.items() if name in query.params}
        with self.db.transaction(write=False) as conn:
            for row in query.stream(conn, **params):
                yield contact_json(row)

    def get(self, contact_id: int) -> dict[str, Any]:
        with self.db.transaction(write=False) as conn:
            return self._existing(conn, [contact_id])[0]

    def _existing(self, conn: Any, ids: list[int]) -> list[dict[str, Any]]:
        """The contacts with these ids, or NotFound naming every missing id."""
        found = {}
        for contact_id in ids:
            row = self.q.get_contact(conn, id=contact_id) if contact_id in KEY_RANGE else None
            if row is not None:
                found[contact_id] = contact_json(row)
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise NotFound(f"no contact with id {', '.join(missing)}; nothing was changed")
        return [found[i] for i in ids]

    def update(self, contact_id: int, change: Change) -> dict[str, Any]:
        phone = email = None
        try:
            with self.db.transaction() as conn:
                (contact,) = self._existing(conn, [contact_id])
                name = change.name or contact["name"]
                phone = None if change.clear_phone else change.phone or contact["phone"]
                email = None if change.clear_email else change.email or contact["email"]
                self.q.update_contact(
                    conn, id=contact_id, name=name, name_key=search_key(name), phone=phone,
                    email=email, email_key=None if email is None else search_key(email),
                    updated_at=now(),
                )
                return contact_json(self.q.get_contact(conn, id=contact_id))
        except Exception as error:
            taken = taken_field(self.db.adapter, error)
            if taken is None:
                raise
            raise self._conflict(taken, phone, email) from None

    def delete(self, ids: list[int]) -> list[dict[str, Any]]:
        with self.db.transaction() as conn:
            contacts = self._existing(conn, ids)
            for contact in contacts:
                self.q.delete_contact(conn, id=contact["id"])
            return contacts

    def export(self) -> Iterator[dict[str, Any]]:
        """Every contact in id order, streamed inside one read transaction."""
        with self.db.transaction(write=False) as conn:
            for row in self.q.all_contacts.stream(conn):
                yield contact_json(row)

    def import_contacts(self, records: Iterable[tuple[str, NewContact]]) -> int:
        """Insert every record or none: one transaction; any failure rolls all back.

        ``records`` yields (label, contact), the label naming the record in
        messages ("record 3", "line 4", "card 2"). The database decides what
        is a duplicate, within the file or against existing contacts; the
        labels of values already inserted are kept only to name the earlier
        record when the file repeats itself.
        """
        inserted: dict[tuple[str, str], str] = {}
        count = 0
        label, contact = "", None
        try:
            with self.db.transaction() as conn:
                for label, contact in records:
                    self._insert(conn, contact)
                    count += 1
                    if contact.phone:
                        inserted[("phone", contact.phone)] = label
                    if contact.email:
                        inserted[("email", search_key(contact.email))] = label
        except MinidbError as error:
            raise type(error)(f"{error}; nothing was imported") from None
        except Exception as error:
            taken = taken_field(self.db.adapter, error)
            if taken is None or contact is None:
                raise
            value = contact.phone if taken == "phone" else contact.email
            earlier = inserted.get((taken, search_key(value or "")))
            if earlier:
                raise Conflict(f"{label}: {taken} {value} is also in {earlier}; "
                               "nothing was imported") from None
            raise self._conflict(taken, contact.phone, contact.email, where=f"{label}: ",
                                 suffix="; nothing was imported") from None
        return count


def describe_count(count: int) -> str:
    return plural(count, "contact")
