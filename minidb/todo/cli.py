"""The to-do command line: ``python -m minidb.todo [--db URL] COMMAND``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

import click

from minidb import cli as shared
from minidb.distribution import version_option
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
from minidb.output import emit, export_records, show_table
from minidb.records import Record, Settings, open_store, unique_ids
from minidb.todo import actions
from minidb.todo.actions import URL_VARIABLES, parse_due_option
from minidb.todo.model import PRIORITIES, RECORD_FIELDS, Change, parse_description, parse_priority, parse_tags
from minidb.todo.store import TaskList

CSV_HEADER = ["id", *RECORD_FIELDS]


@click.group(cls=shared.App, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@shared.db_option(URL_VARIABLES)
@version_option
@click.pass_context
def cli(ctx: click.Context, db_url: str | None) -> None:
    """A to-do list on SQLite (default) or PostgreSQL."""
    shared.show_help_without_command(ctx)
    ctx.obj = actions.settings(db_url)


pass_settings = click.make_pass_decorator(Settings)


def _show(task: Record) -> str:
    return show_table([
        ("id", task["id"]),
        ("description", task["description"]),
        ("status", "done" if task["completed"] else "pending"),
        ("priority", task["priority"] or "-"),
        ("due", task["due"] or "-"),
        ("tags", ", ".join(task["tags"]) or "-"),
        ("created", task["created_at"]),
        ("completed", task["completed_at"] or "-"),
    ])


DUE_HELP = ("Due date: YYYY-MM-DD, today, tomorrow, a weekday (fri or friday: the next one "
            "after today), +Nd or +Nw; in the local time zone.")


priority_choice = click.Choice(PRIORITIES, case_sensitive=False)


@cli.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--due", metavar="DATE", help=DUE_HELP)
@click.option("--priority", type=priority_choice, help="high, medium or low.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Tag (repeatable).")
@shared.json_option
@pass_settings
def add(settings: Settings, words: tuple[str, ...], due: str | None, priority: str | None,
        tags: tuple[str, ...], as_json: bool) -> None:
    """Add a task; the words are joined by spaces."""
    actions.add(settings, words, due, priority, tags, as_json)


@cli.command(name="list")
@click.option("--all", "status", flag_value="all", help="Pending and completed tasks.")
@click.option("--done", "status", flag_value="done", help="Completed tasks only.")
@click.option("--tag", metavar="TAG", help="Only tasks with this tag.")
@click.option("--search", metavar="TEXT", help="Case-insensitive substring of the description.")
@shared.json_option
@pass_settings
def list_(settings: Settings, status: str | None, tag: str | None, search: str | None,
          as_json: bool) -> None:
    """List tasks: pending by default, by due date, then priority, then id."""
    actions.list_tasks(settings, status, tag, search, as_json)


@cli.command()
@click.argument("task_id", metavar="ID", type=int)
@shared.json_option
@pass_settings
def show(settings: Settings, task_id: int, as_json: bool) -> None:
    """Show one task."""
    with open_store(settings, TaskList) as tasks:
        task = tasks.get(task_id)
    emit([task], as_json, [_show(task)])


@cli.command()
@shared.ids_argument
@shared.json_option
@pass_settings
def done(settings: Settings, ids: tuple[int, ...], as_json: bool) -> None:
    """Mark tasks completed (all or none, if an id is unknown)."""
    with open_store(settings, TaskList) as tasks:
        results = tasks.complete(unique_ids(ids))
    _emit_status(results, as_json, "Completed", "Already done")


@cli.command()
@shared.ids_argument
@shared.json_option
@pass_settings
def reopen(settings: Settings, ids: tuple[int, ...], as_json: bool) -> None:
    """Mark tasks pending again (all or none, if an id is unknown)."""
    with open_store(settings, TaskList) as tasks:
        results = tasks.reopen(unique_ids(ids))
    _emit_status(results, as_json, "Reopened", "Already pending")


def _emit_status(results: list[tuple[Record, bool]], as_json: bool, changed: str,
                 unchanged: str) -> None:
    lines = [f"{changed if was_changed else unchanged} {TaskList.describe(t)}"
             for t, was_changed in results]
    emit([t for t, _ in results], as_json, lines)


@cli.command()
@click.argument("task_id", metavar="ID", type=int)
@click.option("--description", metavar="TEXT", help="New description.")
@click.option("--due", metavar="DATE", help=f"New {DUE_HELP[0].lower()}{DUE_HELP[1:]}")
@click.option("--no-due", is_flag=True, help="Remove the due date.")
@click.option("--priority", type=priority_choice, help="New priority.")
@click.option("--no-priority", is_flag=True, help="Remove the priority.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Add a tag (repeatable).")
@click.option("--untag", "untags", multiple=True, metavar="TAG", help="Remove a tag (repeatable).")
@shared.json_option
@pass_settings
def edit(settings: Settings, task_id: int, description: str | None, due: str | None,
         no_due: bool, priority: str | None, no_priority: bool, tags: tuple[str, ...],
         untags: tuple[str, ...], as_json: bool) -> None:
    """Change only what is given."""
    shared.refuse_contradictions(due=(due, no_due), priority=(priority, no_priority))
    change = Change(
        description=None if description is None else parse_description(description),
        due=parse_due_option(due),
        clear_due=no_due,
        priority=parse_priority(priority),
        clear_priority=no_priority,
        add_tags=parse_tags(tags),
        remove_tags=parse_tags(untags),
    )
    shared.require_change(change)
    with open_store(settings, TaskList) as tasks:
        task = tasks.edit(task_id, change)
    emit([task], as_json, [f"Updated {TaskList.describe(task)}"])


def _write_csv(tasks: Iterator[Record], out: IO[str]) -> None:
    write_csv(CSV_HEADER, ([
        task["id"], task["uid"], task["description"], "true" if task["completed"] else "false",
        task["priority"], task["due"], " ".join(task["tags"]), task["created_at"],
        task["completed_at"],
    ] for task in tasks), out)


EXPORT_WRITERS = {"json": write_json_array, "csv": _write_csv}


@cli.command()
@shared.format_option(*EXPORT_WRITERS)
@pass_settings
def export(settings: Settings, fmt: str) -> None:
    """Write every task to stdout, streamed."""
    with open_store(settings, TaskList) as tasks:
        export_records(tasks.export(), EXPORT_WRITERS[fmt], TaskList.noun)


def _candidates(source: IO[str], name: str) -> Iterator[Candidate]:
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
    with shared.open_input(file) as source, open_store(settings, TaskList) as tasks:
        run = tasks.import_tasks(_candidates(source, file), policy)
    click.echo(run.summary())


cli.add_command(shared.delete_command(TaskList))
cli.add_command(shared.migrate_command("todo"))
