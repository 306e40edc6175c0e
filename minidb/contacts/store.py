"""The contacts of one database: each operation is one transaction.

Engine-neutral: SQL lives in ``sql/contacts/``, the schema in
``migrations/contacts/``.

Uniqueness of phones and e-mails is the database's job: the unique
constraint decides, and Python only names the contact that already holds
the value. A look-up before the insert would let two processes both see
"free" and both insert.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from minidb.contacts.model import Change, NewContact, contact_json, search_terms
from minidb.db import UniqueKey
from minidb.db.queries import RowsQuery
from minidb.errors import Conflict, MinidbError
from minidb.records import Record, RecordStore, now
from minidb.search import search_key

#: The unique constraints of the schema (see the migrations), by the field they keep unique.
UNIQUE_FIELDS = {
    "phone": UniqueKey("contacts_phone_unique", "contacts", ("phone",)),
    "email": UniqueKey("contacts_email_unique", "contacts", ("email_key",)),
}


class AddressBook(RecordStore):
    """The contacts of one database."""

    app = "contacts"
    noun = "contact"
    title = "name"
    to_json = staticmethod(contact_json)

    def _read(self, conn: Any, record_id: int) -> Any:
        return self.q.get_contact(conn, id=record_id)

    def _remove(self, conn: Any, record_id: int) -> None:
        self.q.delete_contact(conn, id=record_id)

    def _every(self) -> RowsQuery:
        return self.q.all_contacts

    def taken_field(self, error: BaseException) -> str | None:
        """``"phone"`` or ``"email"`` if ``error`` is a unique violation on that; else None."""
        return next((name for name, key in UNIQUE_FIELDS.items()
                     if self.db.adapter.violates(error, key)), None)

    def add(self, contact: NewContact) -> Record:
        try:
            with self.db.transaction() as conn:
                contact_id = self._insert(conn, contact)
                return contact_json(self.q.get_contact(conn, id=contact_id))
        except Exception as error:
            taken = self.taken_field(error)
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

    def list(self) -> Iterator[Record]:
        """Every contact by name, streamed inside one read transaction."""
        return self._stream(self.q.list_contacts)

    def find(self, text: str) -> Iterator[Record]:
        """Contacts whose name or e-mail contains ``text``, or whose phone its digits."""
        terms = search_terms(text)
        # The engines' queries differ (an FTS5 phrase on SQLite, plain LIKEs
        # served by pg_trgm on PostgreSQL), so each takes the terms it uses.
        query = self.q.find_contacts
        return self._stream(query, **{name: terms[name] for name in query.params})

    def update(self, contact_id: int, change: Change) -> Record:
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
            taken = self.taken_field(error)
            if taken is None:
                raise
            raise self._conflict(taken, phone, email) from None

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
            taken = self.taken_field(error)
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
