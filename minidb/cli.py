"""What both CLIs share: the look of errors, exit statuses, --db, --json.

An app builds its commands on :class:`App` and opens its database with
:func:`open_database`. Every failure reaches the user as one line starting
``Error:`` on stderr, never a traceback (set ``MINIDB_DEBUG=1`` to see one),
and the exit status says what kind it was: 1 the operation failed, 2 the
usage or the input was wrong.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any, TypeVar

import click

from minidb.db import Database, InvalidURL, connect, engine_of_error, ensure_schema, parse, redact
from minidb.errors import DatabaseUnavailable
from minidb.errors import one_line as _one_line
from minidb.failures import FAILURE, USAGE_ERROR, Failure, ReportsFailures, first_line, silence_stdout
from minidb.formats import write_json_array
from minidb.progress import counted
from minidb.records import Change, Record, RecordStore


class App(ReportsFailures, click.Group):
    """A click group whose every error is one ``Error:`` line with the right exit status."""

    interrupted = "interrupted; nothing was changed by the unfinished command"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # A command is required, even where the group runs without one to show its help.
        kwargs.setdefault("subcommand_metavar", "COMMAND [ARGS]...")
        super().__init__(*args, **kwargs)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            # Met here rather than at interpreter exit, where a closed pipe
            # would be reported as "Exception ignored".
            sys.stdout.flush()
        except (_PipeClosed, BrokenPipeError):
            code = _pipe_closed()
        except click.exceptions.NoArgsIsHelpError as error:
            # The program alone asks what it can do: that is help, not a mistake.
            click.echo(error.ctx.get_help())
            code = 0
        except click.UsageError as error:
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
            code = _fail(f"{error.format_message().rstrip('.')}{hint}", USAGE_ERROR)
        except click.ClickException as error:
            code = _fail(error.format_message(), error.exit_code, getattr(error, "details", ()))
        except click.Abort:
            code = _fail("aborted", FAILURE)
        else:
            code = result if isinstance(result, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code

    def failure(self, error: Exception, ctx: click.Context) -> Failure:
        if isinstance(error, InvalidURL):
            return Failure(str(error), USAGE_ERROR)
        if isinstance(error, DatabaseUnavailable):
            return Failure(str(error), FAILURE)
        return super().failure(error, ctx)

    def describe_unexpected(self, error: Exception, ctx: click.Context) -> str:
        """Says which database failed (its URL without the password) and whether the connection was lost."""
        engine = engine_of_error(error)
        if engine is None:
            return super().describe_unexpected(error, ctx)
        url = getattr(ctx.obj, "url", None)
        where = f" ({redact(url)})" if url else ""
        if engine.is_connection_lost(error):
            return f"lost the connection to the database{where}: {first_line(error)}"
        return f"database error{where}: {first_line(error)}"

    def pipe_closed(self) -> Exception:
        # Ended in main(), with the status a shell gives a program SIGPIPE ended;
        # click would turn it into exit 1 with stdout half-closed.
        return _PipeClosed()


class _PipeClosed(Exception):
    """The reader of stdout went away (``... list | head -3``)."""


#: How a shell reports a program that SIGPIPE ended: what ``cat file | head -1`` gives.
PIPE_CLOSED = 128 + 13


def _pipe_closed() -> int:
    """End quietly, as a Unix tool does when its reader goes away."""
    silence_stdout()
    return PIPE_CLOSED


def _fail(message: str, code: int, details: Sequence[str] = ()) -> int:
    """The ``Error:`` line, then any detail lines (e.g. each bad record of an import)."""
    click.echo(f"Error: {_one_line(message)}", err=True)
    for line in details:
        click.echo(_one_line(line), err=True)
    return code


def show_help_without_command(ctx: click.Context) -> None:
    """The program given options but no command prints its help, as it does given nothing."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        raise click.exceptions.Exit(0)


class Settings:
    """What the group-level options decided, handed to every command."""

    def __init__(self, app: str, url: str) -> None:
        self.app = app
        self.url = url


def db_option(variables: tuple[str, ...]) -> Callable[[Any], Any]:
    names = ", then ".join(variables)
    return click.option(
        "--db", "db_url", metavar="URL",
        help=f"Database URL (sqlite:///path.db or postgresql://…); default: {names}, "
        "then a SQLite file in the data dir.",
    )


def json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")(f)


#: The ``ID...`` argument of the commands that act on several records at once.
ids_argument = click.argument("ids", metavar="ID...", nargs=-1, type=int, required=True)


def format_option(*formats: str, help: str = "Output format.") -> Callable[[Any], Any]:
    """``--format`` for export: the first format is the default."""
    return click.option("--format", "fmt", type=click.Choice(formats), default=formats[0],
                        show_default=True, help=help)


@contextmanager
def open_database(settings: Settings) -> Iterator[Database]:
    """Connect, bring the schema up to date, and close when the command ends."""
    with connect(parse(settings.url)) as db:
        ensure_schema(db, settings.app)
        yield db


Store = TypeVar("Store", bound=RecordStore)


@contextmanager
def open_store(settings: Settings, store: Callable[[Database], Store]) -> Iterator[Store]:
    """``with open_store(settings, TaskList) as tasks:``: the app's records, open for one command."""
    with open_database(settings) as db:
        yield store(db)


def refuse_contradictions(**options: tuple[object, bool]) -> None:
    """``--due D`` with ``--no-due`` (``due=(due, no_due)``) is a usage error."""
    for name, (value, cleared) in options.items():
        if value is not None and cleared:
            raise click.UsageError(f"--{name} and --no-{name} contradict each other")


def require_change(change: Change) -> None:
    """An ``edit`` or ``update`` with no option is a usage error."""
    if change.is_empty():
        raise click.UsageError("nothing to change: give at least one option")


def emit(records: list[Record], as_json: bool, lines: Iterable[str]) -> None:
    """What a command that changed or read records prints.

    With ``--json`` one object for one record, an array for several;
    otherwise the text lines.
    """
    if as_json:
        print_json(records[0] if len(records) == 1 else records)
    else:
        for line in lines:
            click.echo(line)


def show_table(fields: Iterable[tuple[str, object]]) -> str:
    """What ``show`` prints: one field a line, the values in a column."""
    return "\n".join(f"{name:<12}{value}" for name, value in fields)


def emit_records(records: Iterator[Any], as_json: bool, line: Callable[[Any], str], empty: str) -> None:
    """Stream a listing to stdout as it is read: a JSON array (one element a
    line), or one text line a record, or ``empty`` when there is none.

    Nothing holds the whole list, so 100,000 rows cost the memory of one.
    """
    out = output_stream()
    with closing_stream(records) as rows:
        if as_json:
            write_json_array(rows, out)
        else:
            count = 0
            for record in rows:
                out.write(line(record) + "\n")
                count += 1
            if not count:
                out.write(empty + "\n")
    out.flush()


@contextmanager
def closing_stream(rows: Iterator[Any]) -> Iterator[Iterator[Any]]:
    """Hand out a streamed query and end its read transaction when the block ends.

    If writing fails half-way (the reader of a pipe went away), the stream
    must end now, while its connection is open, rather than whenever the
    garbage collector gets to it, when the connection is closed.
    """
    try:
        yield rows
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def export_records(records: Iterator[Record], write: Callable[[Iterator[Record], IO[str]], object],
                   noun: str = "record") -> None:
    """Stream every record to stdout through ``write(records, out)``, as they are read.

    A long export counts the ``noun``s on stderr when it is a terminal.
    """
    out = output_stream()
    with closing_stream(counted(records, "Exporting", noun)) as exported:
        write(exported, out)
    out.flush()


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def open_input(path: str) -> IO[str]:
    """The import source: a UTF-8 file, or stdin for ``-``; newlines untouched for CSV.

    A byte that is not UTF-8 does not stop the reading: it travels, as a
    lone surrogate, to the record that holds it, which the validation then
    refuses naming the record and the field.
    """
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", errors="surrogateescape",
                                newline="")
    try:
        return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as error:
        raise click.BadParameter(f"cannot read {path}: {error.strerror}", param_hint="FILE") from None


def output_stream() -> IO[str]:
    """stdout for export, UTF-8 whatever the locale says."""
    stream = sys.stdout
    if (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8" and hasattr(
        stream, "reconfigure"
    ):
        # Reconfigured rather than wrapped: a second wrapper would close
        # stdout when collected, and flush again into a closed pipe.
        stream.reconfigure(encoding="utf-8")
    return stream


def unique_ids(ids: Sequence[int]) -> list[int]:
    """The ids in the order given, each once (``done 3 3`` is ``done 3``)."""
    return list(dict.fromkeys(ids))


def delete_command(store: type[RecordStore]) -> click.Command:
    """The ``delete ID...`` command of an app: every record named, or none."""

    @click.command(help=f"Delete {store.noun}s (all or none, if an id is unknown).")
    @ids_argument
    @click.pass_obj
    def delete(settings: Settings, ids: tuple[int, ...]) -> None:
        with open_store(settings, store) as records:
            deleted = records.delete(unique_ids(ids))
        for record in deleted:
            click.echo(f"Deleted {store.describe(record)}")

    return delete


def migrate_command(app: str) -> click.Command:
    """The ``migrate`` command of an app: show and apply its pending schema migrations."""

    @click.command()
    @click.option("--check", is_flag=True, help="Only list pending migrations; exit 1 if any.")
    @click.pass_obj
    def migrate(settings: Settings, check: bool) -> None:
        """Show and apply pending schema migrations (commands also do this on first use)."""
        from minidb.db.migrations import migrate as apply_migrations
        from minidb.db.migrations import pending

        with connect(parse(settings.url)) as db:
            waiting = pending(db, app)
            if not waiting:
                click.echo("Schema is up to date.")
                return
            for migration in waiting:
                click.echo(f"pending: {migration}")
            if check:
                raise click.exceptions.Exit(FAILURE)
            for migration in apply_migrations(db, app):
                click.echo(f"applied: {migration}")

    return migrate
