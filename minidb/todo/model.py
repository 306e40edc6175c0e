"""The to-do rules: what a task is, and the checks every input goes through.

Every check raises InvalidInput (exit status 2) with a message that says
what is wrong. Nothing here touches a database: see ``store.py``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from minidb import records
from minidb.errors import InvalidInput
from minidb.formats import check_text, date_to_json, timestamp_to_json
from minidb.imports import Item
from minidb.records import Record, now

PRIORITIES = ("high", "medium", "low")
MAX_DESCRIPTION = 1000
_TAG = re.compile(r"[a-z0-9_-]{1,50}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def parse_description(text: str) -> str:
    """1 to 1000 characters once trimmed."""
    description = check_text(text, "description").strip()
    if not description:
        raise InvalidInput("description must not be blank")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"description is {len(description)} characters; the limit is {MAX_DESCRIPTION}"
        )
    return description


def parse_priority(value: str | None) -> str | None:
    """``high``, ``medium`` or ``low`` in any case, or None."""
    if value is None:
        return None
    priority = check_text(value, "priority").strip().lower()
    if priority not in PRIORITIES:
        raise InvalidInput(f"priority must be one of {', '.join(PRIORITIES)}, not {value!r}")
    return priority


def parse_due(value: str | None) -> date | None:
    """A real date written ``YYYY-MM-DD``, or None."""
    if value is None:
        return None
    if not _DATE.fullmatch(check_text(value, "due date").strip()):
        raise InvalidInput(f"due date must be YYYY-MM-DD, not {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{value!r} is not a real date") from None


def parse_tag(value: str) -> str:
    """A lower-cased word of letters, digits, ``-`` and ``_``."""
    tag = check_text(value, "tag").strip().lower()
    if not _TAG.fullmatch(tag):
        raise InvalidInput(
            f"tag {value!r} must be 1-50 letters, digits, '-' or '_' (no spaces or other signs)"
        )
    return tag


def parse_tags(values: Iterable[str]) -> list[str]:
    """Sorted, each once."""
    return sorted({parse_tag(v) for v in values})


def new_uid() -> str:
    """A task's stable uid: a random UUID, made when the task is."""
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


@dataclass
class Change(records.Change):
    """What ``edit`` changes."""

    description: str | None = None
    due: date | None = None
    clear_due: bool = False
    priority: str | None = None
    clear_priority: bool = False
    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)


def task_json(row: Any) -> Record:
    """The task object (what ``--json`` prints and export writes) of a ``task_rows`` row.

    Timestamps are ISO 8601 in UTC with a ``Z``; tags a sorted list.
    """
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
    """Validate one imported task object (as ``export`` writes them); ``where`` names it."""
    with records.record_at(where):
        records.check_fields(record, "task", RECORD_FIELDS)
        description = records.string(record, "description")
        completed = record.get("completed", False)
        if not isinstance(completed, bool):
            raise InvalidInput("completed must be true or false")
        priority = records.optional_string(record, "priority")
        due = records.optional_string(record, "due")
        tags = record.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise InvalidInput("tags must be a list of strings")
        uid = records.optional_string(record, "uid")
        return NewTask(
            uid=new_uid() if uid is None else parse_uid(uid),
            description=parse_description(description),
            priority=parse_priority(priority),
            due=parse_due(due),
            tags=parse_tags(tags),
            completed=completed,
            created_at=records.optional_timestamp(record, "created_at") or now(),
            completed_at=records.optional_timestamp(record, "completed_at"),
        )


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
