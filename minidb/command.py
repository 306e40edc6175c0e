"""The ``minidb`` command's click group: ``minidb todo …``, ``minidb contacts …``, ``minidb notes …``.

``minidb todo …`` is exactly ``python -m minidb.todo …`` (and likewise for
contacts). Each app is imported only when it is invoked, so the to-do list
never pays for Flask, pymongo or the contacts libraries: ``--help`` and shell
completion of the app names come from :data:`minidb.main.APPS`, not from the apps.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from minidb.cli import App
from minidb.distribution import version_option
from minidb.main import APPS


class LazyApps(App):
    """A group whose commands are the apps of :data:`APPS`, each imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(APPS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in APPS:
            return None
        entry = APPS[name]
        return getattr(importlib.import_module(entry.module), entry.attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry.help) for name, entry in APPS.items()])

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        apps = [CompletionItem(name, help=entry.help)
                for name, entry in APPS.items() if name.startswith(incomplete)]
        # The options (--help, --version): Command's completion, not Group's, which would import every app.
        return apps + click.Command.shell_complete(self, ctx, incomplete)


@click.group(cls=LazyApps, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@version_option
@click.pass_context
def cli(ctx: click.Context) -> None:
    """minidb: a to-do list, a contact manager and a notes API, on SQL and MongoDB.

    Run 'minidb APP --help' for an app's commands.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
