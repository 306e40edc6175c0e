"""The contacts of one database: each operation is one transaction.

Engine-neutral: SQL lives in ``sql/contacts/``, the schema in
``migrations/contacts/``. A contact's phones, e-mails and kept vCard
properties are child rows, written anew in order whenever they change.

Uniqueness of uids, phones and e-mails is the database's job: the unique
constraints decide, and Python only names the contact that already holds
the value. A look-up before the insert would let two processes both see
"free" and both insert. An import looks its keys up first too, a chunk at a
time, but only to apply the user's --on-conflict choice; the constraints
still have the last word.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from minidb.contacts.entries import Entry, Holdings, merge
from minidb.contacts.model import (
    Change,
    Claim,
    NewContact,
    changed_entries,
    claims_of,
    contact_json,
    email_key,
    entries_of,
    search_terms,
)
from minidb.contacts.phones import ascii_digits
from minidb.db import UniqueKey
from minidb.errors import Conflict, InvalidInput
from minidb.records import Record, RecordStore, now
from minidb.search import search_key

if TYPE_CHECKING:
    from minidb.db.queries import RowsQuery
    from minidb.imports import Candidate, ImportRun, Item

#: The unique constraints of the schema (see the migrations), by the key they keep unique.
UNIQUE_KEYS = {
    "uid": UniqueKey("contacts_uid_unique", "contacts", ("uid",)),
    "phone": UniqueKey("contact_phones_value_unique", "contact_phones", ("value",)),
    "email": UniqueKey("contact_emails_key_unique", "contact_emails", ("email_key",)),
}


@dataclass(frozen=True)
class Owner:
    """A stored contact holding a key, or an earlier record of the same import that claims it."""

    id: int | None  # None: a record of this import, not stored yet
    name: str  # the contact's name, or where the record is ("card 3")
    index: int = -1  # the record's place among the chunk's new contacts

    def describe(self) -> str:
        return f"contact {self.id} ({self.name})" if self.id is not None else self.name

    def holds(self) -> str:
        """How a conflict message ends: who has the value already."""
        return f"already belongs to {self.describe()}" if self.id is not None else f"is also in {self.name}"


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

    def taken_key(self, error: BaseException) -> str | None:
        """``uid``, ``phone`` or ``email`` if ``error`` is a unique violation on that; else None."""
        return next((name for name, key in UNIQUE_KEYS.items() if self.db.adapter.violates(error, key)),
                    None)

    # --- reading

    def list(self) -> Iterator[Record]:
        """Every contact by name, streamed inside one read transaction."""
        return self._stream(self.q.list_contacts)

    def find(self, text: str) -> Iterator[Record]:
        """Contacts whose name or any e-mail contains ``text``, or any of whose phones its digits."""
        terms = search_terms(text)
        # The engines' queries differ (FTS5 phrases on SQLite, plain LIKEs
        # served by pg_trgm on PostgreSQL), so each takes the terms it uses.
        query = self.q.find_contacts
        return self._stream(query, **{name: terms[name] for name in query.params})

    def show(self, contact_id: int) -> Record:
        """One contact with its kept vCard properties (``vcard``)."""
        with self.db.transaction(write=False) as conn:
            (contact,) = self._existing(conn, [contact_id])
            return {**contact, "vcard": [prop.as_dict() for prop in self._kept(conn, contact_id)]}

    def export(self, kept: bool = True) -> Iterator[Record]:
        """Every contact in id order with its kept vCard properties, streamed in one read transaction.

        The properties come from a second stream in (contact id, card order),
        paired up with the contacts as both go by: two queries in all,
        whatever the number of contacts. ``kept=False``: the contacts alone.
        """
        if not kept:
            yield from self._stream(self.q.all_contacts)
            return
        with self.db.transaction(write=False) as conn:
            properties = self.q.all_properties.stream(conn)
            pending = next(properties, None)
            try:
                for row in self.q.all_contacts.stream(conn):
                    its_own = []
                    while pending is not None and pending["contact_id"] <= row["id"]:
                        if pending["contact_id"] == row["id"]:
                            its_own.append(_property_dict(pending))
                        pending = next(properties, None)
                    yield {**contact_json(row), "vcard": its_own}
            finally:
                properties.close()

    def _kept(self, conn: Any, contact_id: int) -> list[Any]:
        from minidb.contacts.vcard import KeptProperty

        return [KeptProperty.from_dict(_property_dict(row))
                for row in self.q.contact_properties(conn, contact_id=contact_id)]

    def _holdings(self, conn: Any, contact: Record) -> Holdings:
        return Holdings(tuple(entries_of(contact, "phones")), tuple(entries_of(contact, "emails")),
                        tuple(self._kept(conn, contact["id"])))

    # --- writing

    def add(self, contact: NewContact) -> Record:
        try:
            with self.db.transaction() as conn:
                (contact_id,) = self._insert(conn, [contact])
                return contact_json(self.q.get_contact(conn, id=contact_id))
        except Exception as error:
            if self.taken_key(error) is None:
                raise
            raise self._conflict(contact.claims()) from None

    def update(self, contact_id: int, change: Change) -> Record:
        claims: list[Claim] = []
        try:
            with self.db.transaction() as conn:
                (contact,) = self._existing(conn, [contact_id])
                phones = changed_entries(entries_of(contact, "phones"), change.phones, "phone", str,
                                         contact_id)
                emails = changed_entries(entries_of(contact, "emails"), change.emails, "email", email_key,
                                         contact_id)
                claims = claims_of(Holdings(tuple(phones), tuple(emails)))
                name = change.name or contact["name"]
                self.q.update_contact(conn, id=contact_id, name=name, name_key=search_key(name),
                                      updated_at=now())
                if change.phones != type(change.phones)():
                    self.q.delete_phones(conn, contact_id=contact_id)
                    self._insert_children(conn, [(contact_id, Holdings(phones=tuple(phones)))])
                if change.emails != type(change.emails)():
                    self.q.delete_emails(conn, contact_id=contact_id)
                    self._insert_children(conn, [(contact_id, Holdings(emails=tuple(emails)))])
                return contact_json(self.q.get_contact(conn, id=contact_id))
        except Exception as error:
            if self.taken_key(error) is None:
                raise
            raise self._conflict(claims, besides=contact_id) from None

    def merge(self, target_id: int, other_ids: list[int]) -> tuple[Record, list[Record]]:
        """Move every phone, e-mail and kept property of the others into the target; delete the others.

        Returns the merged contact and the others as they were.
        """
        if target_id in other_ids:
            raise InvalidInput(f"contact {target_id} cannot be merged into itself")
        with self.db.transaction() as conn:
            target, *others = self._existing(conn, [target_id, *other_ids])
            holdings = self._holdings(conn, target)
            for other in others:
                holdings = merge(holdings, self._holdings(conn, other))
            for other in others:
                self.q.delete_contact(conn, id=other["id"])
            self._rewrite(conn, target_id, holdings)
            self._touch(conn, target)
            return contact_json(self.q.get_contact(conn, id=target_id)), others

    def _touch(self, conn: Any, contact: Record) -> None:
        """Move ``updated_at`` of a contact whose entries changed."""
        name = contact["name"]
        self.q.update_contact(conn, id=contact["id"], name=name, name_key=search_key(name), updated_at=now())

    def _insert(self, conn: Any, contacts: list[NewContact]) -> list[int]:
        """Insert contacts with their entries and kept properties: four statements in all."""
        rows = self.q.insert_contacts(conn, rows=_json([
            {"uid": c.uid, "name": c.name, "name_key": search_key(c.name),
             "created_at": _timestamp(c.created_at), "updated_at": _timestamp(c.updated_at or c.created_at)}
            for c in contacts]))
        id_of = {row["uid"]: row["id"] for row in rows}
        ids = [id_of[c.uid] for c in contacts]
        self._insert_children(conn, zip(ids, (c.holdings for c in contacts), strict=True))
        return ids

    def _insert_children(self, conn: Any, holdings: Iterable[tuple[int, Holdings]]) -> None:
        phones, emails, kept = [], [], []
        for contact_id, held in holdings:
            phones += _phone_rows(contact_id, held.phones)
            emails += _email_rows(contact_id, held.emails)
            kept += _property_rows(contact_id, held.kept)
        for query, rows in ((self.q.insert_phones, phones), (self.q.insert_emails, emails),
                            (self.q.insert_properties, kept)):
            if rows:
                query(conn, rows=_json(rows))

    def _rewrite(self, conn: Any, contact_id: int, holdings: Holdings) -> None:
        """Write a contact's phones, e-mails and kept properties anew, in their order."""
        self.q.delete_phones(conn, contact_id=contact_id)
        self.q.delete_emails(conn, contact_id=contact_id)
        self.q.delete_properties(conn, contact_id=contact_id)
        self._insert_children(conn, [(contact_id, holdings)])

    def _owners(self, conn: Any, claims: Iterable[Claim]) -> dict[tuple[str, str], Owner]:
        """Who holds each of these claims' values, by slot: one query, whatever their number."""
        wanted: dict[str, list[str]] = {"uid": [], "phone": [], "email": []}
        for claim in claims:
            wanted[claim.kind].append(claim.key)
        rows = self.q.stored_keys(conn, uids=json.dumps(wanted["uid"]), phones=json.dumps(wanted["phone"]),
                                  email_keys=json.dumps(wanted["email"]))
        return {(row["kind"], row["key"]): Owner(row["id"], row["name"]) for row in rows}

    def _conflict(self, claims: list[Claim], besides: int | None = None) -> Conflict:
        """Name the contact holding one of ``claims``; runs after the failed transaction ended.

        (On PostgreSQL a failed statement aborts its transaction, so the
        look-up needs a transaction of its own.)
        """
        with self.db.transaction(write=False) as conn:
            owners = self._owners(conn, claims)
        for claim in claims:
            owner = owners.get(claim.slot)
            if owner is not None and owner.id != besides:
                return Conflict(f"{claim} already belongs to {owner.describe()}")
        return Conflict("a phone, e-mail or uid of it was taken by another contact meanwhile; try again")

    # --- import

    def import_contacts(self, candidates: Iterable[Candidate], validate: Callable[[Item[Any]], NewContact],
                        run: ImportRun[NewContact]) -> None:
        """Import the valid records of ``candidates`` as ``run``'s policy says: one transaction.

        Each chunk's uids, phones and e-mails are looked up in one query; a
        record holding a key that a stored contact or an earlier record of
        the file holds is a conflict, matched by uid, then e-mail, then
        phone. ``fail`` and ``skip`` leave it out (``fail`` then refuses the
        whole import); ``merge`` adds its phones, e-mails and kept
        properties to the contact it matched, leaving any value a third
        contact holds with that contact.
        """
        try:
            with self.db.transaction() as conn:
                self.db.adapter.prepare_bulk_write(conn)
                for chunk in run.chunks(candidates, validate):
                    self._import_chunk(conn, chunk, run)
                run.finish()
        except Exception as error:
            if self.taken_key(error) is None:
                raise
            # Another process stored one of the keys after this import looked.
            raise Conflict("a phone, e-mail or uid of the file was taken by another contact while "
                           "importing; nothing was imported: try again") from None
        finally:
            run.close()

    def _import_chunk(self, conn: Any, chunk: list[Item[NewContact]], run: ImportRun[NewContact]) -> None:
        owners = self._owners(conn, (claim for item in chunk for claim in item.value.claims()))
        new: list[NewContact] = []
        merges: dict[int, Holdings] = {}
        for item in chunk:
            contact = item.value
            claims = contact.claims()
            matched = next(((claim, owners[claim.slot]) for claim in claims if claim.slot in owners), None)
            if matched is None:
                for claim in claims:
                    owners[claim.slot] = Owner(None, item.where, len(new))
                new.append(contact)
                continue
            claim, owner = matched
            if run.conflict(f"{item.where}: {claim} {owner.holds()}"):
                continue
            added = self._claimable(contact, owner, owners, item.where, run)
            for claim in claims_of(added):
                owners[claim.slot] = owner
            if owner.id is None:
                new[owner.index] = new[owner.index].holding(merge(new[owner.index].holdings, added))
            else:
                merges[owner.id] = merge(merges.get(owner.id, Holdings()), added)
            run.merged += 1
        if new:
            self._insert(conn, new)
            run.imported += len(new)
        for contact_id, added in merges.items():
            stored = contact_json(self.q.get_contact(conn, id=contact_id))
            holdings = self._holdings(conn, stored)
            merged = merge(holdings, added)
            # A record that adds nothing (the same file imported again) leaves
            # the contact as it was: updated_at says when it last changed.
            if merged != holdings:
                self._rewrite(conn, contact_id, merged)
                self._touch(conn, stored)

    def _claimable(self, contact: NewContact, target: Owner, owners: dict[tuple[str, str], Owner],
                   where: str, run: ImportRun[NewContact]) -> Holdings:
        """What of ``contact`` may join ``target``: not the phones and e-mails a third contact holds."""
        taken = set()
        for claim in claims_of(contact.holdings):
            other = owners.get(claim.slot)
            if other is not None and other != target:
                taken.add(claim.slot)
                run.warn(f"{where}: {claim} stays with {other.describe()}")
        return Holdings(tuple(e for e in contact.phones if ("phone", e.value) not in taken),
                        tuple(e for e in contact.emails if ("email", email_key(e.value)) not in taken),
                        contact.kept)


def _json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def _timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC to the microsecond, ``Z``-suffixed: the text both engines read as this
    instant (and, fixed-width, the form SQLite stores and sorts)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _phone_rows(contact_id: int, phones: Iterable[Entry]) -> list[dict[str, Any]]:
    return [{"contact_id": contact_id, "ordinal": ordinal, "value": e.value, "digits": ascii_digits(e.value),
             "type": e.type, "preferred": e.preferred, "vcard_group": e.group}
            for ordinal, e in enumerate(phones, start=1)]


def _email_rows(contact_id: int, emails: Iterable[Entry]) -> list[dict[str, Any]]:
    return [{"contact_id": contact_id, "ordinal": ordinal, "value": e.value, "email_key": email_key(e.value),
             "type": e.type, "preferred": e.preferred, "vcard_group": e.group}
            for ordinal, e in enumerate(emails, start=1)]


def _property_rows(contact_id: int, kept: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"contact_id": contact_id, "ordinal": ordinal, "vcard_group": p.group, "name": p.name,
             "params": json.dumps([list(pair) for pair in p.params], ensure_ascii=False), "value": p.value}
            for ordinal, p in enumerate(kept, start=1)]


def _property_dict(row: Any) -> dict[str, Any]:
    return {"group": row["vcard_group"], "name": row["name"], "params": json.loads(row["params"]),
            "value": row["value"]}
