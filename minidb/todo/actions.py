"""What ``todo add`` and ``todo list`` do, free of click.

These two run dozens of times a day, so both the click commands
(:mod:`minidb.todo.cli`) and the fast path (:mod:`minidb.todo.fastpath`)
call these functions: one behaviour, whichever parsed the command line.
"""

from __future__ import annotations

from minidb.config import database_url
from minidb.output import emit, emit_records
from minidb.records import Settings, open_store
from minidb.todo.model import NewTask, parse_description, parse_priority, parse_tag, parse_tags
from minidb.todo.store import TaskList

TYPE_CHECKING = False  # not typing's: see minidb/db/engines/base.py
if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date
    from typing import Any

#: Where the database URL comes from when ``--db`` is not given, in order.
URL_VARIABLES = ("TODO_DATABASE_URL",)


def settings(db_url: str | None = None) -> Settings:
    """The to-do database: ``--db``, then TODO_DATABASE_URL, then ``todo.db`` in the data dir."""
    return Settings("todo", database_url(db_url, URL_VARIABLES, "todo.db"))


def parse_due_option(value: str | None) -> date | None:
    """``--due`` as the user wrote it, counted from today in the local time zone."""
    if value is None:
        return None
    from minidb.todo.dates import local_today, parse_natural_date  # `list` never needs it

    return parse_natural_date(value, local_today())


def add(settings: Settings, words: Sequence[str], due: str | None = None, priority: str | None = None,
        tags: Sequence[str] = (), as_json: bool = False) -> None:
    """``add WORDS... [--due DATE] [--priority P] [--tag T]... [--json]``."""
    task = NewTask(
        description=parse_description(" ".join(words)),
        priority=parse_priority(priority),
        due=parse_due_option(due),
        tags=parse_tags(tags),
    )
    with open_store(settings, TaskList) as tasks:
        added = tasks.add(task)
    emit([added], as_json, [f"Added {TaskList.describe(added)}"])


def list_tasks(settings: Settings, status: str | None = None, tag: str | None = None,
               search: str | None = None, as_json: bool = False) -> None:
    """``list [--all | --done] [--tag T] [--search TEXT] [--json]``: ``status`` is None, "all" or "done"."""
    completed = {"all": None, "done": True}.get(status or "", False)
    tag = None if tag is None else parse_tag(tag)
    with open_store(settings, TaskList) as tasks:
        # The text listing formats each row as it comes: no task object in between.
        found = tasks.list(completed=completed, tag=tag, search=search, each=None if as_json else line)
        emit_records(found, as_json, str, "No tasks.")


def line(row: Any) -> str:
    """A row of the list_tasks query as ``list`` shows it:
    ``   7 [ ] Buy milk  (due 2026-12-01, high, #home)``.

    Called for every task listed, so it builds no more than it must.
    """
    text = f"{row['id']:>4} [{'x' if row['completed'] else ' '}] {row['description']}"
    due, priority, tags = row["due"], row["priority"], row["tags"]
    if not (due or priority or tags):
        return text
    details = [f"due {due}"] if due else []
    if priority:
        details.append(priority)
    if tags:
        details += ["#" + tag for tag in sorted(tags.split(","))]
    return f"{text}  ({', '.join(details)})"
