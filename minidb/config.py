"""Where minidb keeps its data when no database URL is given, and which URL wins."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``MINIDB_DATA_DIR``, then ``$XDG_DATA_HOME/minidb``, then ``~/.local/share/minidb``."""
    if environ.get("MINIDB_DATA_DIR"):
        return Path(environ["MINIDB_DATA_DIR"]).expanduser()
    if environ.get("XDG_DATA_HOME"):
        return Path(environ["XDG_DATA_HOME"]).expanduser() / "minidb"
    return Path.home() / ".local" / "share" / "minidb"


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
    return f"sqlite:///{directory.resolve() / filename}"


def make_private_dir(directory: Path) -> None:
    """Create the data dir readable by its owner alone: it holds people's contacts.

    An existing directory is left as it is: the user may have chosen its
    mode, or share it on purpose.
    """
    try:
        directory.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        return
    directory.chmod(0o700)  # whatever the umask took away or let through
