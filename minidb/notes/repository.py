"""Notes in MongoDB, through pymongo and nothing else.

Every filter and update document is built here from validated, typed values;
no request data reaches this module unexamined.

Conditional writes (``If-Match``) are atomic: the expected versions go into
the filter of the single ``findAndModify`` or ``delete`` command, so between
"is it still version 3?" and "write version 4" nobody else can get in. When
that filter matches nothing, one more read tells "gone" (404) from "changed"
(412) apart; the write itself never happened either way.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pymongo
from bson import ObjectId
from pymongo import DESCENDING, ReturnDocument
from pymongo.collection import Collection

from minidb.notes.model import utc_now

COLLECTION = "notes"
#: The list's sort order; the index below serves both the sort and the
#: keyset condition on (created_at, _id).
SORT = [("created_at", DESCENDING), ("_id", DESCENDING)]
INDEXES = (
    pymongo.IndexModel(SORT, name="created_at_-1__id_-1"),
    pymongo.IndexModel([("tags", pymongo.ASCENDING)], name="tags_1"),
)


class NoteNotFound(Exception):
    pass


class PreconditionFailed(Exception):
    """The note exists but its version is not one the client named in If-Match."""


@dataclass(frozen=True)
class Page:
    notes: list[dict[str, Any]]
    #: The sort key of the last note when more notes follow, else None.
    next_after: tuple[datetime, ObjectId] | None


def search_pattern(text: str) -> str:
    """A regular expression that matches ``text`` literally.

    ``re.escape`` makes every metacharacter literal in PCRE (MongoDB) and RE2
    (FerretDB) alike. NUL is the one character it leaves raw, and a server
    may refuse a pattern containing it, so it is spelt as an escape too.
    """
    return re.escape(text).replace("\x00", "\\x00")


class NoteRepository:
    """CRUD and keyset pagination over the ``notes`` collection.

    ``timeout`` (seconds) bounds each operation end to end, server selection
    included (pymongo's client-side operation timeout), so a request can never
    hang on a dead or stalled database. None means no limit, for the CLI's
    long exports and imports.
    """

    def __init__(self, collection: Collection, *, timeout: float | None) -> None:
        self.collection = collection
        self.timeout = timeout

    def _deadline(self) -> contextlib.AbstractContextManager[Any]:
        if self.timeout is None:
            return contextlib.nullcontext()
        return pymongo.timeout(self.timeout)

    def ping(self) -> None:
        with self._deadline():
            self.collection.database.command("ping")

    def ensure_indexes(self) -> list[str]:
        """Create the indexes; a no-op for indexes that already exist.

        One createIndexes command per index: FerretDB 1.24 drops the
        connection when a single command names several indexes that all
        exist already, which is every restart of the app.
        """
        names: list[str] = []
        with self._deadline():
            for model in INDEXES:
                names += self.collection.create_indexes([model])
        return names

    def create(self, fields: dict[str, Any]) -> dict[str, Any]:
        now = utc_now()
        doc = {
            "_id": ObjectId(),
            **fields,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        with self._deadline():
            self.collection.insert_one(doc)
        return doc

    def get(self, note_id: ObjectId) -> dict[str, Any]:
        with self._deadline():
            doc = self.collection.find_one({"_id": note_id})
        if doc is None:
            raise NoteNotFound(str(note_id))
        return doc

    def list_page(
        self,
        *,
        limit: int,
        after: tuple[datetime, ObjectId] | None = None,
        text: str | None = None,
        tag: str | None = None,
    ) -> Page:
        """Up to ``limit`` notes, newest first, strictly after ``after`` in that order.

        Keyset pagination: the position is a sort key, not an offset, so notes
        created while a client pages through are not seen twice or skipped
        (new notes sort before the position and simply are not on later pages).
        """
        conditions: list[dict[str, Any]] = []
        if after is not None:
            created_at, last_id = after
            conditions.append(
                {
                    "$or": [
                        {"created_at": {"$lt": created_at}},
                        {"created_at": created_at, "_id": {"$lt": last_id}},
                    ]
                }
            )
        if text:
            regex = {"$regex": search_pattern(text), "$options": "i"}
            conditions.append({"$or": [{"title": regex}, {"content": regex}]})
        if tag is not None:
            # A plain value matches array members; it is a str, never an operator document.
            conditions.append({"tags": tag})
        query = {"$and": conditions} if conditions else {}
        # One extra note tells whether there is a next page without a count.
        with self._deadline():
            docs = list(self.collection.find(query).sort(SORT).limit(limit + 1))
        if len(docs) > limit:
            last = docs[limit - 1]
            return Page(docs[:limit], (last["created_at"], last["_id"]))
        return Page(docs, None)

    def _conditional_filter(self, note_id: ObjectId, versions: frozenset[int] | None) -> dict[str, Any]:
        if versions is None:
            return {"_id": note_id}
        return {"_id": note_id, "version": {"$in": sorted(versions)}}

    def _missed(self, note_id: ObjectId) -> Exception:
        """Why a conditional write matched nothing: gone, or changed since."""
        with self._deadline():
            exists = self.collection.count_documents({"_id": note_id}, limit=1)
        return PreconditionFailed(str(note_id)) if exists else NoteNotFound(str(note_id))

    def update(
        self,
        note_id: ObjectId,
        changes: dict[str, Any],
        *,
        versions: frozenset[int] | None = None,
    ) -> dict[str, Any]:
        """Set validated fields (a full replacement passes all three), bump the version.

        ``versions``: the versions If-Match allows, or None for an unconditional write.
        """
        update = {
            "$set": {**changes, "updated_at": utc_now()},
            "$inc": {"version": 1},
        }
        with self._deadline():
            doc = self.collection.find_one_and_update(
                self._conditional_filter(note_id, versions),
                update,
                return_document=ReturnDocument.AFTER,
            )
        if doc is None:
            raise self._missed(note_id)
        return doc

    def delete(self, note_id: ObjectId, *, versions: frozenset[int] | None = None) -> None:
        with self._deadline():
            result = self.collection.delete_one(self._conditional_filter(note_id, versions))
        if result.deleted_count == 0:
            raise self._missed(note_id)

    def export(self, batch_size: int = 500) -> Iterator[dict[str, Any]]:
        """Every stored document, oldest first, streamed from a server-side cursor.

        No deadline here even when one is configured: a large export may
        legitimately take longer than any single request should.
        """
        yield from self.collection.find({}, batch_size=batch_size).sort(
            [("created_at", pymongo.ASCENDING), ("_id", pymongo.ASCENDING)]
        )

    def existing_ids(self, ids: list[ObjectId]) -> set[ObjectId]:
        with self._deadline():
            return {d["_id"] for d in self.collection.find({"_id": {"$in": ids}}, {"_id": 1})}

    def insert_many(self, docs: list[dict[str, Any]]) -> None:
        with self._deadline():
            self.collection.insert_many(docs, ordered=True)

    def delete_ids(self, ids: list[ObjectId]) -> int:
        with self._deadline():
            return self.collection.delete_many({"_id": {"$in": ids}}).deleted_count
