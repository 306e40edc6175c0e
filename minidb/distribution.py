"""What minidb knows about its own installation: its version, and where the
SQL and the migrations are however it was installed.

The SQL and the migrations live at the top of the repository (``sql/``,
``migrations/``); a wheel carries them inside the package (``minidb/sql``,
``minidb/migrations``). An editable install and a plain checkout import
minidb from the repository, so there the top-level folders are found next to
the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def package_folder(name: str) -> Path:
    """``minidb/<name>`` when installed from a wheel, else the repository's top-level ``<name>``.

    This is what ``importlib.resources.files("minidb") / name`` answers for a
    package on the file system, without importing importlib.resources (4-5 ms
    at every start) and always as a real directory, which yoyo needs.
    """
    shipped = _PACKAGE / name
    return shipped if shipped.is_dir() else _PACKAGE.parent / name


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
