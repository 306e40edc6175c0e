"""Importing tasks: uids kept, conflicts found per chunk in SQL, every bad record named.

The flow is minidb.imports' (read, validate, chunk, decide); what is the
to-do app's own is here: a task's key is its uid, the stored tasks a chunk
clashes with come from one query per chunk (``tasks_by_uid``, the chunk's
uids as one JSON array parameter), and the app's third policy, ``replace``,
gives the stored task the imported fields and tags while it keeps its id.

A uid may repeat within the file. Within a chunk that is seen here; across
chunks the database sees it, because the earlier record has been written
by then (in this transaction): a stored task whose id is above the highest
id before the import began came from this file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from minidb.db import Database, Queries
from minidb.imports import Candidate, ImportPolicy, ImportRun, Item

NOUN = "task"


def import_tasks(db: Database, queries: Queries, candidates: Iterable[Candidate],
                 validate: Callable[[Item[Any]], Any], policy: ImportPolicy) -> ImportRun[Any]:
    """Import validated tasks in one transaction; return the run (counts, summary).

    Raises ImportRefused, rolling everything back, when the policy says
    nothing may be kept. ``validate`` turns a raw item into a NewTask.
    """
    run: ImportRun[Any] = ImportRun(policy, NOUN)
    try:
        with db.transaction() as conn:
            db.adapter.prepare_bulk_write(conn)
            last_id = queries.last_task_id(conn)
            for chunk in run.chunks(candidates, validate):
                _store_chunk(queries, conn, run, chunk, last_id)
            run.finish()
    finally:
        run.close()
    return run


def _store_chunk(q: Queries, conn: Any, run: ImportRun[Any], chunk: list[Item[Any]],
                 last_id: int) -> None:
    uids = [item.value.uid for item in chunk]
    stored = {row["uid"]: row["id"] for row in q.tasks_by_uid(conn, uids=json.dumps(uids))}
    new: list[Any] = []  # tasks to insert
    replacements: list[tuple[int, Any]] = []  # (stored id, task) to overwrite
    # uid -> where its first record of this chunk went: ("new", slot) or ("replace", slot)
    placed: dict[str, tuple[str, int, str]] = {}
    for item in chunk:
        task, uid = item.value, item.value.uid
        if uid in placed:
            kind, slot, earlier = placed[uid]
            if run.conflict(f"{item.where}: uid {uid} repeats {earlier}"):
                continue
            # replace: the later record of the file wins, as if applied in order
            if kind == "new":
                new[slot] = task
            else:
                replacements[slot] = (replacements[slot][0], task)
            run.replaced += 1
            continue
        task_id = stored.get(uid)
        if task_id is not None:
            clash = (f"task {task_id} already has uid {uid}" if task_id <= last_id
                     else f"uid {uid} repeats an earlier record")
            if run.conflict(f"{item.where}: {clash}"):
                continue
            placed[uid] = ("replace", len(replacements), item.where)
            replacements.append((task_id, task))
            run.replaced += 1
            continue
        placed[uid] = ("new", len(new), item.where)
        new.append(task)

    if new:
        q.add_imported_task.many(conn, [t.row() for t in new])
        _tag_new(q, conn, new)
        run.imported += len(new)
    if replacements:
        q.replace_task.many(conn, [{"id": task_id, **t.fields()} for task_id, t in replacements])
        q.untag_task.many(conn, [{"task_id": task_id} for task_id, _ in replacements])
        _tag(q, conn, replacements)


def _tag_new(q: Queries, conn: Any, tasks: list[Any]) -> None:
    """Tag tasks just added, found by uid: no ids needed.

    On a server, one set-based statement for the chunk (its pairs as one
    JSON parameter); on SQLite, a statement a pair, run in one executemany.
    """
    if not _add_tags(q, conn, tasks):
        return
    if q.engine.set_statements_for_batches:
        q.link_imported_tags(conn, pairs=json.dumps([[task.uid, tag] for task in tasks
                                                     for tag in task.tags]))
    else:
        q.link_imported_tag.many(conn, [{"uid": task.uid, "name": tag}
                                        for task in tasks for tag in task.tags])


def _tag(q: Queries, conn: Any, tasks: list[tuple[int, Any]]) -> None:
    if _add_tags(q, conn, [task for _, task in tasks]):
        q.link_tag.many(conn, [{"task_id": task_id, "name": tag}
                                      for task_id, task in tasks for tag in task.tags])


def _add_tags(q: Queries, conn: Any, tasks: list[Any]) -> bool:
    """Create the tags these tasks use that are new; whether they use any."""
    names = sorted({tag for task in tasks for tag in task.tags})
    if names:
        q.insert_tag.many(conn, [{"name": n} for n in names])
    return bool(names)
