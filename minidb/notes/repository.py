"""Notes in MongoDB, through pymongo and nothing else.

Every filter and update document is built here from validated, typed values;
no request data reaches this module unexamined.

Conditional writes (``If-Match``) are atomic on any MongoDB wire-protocol
server: between "is it still version 3?" and "write version 4" nobody else
can get in, so of several writers naming the same ETag exactly one wins and
the rest get 412. See "Write claims" below for how. When a write matches
nothing, one more read tells "gone" (404) from "changed" (412) apart; the
write itself never happened either way.
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pymongo
from bson import ObjectId
from pymongo import DESCENDING, ReadPreference, ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError, PyMongoError

from minidb.notes.model import utc_now

COLLECTION = "notes"
#: Write claims (see "Write claims" below), in the notes' database.
CLAIMS_COLLECTION = "note_claims"
#: The list's sort order; the index below serves both the sort and the
#: keyset condition on (created_at, _id).
SORT = [("created_at", DESCENDING), ("_id", DESCENDING)]
INDEXES = (
    pymongo.IndexModel(SORT, name="created_at_-1__id_-1"),
    pymongo.IndexModel([("tags", pymongo.ASCENDING)], name="tags_1"),
)


log = logging.getLogger(__name__)

T = TypeVar("T")

# Write claims
# ------------
# MongoDB applies findAndModify/delete atomically to the document its filter
# matches, so putting the expected version in the filter would be enough.
# FerretDB 1.24 (SQLite backend) is not: it queries with the filter, then
# rewrites or deletes the document by _id alone, so concurrent writers that
# all read version V all "match" and all win. What every wire-protocol server
# does enforce atomically is a unique _id on insert. So a writer first claims
# the version it is replacing, by inserting {"_id": "<note id>:<V>"} into
# note_claims; only the one writer whose insert succeeds sends the filtered
# write, and releases (deletes) the claim afterwards. A writer that claims V
# after that finds the note at V+1, matches nothing and gets 412, as it should.
# One code path for MongoDB and FerretDB alike; no server detection.
#
# A writer that dies between claim and release leaves a claim behind. Claims
# older than STALE_CLAIM_FACTOR x the operation timeout are taken to be dead
# (`at` is the writer's clock: app hosts need roughly synchronised clocks).
# A dead claim is not deleted to be taken over - FerretDB's delete is
# filter-then-delete-by-_id too, so of two writers taking over at once one
# could delete the fresh claim the other had just put in its place - but
# succeeded by "<note id>:<V>#1", "#2", ...: a writer holds version V when it
# inserted one link of that chain and every link before it is dead. Again only
# unique inserts decide. After a successful write every claim on V is deleted
# (version V can never be written again), so claims do not pile up, deleted
# notes included; a failed write deletes its own claim only.
#
# The cost: two more round trips per write with a single If-Match ETag
# (claim, release), three without (reading the current version first).
STALE_CLAIM_FACTOR = 4
#: How long a claim lives when there is no operation timeout (the CLI).
STALE_CLAIM_DEFAULT = 60.0
#: The release gets its own budget, so it is still sent when the write used
#: up the operation timeout; bounded so a stalled database still gets its
#: answer (503) well inside the API's 5 s.
RELEASE_TIMEOUT = 1.0
#: Backoff between attempts while another writer holds the version (seconds).
RETRY_FIRST = 0.002
RETRY_MAX = 0.05


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
    long exports and imports. An update or delete, however many round trips
    and retries it takes (see "Write claims"), is one operation.

    On a replica set, the read preference that ``collection`` has (from the
    URI's ``readPreference``) serves the list and the export, which may lag
    a little behind the primary; every other read is from the primary: a
    note just written reads back as written, and the version a conditional
    write checks is the current one.
    """

    def __init__(self, collection: Collection, *, timeout: float | None) -> None:
        self.listing = collection
        self.collection = collection.with_options(read_preference=ReadPreference.PRIMARY)
        #: Write claims live next to the notes, in the same database.
        self.claims = collection.database.get_collection(
            CLAIMS_COLLECTION, read_preference=ReadPreference.PRIMARY
        )
        self.timeout = timeout
        self.stale_claim_after = timedelta(
            seconds=STALE_CLAIM_FACTOR * timeout if timeout else STALE_CLAIM_DEFAULT
        )

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
            docs = list(self.listing.find(query).sort(SORT).limit(limit + 1))
        if len(docs) > limit:
            last = docs[limit - 1]
            return Page(docs[:limit], (last["created_at"], last["_id"]))
        return Page(docs, None)

    def update(
        self,
        note_id: ObjectId,
        changes: dict[str, Any],
        *,
        versions: frozenset[int] | None = None,
        unless: frozenset[int] = frozenset(),
    ) -> dict[str, Any]:
        """Set validated fields (a full replacement passes all three), bump the version.

        ``versions``: the versions If-Match allows, or None for an unconditional
        write; ``unless``: versions If-None-Match rules out.
        """

        def write(version: int) -> dict[str, Any] | None:
            return self.collection.find_one_and_update(
                {"_id": note_id, "version": version},
                {"$set": {**changes, "updated_at": utc_now()}, "$inc": {"version": 1}},
                return_document=ReturnDocument.AFTER,
            )

        return self._write(note_id, versions, unless, write)

    def delete(
        self,
        note_id: ObjectId,
        *,
        versions: frozenset[int] | None = None,
        unless: frozenset[int] = frozenset(),
    ) -> None:
        def write(version: int) -> bool | None:
            return self.collection.delete_one({"_id": note_id, "version": version}).deleted_count == 1 or None

        self._write(note_id, versions, unless, write)

    def _write(
        self,
        note_id: ObjectId,
        versions: frozenset[int] | None,
        unless: frozenset[int],
        write: Callable[[int], T | None],
    ) -> T:
        """Claim the current version, ``write(version)`` (None: matched nothing), release.

        Retries while the write can still succeed: always when unconditional,
        while a later version is allowed when conditional. The operation
        timeout bounds the whole write, retries included (then 503). The
        version written is one ``versions`` allows and ``unless`` does not,
        and the write's filter names it, so the check and the write are one.
        """
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        backoff = RETRY_FIRST
        while True:
            token = uuid.uuid4().hex
            chain: list[str] = []
            written = False
            try:
                with self._until(deadline):
                    version = self._current_version(note_id, versions, unless)
                    held = self._claim(note_id, version, token, chain)
                    if held:
                        result = write(version)
                        if result is not None:
                            written = True
                            return result
                        if versions is not None and len(versions) == 1:
                            raise self._missed(note_id)
                        continue  # changed or gone: the next read says which
                    if versions is not None and not any(v > version for v in versions):
                        raise PreconditionFailed(str(note_id))  # someone else is replacing it
            finally:
                if chain:
                    self._release(chain, token, everything=written)
            time.sleep(random.uniform(0, backoff))
            backoff = min(backoff * 2, RETRY_MAX)

    def _until(self, deadline: float | None) -> contextlib.AbstractContextManager[Any]:
        if deadline is None:
            return contextlib.nullcontext()
        # Never 0: pymongo.timeout(0) means "no limit". A spent budget makes
        # the next operation raise a timeout error, which is the 503.
        return pymongo.timeout(max(deadline - time.monotonic(), 0.001))

    def _current_version(
        self, note_id: ObjectId, versions: frozenset[int] | None, unless: frozenset[int]
    ) -> int:
        if versions is not None and len(versions) == 1:
            version = next(iter(versions))
            if version in unless:
                raise self._missed(note_id)  # nothing can be written: say why
            return version  # no read: the claim and the write check it
        doc = self.collection.find_one({"_id": note_id}, {"version": 1})
        if doc is None:
            raise NoteNotFound(str(note_id))
        if (versions is not None and doc["version"] not in versions) or doc["version"] in unless:
            raise PreconditionFailed(str(note_id))
        return doc["version"]

    def _claim(self, note_id: ObjectId, version: int, token: str, chain: list[str]) -> bool:
        """Try to claim ``version`` of the note; False if a live claim is in the way.

        Appends to ``chain`` the id of every link it tried, so the caller can
        release them, whatever happened.
        """
        generation = 0
        while True:
            claim_id = f"{note_id}:{version}" + (f"#{generation}" if generation else "")
            if not chain or chain[-1] != claim_id:
                chain.append(claim_id)
            try:
                self.claims.insert_one({"_id": claim_id, "at": utc_now(), "by": token})
                return True
            except DuplicateKeyError:
                pass
            other = self.claims.find_one({"_id": claim_id})
            if other is None:
                continue  # released meanwhile: try the same link again
            if other.get("by") == token:
                return True  # our own insert, retried by the driver
            if not self._is_stale(other):
                return False
            generation += 1

    def _is_stale(self, claim: dict[str, Any]) -> bool:
        at = claim.get("at")
        if not isinstance(at, datetime):
            return True
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return utc_now() - at > self.stale_claim_after

    def _release(self, chain: list[str], token: str, *, everything: bool) -> None:
        """Delete our claim; after a write, every claim on the old version.

        Best effort: a claim left behind goes stale. Errors are logged, never
        raised, so they cannot hide the write's own outcome.
        """
        budget = RELEASE_TIMEOUT if self.timeout is None else min(self.timeout, RELEASE_TIMEOUT)
        try:
            with pymongo.timeout(budget):
                if everything:
                    self.claims.delete_many({"_id": {"$in": chain}})
                else:
                    self.claims.delete_one({"_id": chain[-1], "by": token})
        except PyMongoError as error:
            log.warning("could not release write claim %s: %s", chain[-1], error)

    def _missed(self, note_id: ObjectId) -> Exception:
        """Why a conditional write matched nothing: gone, or changed since."""
        exists = self.collection.count_documents({"_id": note_id}, limit=1)
        return PreconditionFailed(str(note_id)) if exists else NoteNotFound(str(note_id))

    def export(self, batch_size: int = 500) -> Iterator[dict[str, Any]]:
        """Every stored document, oldest first, streamed from a server-side cursor.

        No deadline here even when one is configured: a large export may
        legitimately take longer than any single request should.
        """
        yield from self.listing.find({}, batch_size=batch_size).sort(
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
