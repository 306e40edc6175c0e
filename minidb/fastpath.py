"""The fast path: the commands people type all day, run without click.

Importing click and an app's whole command tree costs more than ``todo
list`` itself does. So :mod:`minidb.main` first offers the command line to
the app's fast path, which knows a few commands (``todo list``, ``todo add``,
``contacts find``, ``contacts list``) and the options each takes. A command
line it fully understands runs here, through the very functions the click
command calls; anything else (``--help``, an option it does not know, an
option given twice, a value that looks like an option, a missing value, a
choice that is not one, completion) goes to click, which owns help and every
usage error. So the fast path adds speed, never behaviour:
``tests/test_fastpath.py`` runs each command line both ways and compares
output, exit status and database, and checks that every option here is the
click command's own.

A failure is reported by the app's click group (imported then), so its
``Error:`` line and exit status are the click command's too.
"""

from __future__ import annotations

import importlib
import os
import sys

TYPE_CHECKING = False  # not typing's: see minidb/db/engines/base.py
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any

    from minidb.records import Settings


class Command:
    """What the fast path takes of one command; the names are the click command's parameters.

    - ``flags``: ``{"--json": ("as_json", True)}``; flags that set one
      parameter to different values (``--all``, ``--done``) exclude each other;
    - ``options``: ``{"--tag": "tag"}``, each at most once, with a value;
    - ``repeatable``: ``{"--tag": "tags"}``, each any number of times, a tuple;
    - ``choices``: the values an option takes (any case), e.g. ``--priority``;
    - ``words``: the parameter that takes the positional arguments (one at
      least), or "" when the command takes none.
    """

    __slots__ = ("choices", "flags", "options", "repeatable", "run", "words")

    def __init__(self, run: Callable[..., None], *, words: str = "",
                 flags: Mapping[str, tuple[str, Any]] | None = None,
                 options: Mapping[str, str] | None = None,
                 repeatable: Mapping[str, str] | None = None,
                 choices: Mapping[str, Sequence[str]] | None = None) -> None:
        self.run = run
        self.words = words
        self.flags = flags or {}
        self.options = options or {}
        self.repeatable = repeatable or {}
        self.choices = choices or {}


class App:
    """An app's fast path: its group options and its commands."""

    __slots__ = ("app", "commands", "group_options", "settings")

    def __init__(self, app: str, settings: Callable[..., Settings], group_options: Mapping[str, str],
                 commands: Mapping[str, Command]) -> None:
        self.app = app  # its name in minidb.main.APPS, which says where its click group is
        self.settings = settings  # the group options' values -> the command's Settings
        self.group_options = group_options  # {"--db": "db_url"}
        self.commands = commands

    def run(self, args: Sequence[str], prog_name: str) -> int | None:
        """Run ``args`` and return the exit status; None when click must run them."""
        if any(name.endswith("_COMPLETE") for name in os.environ):
            return None  # a shell asks for completions: click's protocol
        parsed = parse(args, self.group_options, self.commands)
        if parsed is None:
            return None
        group_values, name, values = parsed
        settings = None
        try:
            settings = self.settings(**group_values)
            self.commands[name].run(settings, **values)
            # Met here rather than at interpreter exit, where a closed pipe
            # would be reported as "Exception ignored".
            sys.stdout.flush()
        except BaseException as error:  # every failure is reported as click reports it
            from minidb.cli import report_failure
            from minidb.main import APPS

            entry = APPS[self.app]
            group = getattr(importlib.import_module(entry.module), entry.attribute)
            return report_failure(group, settings, prog_name, error)
        return 0


def parse(args: Sequence[str], group_options: Mapping[str, str],
          commands: Mapping[str, Command]) -> tuple[dict[str, str], str, dict[str, Any]] | None:
    """``(group option values, command name, command parameter values)``, or None
    when ``args`` holds anything the fast path does not take."""
    group: dict[str, str] = {}
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i = _option(args, i, group_options, {}, {}, group)
        if i < 0:
            return None
    if i >= len(args) or args[i] not in commands:
        return None
    name, command = args[i], commands[args[i]]
    values: dict[str, Any] = {}
    words: list[str] = []
    i += 1
    while i < len(args):
        token = args[i]
        if not token.startswith("-"):
            words.append(token)
            i += 1
        elif token.partition("=")[0] in command.flags:
            if "=" in token:
                return None  # a flag takes no value: click says so
            parameter, value = command.flags[token]
            if values.get(parameter, value) != value:
                return None  # --all with --done
            values[parameter] = value
            i += 1
        else:
            i = _option(args, i, command.options, command.repeatable, command.choices, values)
            if i < 0:
                return None
    if (words and not command.words) or (command.words and not words):
        return None
    if command.words:
        values[command.words] = tuple(words)
    return group, name, values


def _option(args: Sequence[str], i: int, options: Mapping[str, str], repeatable: Mapping[str, str],
            choices: Mapping[str, Sequence[str]], values: dict[str, Any]) -> int:
    """Take the option at ``args[i]`` (``--name VALUE`` or ``--name=VALUE``) into
    ``values``; return the index after it, or -1 if the fast path does not take it."""
    name, equals, value = args[i].partition("=")
    if name not in options and name not in repeatable:
        return -1
    if not equals:
        if i + 1 >= len(args) or args[i + 1].startswith("-"):
            return -1  # missing, or a value that looks like an option: click decides
        i, value = i + 1, args[i + 1]
    if name in choices:
        value = value.casefold()
        if value not in choices[name]:
            return -1
    if name in repeatable:
        parameter = repeatable[name]
        values[parameter] = (*values.get(parameter, ()), value)
    else:
        parameter = options[name]
        if parameter in values:
            return -1  # given twice
        values[parameter] = value
    return i + 1
