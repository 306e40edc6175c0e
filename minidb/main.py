"""Where every command line starts: ``minidb …``, ``python -m minidb.todo``, ``python -m minidb.contacts``.

A command line the app's fast path fully understands (``todo list``, ``todo
add``, ``contacts find``, …; see :mod:`minidb.fastpath`) runs without click;
any other goes to the app's click command, which owns help, completion and
every usage error. This module imports neither, until it knows which.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections import namedtuple

#: One app of the ``minidb`` command: the module and attribute of its click
#: command, its one-line help, and its fast-path module ("" for none).
AppEntry = namedtuple("AppEntry", "module attribute help fast_path")

APPS: dict[str, AppEntry] = {
    "todo": AppEntry("minidb.todo.cli", "cli", "A to-do list on SQLite (default) or PostgreSQL.",
                     "minidb.todo.fastpath"),
    "contacts": AppEntry("minidb.contacts.cli", "cli",
                         "A contact manager on SQLite (default) or PostgreSQL.", "minidb.contacts.fastpath"),
    "notes": AppEntry("minidb.notes.dev", "cli", "The notes REST API and web UI on MongoDB.", ""),
}


def main() -> None:
    """The ``minidb`` console script."""
    args = sys.argv[1:]
    if args and args[0] in APPS:
        _fast_path(args[0], args[1:], f"minidb {args[0]}")
    from minidb.command import cli

    cli(prog_name="minidb")


def run_app(app: str, prog_name: str) -> None:
    """``python -m minidb.<app>``: the app's command line, as ``minidb <app>`` runs it."""
    _fast_path(app, sys.argv[1:], prog_name)
    entry = APPS[app]
    getattr(importlib.import_module(entry.module), entry.attribute)(prog_name=prog_name)


def _fast_path(app: str, args: list[str], prog_name: str) -> None:
    """Run ``args`` on the app's fast path and exit, if it takes them; else return."""
    fast_path = APPS[app].fast_path
    if not fast_path:
        return
    status = importlib.import_module(fast_path).run(args, prog_name)
    if status is None:
        return
    for stream in (sys.stdout, sys.stderr):
        # None when the caller closed it (`2>&-`); a closed pipe was reported already.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    # The command is done, its database closed and its output flushed: skip the
    # interpreter's teardown (freeing every module and object), ~3 ms of `todo list`.
    os._exit(status)
