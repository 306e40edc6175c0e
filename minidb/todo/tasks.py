"""The to-do domain: validating tasks and the operations on them (SPEC §3).

Engine-neutral: SQL lives in ``sql/todo/``, the schema in
``migrations/todo/``. Each operation is one transaction, so a command that
names several ids changes all of them or none.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from minidb.db import Database, load
from minidb.db.queries import KEY_RANGE
from minidb.errors import InvalidInput, NotFound, plural
from minidb.formats import check_text, date_to_json, timestamp_from_json, timestamp_to_json
from minidb.imports import Candidate, ImportPolicy, ImportRun, Item
from minidb.search import like_pattern, search_key
from minidb.todo.importing import import_tasks, task_row

PRIORITIES = ("high", "medium", "low")
MAX_DESCRIPTION = 1000
_TAG = re.compile(r"[a-z0-9_-]{1,50}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# --- validation: every check raises InvalidInput (exit 2) with a clear message


def parse_description(text: str) -> str:
    description = check_text(text, "description").strip()
    if not description:
        raise InvalidInput("description must not be blank")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"description is {len(description)} characters; the limit is {MAX_DESCRIPTION}"
        )
    return description


def parse_priority(value: str | None) -> str | None:
    if value is None:
        return None
    priority = check_text(value, "priority").strip().lower()
    if priority not in PRIORITIES:
        raise InvalidInput(f"priority must be one of {', '.join(PRIORITIES)}, not {value!r}")
    return priority


def parse_due(value: str | None) -> date | None:
    if value is None:
        return None
    if not _DATE.fullmatch(check_text(value, "due date").strip()):
        raise InvalidInput(f"due date must be YYYY-MM-DD, not {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{value!r} is not a real date") from None


def parse_tag(value: str) -> str:
    tag = check_text(value, "tag").strip().lower()
    if not _TAG.fullmatch(tag):
        raise InvalidInput(
            f"tag {value!r} must be 1-50 letters, digits, '-' or '_' (no spaces or other signs)"
        )
    return tag


def parse_tags(values: Iterable[str]) -> list[str]:
    return sorted({parse_tag(v) for v in values})


def now() -> datetime:
    return datetime.now(UTC)


def new_uid() -> str:
    return str(uuid.uuid4())


def parse_uid(value: str) -> str:
    """A task uid in its canonical form (lower-case, hyphenated), so both engines compare alike."""
    if _CANONICAL_UUID.fullmatch(value):  # as export writes them: nothing to normalise
        return value
    text = check_text(value, "uid").strip()
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise InvalidInput(f"uid must be a UUID (e.g. 0b5c9d3e-...), not {value!r}") from None


# --- the task record


@dataclass
class NewTask:
    """A validated task ready to insert (from ``add`` or one import record)."""

    description: str
    uid: str = field(default_factory=new_uid)
    priority: str | None = None
    due: date | None = None
    tags: list[str] = field(default_factory=list)
    completed: bool = False
    created_at: datetime = field(default_factory=now)
    completed_at: datetime | None = None


def task_json(row: Any) -> dict[str, Any]:
    """The task object of SPEC §3 from a ``task_rows`` row."""
    return {
        "id": row["id"],
        "uid": str(row["uid"]),
        "description": row["description"],
        "completed": bool(row["completed"]),
        "priority": row["priority"],
        "due": date_to_json(row["due"]),
        "tags": sorted(row["tags"].split(",")) if row["tags"] else [],
        "created_at": timestamp_to_json(row["created_at"]),
        "completed_at": timestamp_to_json(row["completed_at"]),
    }


RECORD_FIELDS = ("uid", "description", "completed", "priority", "due", "tags", "created_at", "completed_at")


def task_from_record(record: Any, where: str) -> NewTask:
    """Validate one imported task object (as ``export`` writes them)."""

    def bad(message: str) -> InvalidInput:
        return InvalidInput(f"{where}: {message}")

    if not isinstance(record, dict):
        raise bad("expected a task object")
    unknown = sorted(set(record) - set(RECORD_FIELDS) - {"id"})
    if unknown:
        raise bad(f"unknown field(s) {', '.join(unknown)}")
    try:
        description = record.get("description")
        if not isinstance(description, str):
            raise InvalidInput("description must be a string")
        completed = record.get("completed", False)
        if not isinstance(completed, bool):
            raise InvalidInput("completed must be true or false")
        for name in ("priority", "due"):
            if record.get(name) is not None and not isinstance(record[name], str):
                raise InvalidInput(f"{name} must be a string or null")
        tags = record.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise InvalidInput("tags must be a list of strings")
        created = record.get("created_at")
        finished = record.get("completed_at")
        uid = record.get("uid")
        if uid is not None and not isinstance(uid, str):
            raise InvalidInput("uid must be a string")
        return NewTask(
            uid=new_uid() if uid is None else parse_uid(uid),
            description=parse_description(description),
            priority=parse_priority(record.get("priority")),
            due=parse_due(record.get("due")),
            tags=parse_tags(tags),
            completed=completed,
            created_at=now() if created is None else timestamp_from_json(created, "created_at"),
            completed_at=None if finished is None else timestamp_from_json(finished, "completed_at"),
        )
    except InvalidInput as error:
        raise bad(str(error)) from None


# --- operations


@dataclass
class Change:
    """What ``edit`` changes; None means leave as it is."""

    description: str | None = None
    due: date | None = None
    clear_due: bool = False
    priority: str | None = None
    clear_priority: bool = False
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return (
            self.description is None and self.due is None and not self.clear_due
            and self.priority is None and not self.clear_priority
            and not self.add_tags and not self.remove_tags
        )


class TaskList:
    """The tasks of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.q = load("todo", db.engine)

    def add(self, task: NewTask) -> dict[str, Any]:
        with self.db.transaction() as conn:
            task_id = self._insert(conn, task)
            return task_json(self.q.get_task(conn, id=task_id))

    def _insert(self, conn: Any, task: NewTask) -> int:
        task_id = self.q.insert_task(conn, **task_row(task))
        self._tag(conn, task_id, task.tags)
        return task_id

    def _tag(self, conn: Any, task_id: int, tags: Iterable[str]) -> None:
        for tag in tags:
            self.q.insert_tag(conn, name=tag)
            self.q.link_tag(conn, task_id=task_id, name=tag)

    def list(
        self, completed: bool | None = False, tag: str | None = None, search: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """The matching tasks in list order, streamed inside one read transaction."""
        with self.db.transaction(write=False) as conn:
            for row in self.q.iterate(
                conn, "list_tasks",
                completed=completed,
                tag=tag,
                pattern=None if search is None else like_pattern(check_text(search, "search text")),
            ):
                yield task_json(row)

    def get(self, task_id: int) -> dict[str, Any]:
        with self.db.transaction(write=False) as conn:
            return self._existing(conn, [task_id])[0]

    def _existing(self, conn: Any, ids: list[int]) -> list[dict[str, Any]]:
        """The tasks with these ids, or NotFound naming every missing id."""
        found = {}
        for task_id in ids:
            row = self.q.get_task(conn, id=task_id) if task_id in KEY_RANGE else None
            if row is not None:
                found[task_id] = task_json(row)
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise NotFound(f"no task with id {', '.join(missing)}; nothing was changed")
        return [found[i] for i in ids]

    def complete(self, ids: list[int]) -> list[tuple[dict[str, Any], bool]]:
        """Mark tasks done; return each task and whether this call completed it."""
        return self._set_status(ids, lambda conn, task_id: self.q.complete_task(
            conn, id=task_id, completed_at=now()))

    def reopen(self, ids: list[int]) -> list[tuple[dict[str, Any], bool]]:
        """Mark tasks pending; return each task and whether this call reopened it."""
        return self._set_status(ids, lambda conn, task_id: self.q.reopen_task(conn, id=task_id))

    def _set_status(self, ids: list[int], change: Any) -> list[tuple[dict[str, Any], bool]]:
        """Apply ``change(conn, id)`` (a :rowcount query) to every task, or to none."""
        with self.db.transaction() as conn:
            result = []
            for task in self._existing(conn, ids):
                changed = change(conn, task["id"]) == 1
                result.append((task_json(self.q.get_task(conn, id=task["id"])), changed))
            return result

    def edit(self, task_id: int, change: Change) -> dict[str, Any]:
        with self.db.transaction() as conn:
            (task,) = self._existing(conn, [task_id])
            description = change.description or task["description"]
            due = None if change.clear_due else change.due or parse_due(task["due"])
            priority = None if change.clear_priority else change.priority or task["priority"]
            self.q.update_task(
                conn, id=task_id, description=description, search_key=search_key(description),
                due=due, priority=priority,
            )
            for tag in change.remove_tags:
                self.q.unlink_tag(conn, task_id=task_id, name=tag)
            self._tag(conn, task_id, change.add_tags)
            return task_json(self.q.get_task(conn, id=task_id))

    def delete(self, ids: list[int]) -> list[dict[str, Any]]:
        with self.db.transaction() as conn:
            tasks = self._existing(conn, ids)
            for task in tasks:
                self.q.delete_task(conn, id=task["id"])
            return tasks

    def export(self) -> Iterator[dict[str, Any]]:
        """Every task in id order, streamed inside one read transaction."""
        with self.db.transaction(write=False) as conn:
            for row in self.q.iterate(conn, "all_tasks"):
                yield task_json(row)

    def import_tasks(self, candidates: Iterable[Candidate], policy: ImportPolicy) -> ImportRun[NewTask]:
        """Import exported task records in one transaction, as ``policy`` says (see importing)."""
        return import_tasks(self.db, self.q, candidates, record_to_task, policy)


def record_to_task(item: Item[Any]) -> NewTask:
    """One import record (a JSON object, or a CSV row as a dict) as a validated task."""
    if item.where.startswith("line "):
        return task_from_record(_csv_record(item.value, item.where), item.where)
    return task_from_record(item.value, item.where)


def _csv_record(row: dict[str, str], where: str) -> dict[str, Any]:
    """A CSV row of an export as the JSON record it stands for."""
    completed = row.get("completed", "").strip().lower()
    if completed not in ("", "true", "false", "1", "0", "yes", "no"):
        raise InvalidInput(f"{where}: completed must be true or false, not {completed!r}")
    return {
        "uid": row.get("uid") or None,
        "description": row["description"],
        "completed": completed in ("true", "1", "yes"),
        "priority": row.get("priority") or None,
        "due": row.get("due") or None,
        "tags": (row.get("tags") or "").split(),
        "created_at": row.get("created_at") or None,
        "completed_at": row.get("completed_at") or None,
    }


def describe_count(count: int) -> str:
    return plural(count, "task")
