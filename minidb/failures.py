"""How a command's failure reaches the user: one ``Error:`` line and an exit status.

Both families of commands use it: the to-do and contacts CLIs
(:class:`minidb.cli.App`) and the notes commands (minidb/notes/cli.py). It
imports neither the SQL layer nor the notes app, so each pays only for its own.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import IO, Any

import click

from minidb.errors import MinidbError, one_line

#: The operation failed.
FAILURE = 1
#: The usage or the input was wrong.
USAGE_ERROR = 2
#: What a shell reports for a program that Ctrl-C (SIGINT) ended.
INTERRUPTED = 128 + 2


class Failure(click.ClickException):
    """Printed as one ``Error: <message>`` line, then any ``details`` a line each
    (the bad records of an import); the program exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: int, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.details = tuple(details)

    def show(self, file: IO[Any] | None = None) -> None:
        super().show(file)
        for line in self.details:
            click.echo(one_line(line), file=file, err=file is None)


class ReportsFailures(click.Command):
    """A click command (or, mixed in before ``click.Group``, a group) whose callback's
    every exception becomes a :class:`Failure`, never a traceback.

    A subclass names the failures its app knows (:meth:`failure`), words the
    unexpected ones (:meth:`describe_unexpected`) and decides what a closed
    stdout means (:meth:`pipe_closed`). ``MINIDB_DEBUG=1`` prints the
    traceback of an unexpected failure as well.
    """

    #: What Ctrl-C during a command is reported as.
    interrupted = "interrupted"

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except (Exception, KeyboardInterrupt) as error:
            raise self.as_failure(error, ctx) from None

    def as_failure(self, error: BaseException, ctx: click.Context) -> BaseException:
        """What a command's exception is reported as: click's own as they are, the rest a Failure."""
        if isinstance(error, click.ClickException | click.exceptions.Exit | click.Abort):
            return error
        if isinstance(error, BrokenPipeError):
            return self.pipe_closed()
        if isinstance(error, KeyboardInterrupt):
            return Failure(self.interrupted, INTERRUPTED)
        if isinstance(error, Exception):
            return self.failure(error, ctx)
        return error

    def failure(self, error: Exception, ctx: click.Context) -> Failure:
        """The failure to report for ``error``; an override handles its app's own kinds first."""
        if isinstance(error, MinidbError):
            return Failure(str(error), error.exit_code, error.details)
        if os.environ.get("MINIDB_DEBUG"):
            import traceback  # only when debugging: keeps start-up lean

            traceback.print_exc()
        return Failure(self.describe_unexpected(error, ctx), FAILURE)

    def describe_unexpected(self, error: Exception, ctx: click.Context) -> str:
        """A one-line account of an exception nothing expected, with no secrets in it."""
        return f"unexpected {type(error).__name__}: {first_line(error)}"

    def pipe_closed(self) -> Exception:
        """What to raise when the reader of stdout went away (``... export | head``):
        by default a quiet exit with status 1 (an unfinished export is not a success)."""
        silence_stdout()
        return click.exceptions.Exit(FAILURE)


def first_line(error: Exception) -> str:
    """The first line of the error's message, or its type's name if it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that no later flush (Python's own, at exit)
    meets the closed pipe and reports it."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
