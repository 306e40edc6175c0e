"""What both CLIs share: the look of errors, exit statuses, --db, --json.

An app builds its commands on :class:`App` and opens its records with
:func:`minidb.records.open_store`. Every failure reaches the user as one line starting
``Error:`` on stderr, never a traceback (set ``MINIDB_DEBUG=1`` to see one),
and the exit status says what kind it was: 1 the operation failed, 2 the
usage or the input was wrong.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Sequence
from typing import IO, Any

import click

from minidb.db import InvalidURL, connect, engine_of_error, parse, redact
from minidb.errors import DatabaseUnavailable
from minidb.errors import one_line as _one_line
from minidb.failures import FAILURE, USAGE_ERROR, Failure, ReportsFailures, first_line, silence_stdout
from minidb.records import Change, RecordStore, Settings, open_store, unique_ids


class App(ReportsFailures, click.Group):
    """A click group whose every error is one ``Error:`` line with the right exit status."""

    interrupted = "interrupted; nothing was changed by the unfinished command"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # A command is required, even where the group runs without one to show its help.
        kwargs.setdefault("subcommand_metavar", "COMMAND [ARGS]...")
        super().__init__(*args, **kwargs)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        code = self.exit_status(lambda: super(App, self).main(
            args, prog_name, complete_var, standalone_mode=False, **extra))
        if standalone_mode:
            sys.exit(code)
        return code

    def exit_status(self, run: Callable[[], Any]) -> int:
        """Run a command (``run()``), print its failure as the ``Error:`` line, and return the exit status."""
        try:
            result = run()
            # Met here rather than at interpreter exit, where a closed pipe
            # would be reported as "Exception ignored".
            sys.stdout.flush()
        except (_PipeClosed, BrokenPipeError):
            return _pipe_closed()
        except click.exceptions.NoArgsIsHelpError as error:
            # The program alone asks what it can do: that is help, not a mistake.
            click.echo(error.ctx.get_help())
            return 0
        except click.UsageError as error:
            hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
            return _fail(f"{error.format_message().rstrip('.')}{hint}", USAGE_ERROR)
        except click.ClickException as error:
            return _fail(error.format_message(), error.exit_code, getattr(error, "details", ()))
        except click.Abort:
            return _fail("aborted", FAILURE)
        return result if isinstance(result, int) else 0

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


def report_failure(app: App, settings: Settings, prog_name: str, error: BaseException) -> int:
    """Report what a command the fast path ran (:mod:`minidb.fastpath`) raised, exactly as
    ``app`` reports it when click runs the command; return the exit status."""
    ctx = click.Context(app, info_name=prog_name, obj=settings)

    def fail() -> None:
        raise app.as_failure(error, ctx)

    return app.exit_status(fail)


def show_help_without_command(ctx: click.Context) -> None:
    """The program given options but no command prints its help, as it does given nothing."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        raise click.exceptions.Exit(0)


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


def refuse_contradictions(**options: tuple[object, bool]) -> None:
    """``--due D`` with ``--no-due`` (``due=(due, no_due)``) is a usage error."""
    for name, (value, cleared) in options.items():
        if value is not None and cleared:
            raise click.UsageError(f"--{name} and --no-{name} contradict each other")


def require_change(change: Change) -> None:
    """An ``edit`` or ``update`` with no option is a usage error."""
    if change.is_empty():
        raise click.UsageError("nothing to change: give at least one option")


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
