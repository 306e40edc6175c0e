"""The to-do command line: ``python -m minidb.todo [--db URL] COMMAND`` (SPEC §3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import click

from minidb import __version__
from minidb.cli import (
    App,
    Settings,
    closing_stream,
    db_option,
    emit_records,
    format_option,
    ids_argument,
    json_option,
    migrate_command,
    open_database,
    open_input,
    output_stream,
    print_json,
    show_help_without_command,
    unique_ids,
)
from minidb.config import database_url
from minidb.formats import sniff_format, write_csv, write_json_array
from minidb.imports import (
    REPLACE,
    Candidate,
    ImportPolicy,
    csv_records,
    json_records,
    on_conflict_option,
    skip_invalid_option,
)
from minidb.progress import counted
from minidb.todo.dates import local_today, parse_natural_date
from minidb.todo.tasks import (
    RECORD_FIELDS,
    Change,
    NewTask,
    TaskList,
    parse_description,
    parse_priority,
    parse_tag,
    parse_tags,
)

URL_VARIABLES = ("TODO_DATABASE_URL",)
CSV_HEADER = ["id", *RECORD_FIELDS]


@click.group(cls=App, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@db_option(URL_VARIABLES)
@click.version_option(__version__, message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None) -> None:
    """A to-do list on SQLite (default) or PostgreSQL."""
    show_help_without_command(ctx)
    ctx.obj = Settings("todo", database_url(db_url, URL_VARIABLES, "todo.db"))


pass_settings = click.make_pass_decorator(Settings)


@contextmanager
def tasks_of(settings: Settings) -> Iterator[TaskList]:
    """The task list of the chosen database, open for one command."""
    with open_database(settings) as db:
        yield TaskList(db)


def _line(task: dict[str, Any]) -> str:
    mark = "x" if task["completed"] else " "
    details = [f"due {task['due']}" if task["due"] else "", task["priority"] or ""]
    details += [f"#{t}" for t in task["tags"]]
    extra = "  (" + ", ".join(d for d in details if d) + ")" if any(details) else ""
    return f"{task['id']:>4} [{mark}] {task['description']}{extra}"


def _show(task: dict[str, Any]) -> str:
    rows = [
        ("id", task["id"]),
        ("description", task["description"]),
        ("status", "done" if task["completed"] else "pending"),
        ("priority", task["priority"] or "-"),
        ("due", task["due"] or "-"),
        ("tags", ", ".join(task["tags"]) or "-"),
        ("created", task["created_at"]),
        ("completed", task["completed_at"] or "-"),
    ]
    return "\n".join(f"{name:<12}{value}" for name, value in rows)


def _emit(results: list[dict[str, Any]], as_json: bool, lines: list[str]) -> None:
    """One object for one task, an array for several; or the text lines."""
    if as_json:
        print_json(results[0] if len(results) == 1 else results)
    else:
        for line in lines:
            click.echo(line)


DUE_HELP = ("Due date: YYYY-MM-DD, today, tomorrow, a weekday (fri or friday: the next one "
            "after today), +Nd or +Nw; in the local time zone.")


def parse_due_option(value: str | None) -> date | None:
    """``--due`` as the user wrote it, counted from today in the local time zone."""
    return None if value is None else parse_natural_date(value, local_today())


priority_choice = click.Choice(["high", "medium", "low"], case_sensitive=False)


@cli.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--due", metavar="DATE", help=DUE_HELP)
@click.option("--priority", type=priority_choice, help="high, medium or low.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Tag (repeatable).")
@json_option
@pass_settings
def add(settings: Settings, words: tuple[str, ...], due: str | None, priority: str | None,
        tags: tuple[str, ...], as_json: bool) -> None:
    """Add a task; the words are joined by spaces."""
    task = NewTask(
        description=parse_description(" ".join(words)),
        priority=parse_priority(priority),
        due=parse_due_option(due),
        tags=parse_tags(tags),
    )
    with tasks_of(settings) as tasks:
        added = tasks.add(task)
    _emit([added], as_json, [f"Added task {added['id']}: {added['description']}"])


@cli.command(name="list")
@click.option("--all", "status", flag_value="all", help="Pending and completed tasks.")
@click.option("--done", "status", flag_value="done", help="Completed tasks only.")
@click.option("--tag", metavar="TAG", help="Only tasks with this tag.")
@click.option("--search", metavar="TEXT", help="Case-insensitive substring of the description.")
@json_option
@pass_settings
def list_(settings: Settings, status: str | None, tag: str | None, search: str | None,
          as_json: bool) -> None:
    """List tasks: pending by default, by due date, then priority, then id."""
    completed = {"all": None, "done": True}.get(status or "", False)
    tag = None if tag is None else parse_tag(tag)
    with tasks_of(settings) as tasks:
        emit_records(tasks.list(completed=completed, tag=tag, search=search), as_json, _line,
                     "No tasks.")


@cli.command()
@click.argument("task_id", metavar="ID", type=int)
@json_option
@pass_settings
def show(settings: Settings, task_id: int, as_json: bool) -> None:
    """Show one task."""
    with tasks_of(settings) as tasks:
        task = tasks.get(task_id)
    _emit([task], as_json, [_show(task)])


@cli.command()
@ids_argument
@json_option
@pass_settings
def done(settings: Settings, ids: tuple[int, ...], as_json: bool) -> None:
    """Mark tasks completed (all or none, if an id is unknown)."""
    with tasks_of(settings) as tasks:
        results = tasks.complete(unique_ids(ids))
    _emit_status(results, as_json, "Completed", "Already done")


@cli.command()
@ids_argument
@json_option
@pass_settings
def reopen(settings: Settings, ids: tuple[int, ...], as_json: bool) -> None:
    """Mark tasks pending again (all or none, if an id is unknown)."""
    with tasks_of(settings) as tasks:
        results = tasks.reopen(unique_ids(ids))
    _emit_status(results, as_json, "Reopened", "Already pending")


def _emit_status(results: list[tuple[dict[str, Any], bool]], as_json: bool, changed: str,
                 unchanged: str) -> None:
    lines = [f"{changed if was_changed else unchanged} task {t['id']}: {t['description']}"
             for t, was_changed in results]
    _emit([t for t, _ in results], as_json, lines)


@cli.command()
@click.argument("task_id", metavar="ID", type=int)
@click.option("--description", metavar="TEXT", help="New description.")
@click.option("--due", metavar="DATE", help=f"New {DUE_HELP[0].lower()}{DUE_HELP[1:]}")
@click.option("--no-due", is_flag=True, help="Remove the due date.")
@click.option("--priority", type=priority_choice, help="New priority.")
@click.option("--no-priority", is_flag=True, help="Remove the priority.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Add a tag (repeatable).")
@click.option("--untag", "untags", multiple=True, metavar="TAG", help="Remove a tag (repeatable).")
@json_option
@pass_settings
def edit(settings: Settings, task_id: int, description: str | None, due: str | None,
         no_due: bool, priority: str | None, no_priority: bool, tags: tuple[str, ...],
         untags: tuple[str, ...], as_json: bool) -> None:
    """Change only what is given."""
    if due is not None and no_due:
        raise click.UsageError("--due and --no-due contradict each other")
    if priority is not None and no_priority:
        raise click.UsageError("--priority and --no-priority contradict each other")
    change = Change(
        description=None if description is None else parse_description(description),
        due=parse_due_option(due),
        clear_due=no_due,
        priority=parse_priority(priority),
        clear_priority=no_priority,
        add_tags=parse_tags(tags),
        remove_tags=parse_tags(untags),
    )
    if change.is_empty():
        raise click.UsageError("nothing to change: give at least one option")
    with tasks_of(settings) as tasks:
        task = tasks.edit(task_id, change)
    _emit([task], as_json, [f"Updated task {task['id']}: {task['description']}"])


@cli.command()
@ids_argument
@pass_settings
def delete(settings: Settings, ids: tuple[int, ...]) -> None:
    """Delete tasks (all or none, if an id is unknown)."""
    with tasks_of(settings) as tasks:
        deleted = tasks.delete(unique_ids(ids))
    for task in deleted:
        click.echo(f"Deleted task {task['id']}: {task['description']}")


@cli.command()
@format_option("json", "csv")
@pass_settings
def export(settings: Settings, fmt: str) -> None:
    """Write every task to stdout, streamed."""
    out = output_stream()
    with tasks_of(settings) as tasks, \
            closing_stream(counted(tasks.export(), "Exporting", "task")) as exported:
        if fmt == "json":
            write_json_array(exported, out)
        else:
            write_csv(CSV_HEADER, (_csv_row(t) for t in exported), out)
    out.flush()


def _csv_row(task: dict[str, Any]) -> list[Any]:
    return [
        task["id"], task["uid"], task["description"], "true" if task["completed"] else "false",
        task["priority"], task["due"], " ".join(task["tags"]), task["created_at"],
        task["completed_at"],
    ]


def _candidates(source: Any, name: str) -> Iterator[Candidate]:
    """The records of a JSON or CSV export, one at a time, not yet validated."""
    fmt, stream = sniff_format(name, source, ("json", "csv"))
    if fmt == "json":
        return json_records(stream)
    return csv_records(stream, ["description"], [c for c in CSV_HEADER if c != "description"])


@cli.command(name="import")
@click.argument("file", metavar="FILE|-")
@on_conflict_option(REPLACE, help="A record whose uid is already stored or repeats an earlier one: "
                    "fail (import nothing, name them all), skip it, or replace the stored task's "
                    "fields and tags with the record's (it keeps its id).")
@skip_invalid_option
@pass_settings
def import_(settings: Settings, file: str, on_conflict: str, skip_invalid: bool) -> None:
    """Import tasks from a JSON or CSV export, in one transaction.

    By default all or nothing: a bad record or a uid already stored imports
    nothing, and the error names every one of them.
    """
    policy = ImportPolicy(on_conflict=on_conflict, skip_invalid=skip_invalid)
    with open_input(file) as source, tasks_of(settings) as tasks:
        run = tasks.import_tasks(_candidates(source, file), policy)
    click.echo(run.summary())


cli.add_command(migrate_command("todo"))
