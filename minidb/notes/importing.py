"""Restoring exported notes: ids kept, conflicts on ``_id``, every bad line named.

The rules are minidb.imports' (``--on-conflict fail|skip``,
``--skip-invalid``, at most 20 problems named, then a count); what differs
is the database. MongoDB has transactions only on a replica set, and
FerretDB none at all, so an import cannot write and roll back as the SQL
apps do. Instead it checks everything first, then writes:

1. Read the file once: validate each line, look up each chunk's ids with
   one query (``existing_ids``), note ids the file repeats, and spool the
   documents that will be written (BSON, to a temporary file that stays in
   memory while small), so stdin need not be read twice.
2. If the verdict is to import nothing, stop: nothing has been written.
3. Write the spooled documents in ordered batches. Should a write still
   fail (another client inserted one of these ids meanwhile, the database
   went away), the notes this run inserted are deleted again before the
   error is reported.

Time is linear in the file. Memory holds one chunk, the capped messages,
and the ids seen so far (12 bytes each, and a line label), which is how
the repeats of an id within the file are found without writing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC
from typing import IO, Any

from bson import CodecOptions, ObjectId, decode_file_iter, encode
from pymongo.errors import BulkWriteError, PyMongoError

from minidb.imports import Candidate, ImportPolicy, ImportRun, Item
from minidb.notes.db import describe
from minidb.notes.repository import NoteRepository
from minidb.progress import progress

BATCH_SIZE = 500
SPOOL_IN_MEMORY = 8 * 1024 * 1024
_DECODE = CodecOptions(tz_aware=True, tzinfo=UTC)


class PartialImport(Exception):
    """A write failed and so did removing what had been written before it."""


def import_notes(repository: NoteRepository, candidates: Iterable[Candidate],
                 validate: Callable[[Item[Any]], dict[str, Any]], policy: ImportPolicy,
                 batch_size: int = BATCH_SIZE) -> ImportRun[dict[str, Any]]:
    """Restore notes as ``policy`` says; return the run (counts, summary).

    Raises ImportRefused, having written nothing, when the policy says
    nothing may be kept. ``validate`` turns one line's item into the
    document to store, or raises InvalidInput naming the line.
    """
    run: ImportRun[dict[str, Any]] = ImportRun(policy, "note", key="_id")
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, mode="w+b") as spool:
        try:
            count = _check(repository, run, candidates, validate, spool, batch_size)
            run.finish()
        finally:
            run.close()
        spool.seek(0)
        run.imported = _write(repository, _batches(spool, batch_size), count)
    return run


def _check(repository: NoteRepository, run: ImportRun[dict[str, Any]], candidates: Iterable[Candidate],
           validate: Callable[[Item[Any]], dict[str, Any]], spool: IO[bytes], batch_size: int) -> int:
    """Pass 1: decide about every line, spooling what is to be written; return how many."""
    seen: dict[ObjectId, str] = {}
    count = 0
    for chunk in run.chunks(candidates, validate, size=batch_size):
        stored = repository.existing_ids([item.value["_id"] for item in chunk])
        for item in chunk:
            oid = item.value["_id"]
            earlier = seen.get(oid)
            if earlier is None:
                seen[oid] = item.where
            if earlier is not None:
                clash = f"{item.where}: _id {oid} repeats {earlier}"
            elif oid in stored:
                clash = f"{item.where}: a note with _id {oid} already exists"
            else:
                spool.write(encode(item.value))
                count += 1
                continue
            run.conflict(clash)  # fail and skip both leave the line out; notes have no third way
    return count


def _batches(spool: IO[bytes], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for doc in decode_file_iter(spool, codec_options=_DECODE):
        batch.append(doc)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(repository: NoteRepository, batches: Iterable[list[dict[str, Any]]], total: int) -> int:
    """Pass 2: insert in ordered batches; on failure remove what this run inserted."""
    inserted: list[ObjectId] = []
    shown = progress("Writing", "note")
    batch: list[dict[str, Any]] = []
    try:
        for batch in batches:
            repository.insert_many(batch)
            inserted.extend(doc["_id"] for doc in batch)
            shown.advance(len(batch))
    except PyMongoError as error:
        # An ordered insert_many that fails reports how many of the batch it
        # wrote: only those are ours to remove (the clashing one is not).
        # Without that count (a network error), assume the whole batch.
        done = error.details.get("nInserted", 0) if isinstance(error, BulkWriteError) else len(batch)
        written = inserted + [doc["_id"] for doc in batch[:done]]
        try:
            repository.delete_ids(written)
        except PyMongoError:
            raise PartialImport(
                f"import failed ({describe(error)}) and up to {len(written)} of the {total} notes it was "
                "writing, the first of the file, could not be removed"
            ) from error
        raise
    finally:
        shown.close()
    return len(inserted)
