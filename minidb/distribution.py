"""What minidb knows about its own installation: its version, and where the
SQL and the migrations are however it was installed.

The SQL and the migrations live at the top of the repository (``sql/``,
``migrations/``); a wheel carries them inside the package (``minidb/sql``,
``minidb/migrations``). An editable install and a plain checkout import
minidb from the repository, so there the top-level folders are found next to
the package.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing's: see minidb/db/engines/base.py
if TYPE_CHECKING:
    from typing import TypeVar

    import click

    Decorated = TypeVar("Decorated")

_PACKAGE = os.path.dirname(os.path.realpath(__file__))


def package_folder(name: str) -> str:
    """``minidb/<name>`` when installed from a wheel, else the repository's top-level ``<name>``.

    This is what ``importlib.resources.files("minidb") / name`` answers for a
    package on the file system, without importing importlib.resources (4-5 ms
    at every start) or pathlib (~8 ms), and always as a real directory, which
    yoyo needs.
    """
    shipped = os.path.join(_PACKAGE, name)
    return shipped if os.path.isdir(shipped) else os.path.join(os.path.dirname(_PACKAGE), name)


def version() -> str:
    """The installed distribution's version; ``minidb.__version__`` in a checkout never installed.

    ``minidb.__version__`` is the one place the version is written: the
    build reads it into the package metadata.
    """
    # Imported here: importlib.metadata costs ~30 ms, paid only by --version.
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as distribution_version

    try:
        return distribution_version("minidb")
    except PackageNotFoundError:
        from minidb import __version__

        return __version__


def version_option(command: Decorated) -> Decorated:
    """``--version`` for a click command (``minidb``, each app): ``<prog> <version>``,
    the version looked up only when asked for."""
    import click

    def show(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value and not ctx.resilient_parsing:
            click.echo(f"{ctx.find_root().info_name} {version()}")
            ctx.exit()

    return click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=show,
                        help="Show the version and exit.")(command)
