"""The to-do command line: ``python -m minidb.todo [--db URL] COMMAND``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

import click

from minidb import __version__
from minidb import cli as shared
from minidb.config import database_url
from minidb.errors import InvalidInput
from minidb.formats import read_csv, read_json_array, sniff_format, write_csv, write_json_array
from minidb.records import Record
from minidb.todo.model import (
    PRIORITIES,
    RECORD_FIELDS,
    Change,
    NewTask,
    parse_description,
    parse_due,
    parse_priority,
    parse_tag,
    parse_tags,
    task_from_record,
)
from minidb.todo.store import TaskList

URL_VARIABLES = ("TODO_DATABASE_URL",)
CSV_HEADER = ["id", *RECORD_FIELDS]


@click.group(cls=shared.App, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@shared.db_option(URL_VARIABLES)
@click.version_option(__version__, message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None) -> None:
    """A to-do list on SQLite (default) or PostgreSQL."""
    shared.show_help_without_command(ctx)
    ctx.obj = shared.Settings("todo", database_url(db_url, URL_VARIABLES, "todo.db"))


pass_settings = click.make_pass_decorator(shared.Settings)


def _line(task: Record) -> str:
    mark = "x" if task["completed"] else " "
    details = [f"due {task['due']}" if task["due"] else "", task["priority"] or ""]
    details += [f"#{t}" for t in task["tags"]]
    extra = "  (" + ", ".join(d for d in details if d) + ")" if any(details) else ""
    return f"{task['id']:>4} [{mark}] {task['description']}{extra}"


def _show(task: Record) -> str:
    return shared.show_table([
        ("id", task["id"]),
        ("description", task["description"]),
        ("status", "done" if task["completed"] else "pending"),
        ("priority", task["priority"] or "-"),
        ("due", task["due"] or "-"),
        ("tags", ", ".join(task["tags"]) or "-"),
        ("created", task["created_at"]),
        ("completed", task["completed_at"] or "-"),
    ])


priority_choice = click.Choice(PRIORITIES, case_sensitive=False)


@cli.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--due", metavar="YYYY-MM-DD", help="Due date.")
@click.option("--priority", type=priority_choice, help="high, medium or low.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Tag (repeatable).")
@shared.json_option
@pass_settings
def add(settings: shared.Settings, words: tuple[str, ...], due: str | None, priority: str | None,
        tags: tuple[str, ...], as_json: bool) -> None:
    """Add a task; the words are joined by spaces."""
    task = NewTask(
        description=parse_description(" ".join(words)),
        priority=parse_priority(priority),
        due=parse_due(due),
        tags=parse_tags(tags),
    )
    with shared.open_store(settings, TaskList) as tasks:
        added = tasks.add(task)
    shared.emit([added], as_json, [f"Added {TaskList.describe(added)}"])


@cli.command(name="list")
@click.option("--all", "status", flag_value="all", help="Pending and completed tasks.")
@click.option("--done", "status", flag_value="done", help="Completed tasks only.")
@click.option("--tag", metavar="TAG", help="Only tasks with this tag.")
@click.option("--search", metavar="TEXT", help="Case-insensitive substring of the description.")
@shared.json_option
@pass_settings
def list_(settings: shared.Settings, status: str | None, tag: str | None, search: str | None,
          as_json: bool) -> None:
    """List tasks: pending by default, by due date, then priority, then id."""
    completed = {"all": None, "done": True}.get(status or "", False)
    tag = None if tag is None else parse_tag(tag)
    with shared.open_store(settings, TaskList) as tasks:
        shared.emit_records(tasks.list(completed=completed, tag=tag, search=search), as_json,
                            _line, "No tasks.")


@cli.command()
@click.argument("task_id", metavar="ID", type=int)
@shared.json_option
@pass_settings
def show(settings: shared.Settings, task_id: int, as_json: bool) -> None:
    """Show one task."""
    with shared.open_store(settings, TaskList) as tasks:
        task = tasks.get(task_id)
    shared.emit([task], as_json, [_show(task)])


@cli.command()
@shared.ids_argument
@shared.json_option
@pass_settings
def done(settings: shared.Settings, ids: tuple[int, ...], as_json: bool) -> None:
    """Mark tasks completed (all or none, if an id is unknown)."""
    with shared.open_store(settings, TaskList) as tasks:
        results = tasks.complete(shared.unique_ids(ids))
    _emit_status(results, as_json, "Completed", "Already done")


@cli.command()
@shared.ids_argument
@shared.json_option
@pass_settings
def reopen(settings: shared.Settings, ids: tuple[int, ...], as_json: bool) -> None:
    """Mark tasks pending again (all or none, if an id is unknown)."""
    with shared.open_store(settings, TaskList) as tasks:
        results = tasks.reopen(shared.unique_ids(ids))
    _emit_status(results, as_json, "Reopened", "Already pending")


def _emit_status(results: list[tuple[Record, bool]], as_json: bool, changed: str,
                 unchanged: str) -> None:
    lines = [f"{changed if was_changed else unchanged} {TaskList.describe(t)}"
             for t, was_changed in results]
    shared.emit([t for t, _ in results], as_json, lines)


@cli.command()
@click.argument("task_id", metavar="ID", type=int)
@click.option("--description", metavar="TEXT", help="New description.")
@click.option("--due", metavar="YYYY-MM-DD", help="New due date.")
@click.option("--no-due", is_flag=True, help="Remove the due date.")
@click.option("--priority", type=priority_choice, help="New priority.")
@click.option("--no-priority", is_flag=True, help="Remove the priority.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Add a tag (repeatable).")
@click.option("--untag", "untags", multiple=True, metavar="TAG", help="Remove a tag (repeatable).")
@shared.json_option
@pass_settings
def edit(settings: shared.Settings, task_id: int, description: str | None, due: str | None,
         no_due: bool, priority: str | None, no_priority: bool, tags: tuple[str, ...],
         untags: tuple[str, ...], as_json: bool) -> None:
    """Change only what is given."""
    shared.refuse_contradictions(due=(due, no_due), priority=(priority, no_priority))
    change = Change(
        description=None if description is None else parse_description(description),
        due=parse_due(due),
        clear_due=no_due,
        priority=parse_priority(priority),
        clear_priority=no_priority,
        add_tags=parse_tags(tags),
        remove_tags=parse_tags(untags),
    )
    shared.require_change(change)
    with shared.open_store(settings, TaskList) as tasks:
        task = tasks.edit(task_id, change)
    shared.emit([task], as_json, [f"Updated {TaskList.describe(task)}"])


def _write_csv(tasks: Iterator[Record], out: IO[str]) -> None:
    write_csv(CSV_HEADER, ([
        task["id"], task["description"], "true" if task["completed"] else "false",
        task["priority"], task["due"], " ".join(task["tags"]), task["created_at"],
        task["completed_at"],
    ] for task in tasks), out)


EXPORT_WRITERS = {"json": write_json_array, "csv": _write_csv}


@cli.command()
@shared.format_option(*EXPORT_WRITERS)
@pass_settings
def export(settings: shared.Settings, fmt: str) -> None:
    """Write every task to stdout, streamed."""
    with shared.open_store(settings, TaskList) as tasks:
        shared.export_records(tasks.export(), EXPORT_WRITERS[fmt])


def _records(source: IO[str], name: str) -> Iterator[NewTask]:
    """Validated tasks from a JSON or CSV export, one at a time."""
    fmt, stream = sniff_format(name, source, ("json", "csv"))
    if fmt == "json":
        for index, record in enumerate(read_json_array(stream), start=1):
            yield task_from_record(record, f"record {index}")
        return
    for line, row in read_csv(stream, ["description"], CSV_HEADER[:1] + CSV_HEADER[2:]):
        completed = row.get("completed", "").strip().lower()
        if completed not in ("", "true", "false", "1", "0", "yes", "no"):
            raise InvalidInput(f"line {line}: completed must be true or false, not {completed!r}")
        record = {
            "description": row["description"],
            "completed": completed in ("true", "1", "yes"),
            "priority": row.get("priority") or None,
            "due": row.get("due") or None,
            "tags": (row.get("tags") or "").split(),
            "created_at": row.get("created_at") or None,
            "completed_at": row.get("completed_at") or None,
        }
        yield task_from_record(record, f"line {line}")


@cli.command(name="import")
@click.argument("file", metavar="FILE|-")
@pass_settings
def import_(settings: shared.Settings, file: str) -> None:
    """Import tasks from a JSON or CSV export: all of them or, on any error, none."""
    with shared.open_input(file) as source, shared.open_store(settings, TaskList) as tasks:
        count = tasks.import_tasks(_records(source, file))
    click.echo(f"Imported {TaskList.describe_count(count)}.")


cli.add_command(shared.delete_command(TaskList))
cli.add_command(shared.migrate_command("todo"))
