"""The tasks of one database: each operation is one transaction.

Engine-neutral: SQL lives in ``sql/todo/``, the schema in ``migrations/todo/``.
"""

from __future__ import annotations

from minidb.records import Record, RecordStore, now
from minidb.search import like_pattern, search_key
from minidb.todo.model import parse_due, task_json
from minidb.values import check_text

TYPE_CHECKING = False  # not typing's: see minidb/db/engines/base.py
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Any, TypeVar

    from minidb.db.queries import RowsQuery
    from minidb.imports import Candidate, ImportPolicy, ImportRun
    from minidb.todo.model import Change, NewTask

    T = TypeVar("T")


class TaskList(RecordStore):
    """The tasks of one database."""

    app = "todo"
    noun = "task"
    title = "description"
    to_json = staticmethod(task_json)

    def _read(self, conn: Any, record_id: int) -> Any:
        return self.q.get_task(conn, id=record_id)

    def _remove(self, conn: Any, record_id: int) -> None:
        self.q.delete_task(conn, id=record_id)

    def _every(self) -> RowsQuery:
        return self.q.all_tasks

    def add(self, task: NewTask) -> Record:
        with self.db.transaction() as conn:
            task_id = self.q.insert_task(conn, **task.row())
            self._tag(conn, task_id, task.tags)
            return task_json(self.q.get_task(conn, id=task_id))

    def _tag(self, conn: Any, task_id: int, tags: Iterable[str]) -> None:
        for tag in tags:
            self.q.insert_tag(conn, name=tag)
            self.q.link_tag(conn, task_id=task_id, name=tag)

    def list(
        self, completed: bool | None = False, tag: str | None = None, search: str | None = None,
        each: Callable[[Any], T] | None = None,
    ) -> Iterator[T]:
        """The matching tasks in list order, streamed inside one read transaction.

        ``completed`` None means both; ``search`` is a literal,
        case-insensitive substring of the description. Each row becomes a
        task object, or what ``each(row)`` makes of it (a line of text
        needs no task object).
        """
        pattern = None if search is None else like_pattern(check_text(search, "search text"))
        return self._stream(self.q.list_tasks, each, completed=completed, tag=tag, pattern=pattern)

    def complete(self, ids: list[int]) -> list[tuple[Record, bool]]:
        """Mark tasks done; return each task and whether this call completed it."""
        return self._set_status(ids, lambda conn, task_id: self.q.complete_task(
            conn, id=task_id, completed_at=now()))

    def reopen(self, ids: list[int]) -> list[tuple[Record, bool]]:
        """Mark tasks pending; return each task and whether this call reopened it."""
        return self._set_status(ids, lambda conn, task_id: self.q.reopen_task(conn, id=task_id))

    def _set_status(self, ids: list[int],
                    change: Callable[[Any, int], int]) -> list[tuple[Record, bool]]:
        """Apply ``change(conn, id)`` (a :rowcount query) to every task, or to none."""
        with self.db.transaction() as conn:
            result = []
            for task in self._existing(conn, ids):
                changed = change(conn, task["id"]) == 1
                result.append((task_json(self.q.get_task(conn, id=task["id"])), changed))
            return result

    def edit(self, task_id: int, change: Change) -> Record:
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

    def import_tasks(self, candidates: Iterable[Candidate], policy: ImportPolicy) -> ImportRun[NewTask]:
        """Import exported task records in one transaction, as ``policy`` says (see importing)."""
        from minidb.todo.importing import import_tasks
        from minidb.todo.model import record_to_task

        return import_tasks(self.db, self.q, candidates, record_to_task, policy)
