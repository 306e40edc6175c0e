"""The to-do rules: what a task is, and the checks every input goes through.

Every check raises InvalidInput (exit status 2) with a message that says
what is wrong. Nothing here touches a database: see ``store.py``.
"""

from __future__ import annotations

import os
from datetime import date

from minidb import records
from minidb.errors import InvalidInput
from minidb.records import now
from minidb.search import search_key
from minidb.values import check_text, date_to_json, is_iso_date_text, timestamp_to_json

# This module is on the path of `todo list` and `todo add`, which start in a
# few milliseconds: it imports no re, uuid or dataclasses (~25 ms together)
# unless an import's check needs them.
TYPE_CHECKING = False  # not typing's: see minidb/db/engines/base.py
if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime
    from typing import Any

    from minidb.imports import Item
    from minidb.records import Record

PRIORITIES = ("high", "medium", "low")
MAX_DESCRIPTION = 1000
#: A tag: 1 to 50 of these.
_TAG_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")
_CANONICAL_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


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
    if not is_iso_date_text(check_text(value, "due date").strip()):
        raise InvalidInput(f"due date must be YYYY-MM-DD, not {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{value!r} is not a real date") from None


def parse_tag(value: str) -> str:
    """A lower-cased word of letters, digits, ``-`` and ``_``."""
    tag = check_text(value, "tag").strip().lower()
    if not (0 < len(tag) <= 50 and _TAG_CHARACTERS.issuperset(tag)):
        raise InvalidInput(
            f"tag {value!r} must be 1-50 letters, digits, '-' or '_' (no spaces or other signs)"
        )
    return tag


def parse_tags(values: Iterable[str]) -> list[str]:
    """Sorted, each once."""
    return sorted({parse_tag(v) for v in values})


def new_uid() -> str:
    """A task's stable uid: a random (version 4) UUID, made when the task is.

    ``str(uuid.uuid4())``, written out: importing uuid costs ``todo add`` ~7 ms.
    """
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def parse_uid(value: str) -> str:
    """A task uid in its canonical form (lower-case, hyphenated), so both engines compare alike."""
    import re
    import uuid

    if re.fullmatch(_CANONICAL_UUID, value):  # as export writes them: nothing to normalise
        return value
    text = check_text(value, "uid").strip()
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise InvalidInput(f"uid must be a UUID (e.g. 0b5c9d3e-...), not {value!r}") from None


class NewTask:
    """A validated task ready to insert (from ``add`` or one import record).

    A plain class, not a dataclass: importing dataclasses would cost ``todo
    add`` ~13 ms, more than everything else it does.
    """

    __slots__ = ("completed", "completed_at", "created_at", "description", "due", "priority", "tags",
                 "uid")

    def __init__(self, description: str, uid: str | None = None, priority: str | None = None,
                 due: date | None = None, tags: Iterable[str] = (), completed: bool = False,
                 created_at: datetime | None = None, completed_at: datetime | None = None) -> None:
        self.description = description
        self.uid = new_uid() if uid is None else uid
        self.priority = priority
        self.due = due
        self.tags = list(tags)
        self.completed = completed
        self.created_at = now() if created_at is None else created_at
        self.completed_at = completed_at

    def __repr__(self) -> str:
        return f"NewTask(uid={self.uid!r}, description={self.description!r})"

    def fields(self) -> dict[str, Any]:
        """Every stored field but the id and the uid."""
        return {
            "description": self.description,
            "search_key": search_key(self.description),
            "completed": self.completed,
            "priority": self.priority,
            "due": self.due,
            "created_at": self.created_at,
            "completed_at": self.completed_at,
        }

    def row(self) -> dict[str, Any]:
        """The parameters of the insert_task query."""
        return {"uid": self.uid, **self.fields()}


class Change(records.Change):
    """What ``edit`` changes; a plain class for the reason NewTask is."""

    __slots__ = ("add_tags", "clear_due", "clear_priority", "description", "due", "priority",
                 "remove_tags")

    def __init__(self, description: str | None = None, due: date | None = None,
                 clear_due: bool = False, priority: str | None = None, clear_priority: bool = False,
                 add_tags: Iterable[str] = (), remove_tags: Iterable[str] = ()) -> None:
        self.description = description
        self.due = due
        self.clear_due = clear_due
        self.priority = priority
        self.clear_priority = clear_priority
        self.add_tags = list(add_tags)
        self.remove_tags = list(remove_tags)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass's is


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
