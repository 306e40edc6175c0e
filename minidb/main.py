"""The ``minidb`` command: ``minidb todo …``, ``minidb contacts …``, ``minidb notes …``.

``minidb todo …`` is exactly ``python -m minidb.todo …`` (and likewise for
contacts). Each app is imported only when it is invoked, so the to-do list
never pays for Flask, pymongo or the contacts libraries: ``--help`` and shell
completion of the app names come from the table below, not from the apps.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from minidb.cli import App

# name: (module, attribute, the app's one-line help)
APPS: dict[str, tuple[str, str, str]] = {
    "todo": ("minidb.todo.cli", "cli", "A to-do list on SQLite (default) or PostgreSQL."),
    "contacts": ("minidb.contacts.cli", "cli", "A contact manager on SQLite (default) or PostgreSQL."),
    "notes": ("minidb.notes.dev", "cli", "The notes REST API and web UI on MongoDB."),
}


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from minidb.distribution import version

    click.echo(f"{ctx.find_root().info_name} {version()}")
    ctx.exit()


#: ``--version``: ``<prog> <version>`` from the package metadata, looked up only when asked for.
version_option = click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
    help="Show the version and exit.",
)


class LazyApps(App):
    """A group whose commands are the apps of :data:`APPS`, each imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(APPS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in APPS:
            return None
        module, attribute, _help = APPS[name]
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short_help) for name, (_m, _a, short_help) in APPS.items()])

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        apps = [CompletionItem(name, help=short_help)
                for name, (_m, _a, short_help) in APPS.items() if name.startswith(incomplete)]
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


def main() -> None:
    """The ``minidb`` console script."""
    cli(prog_name="minidb")
