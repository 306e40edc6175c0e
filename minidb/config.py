"""Where minidb keeps its data when no database URL is given, and which URL wins.

Every command reads this at start-up, so it works with ``os.path`` (pathlib
would add ~8 ms to each start).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing's: see minidb/db/engines/base.py
if TYPE_CHECKING:
    from collections.abc import Mapping


def data_dir(environ: Mapping[str, str] = os.environ) -> str:
    """``MINIDB_DATA_DIR``, then ``$XDG_DATA_HOME/minidb``, then ``~/.local/share/minidb``."""
    if environ.get("MINIDB_DATA_DIR"):
        return os.path.expanduser(environ["MINIDB_DATA_DIR"])
    if environ.get("XDG_DATA_HOME"):
        return os.path.join(os.path.expanduser(environ["XDG_DATA_HOME"]), "minidb")
    return os.path.join(os.path.expanduser("~"), ".local", "share", "minidb")


def database_url(
    option: str | None, variables: tuple[str, ...], filename: str,
    environ: Mapping[str, str] = os.environ,
) -> str:
    """The first of ``--db``, then each variable in order, then the data-dir SQLite file.

    The data dir is created on first use, so the default always opens.
    """
    if option:
        return option
    for name in variables:
        if environ.get(name):
            return environ[name]
    directory = data_dir(environ)
    make_private_dir(directory)
    return f"sqlite:///{os.path.join(os.path.realpath(directory), filename)}"


def make_private_dir(directory: str) -> None:
    """Create the data dir readable by its owner alone: it holds people's contacts.

    An existing directory is left as it is: the user may have chosen its
    mode, or share it on purpose.
    """
    try:
        os.makedirs(directory, mode=0o700)
    except FileExistsError:
        return
    os.chmod(directory, 0o700)  # whatever the umask took away or let through
