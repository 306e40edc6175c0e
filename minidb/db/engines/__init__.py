"""The engine adapters: one object per database engine minidb speaks.

Everything that differs between SQLite and PostgreSQL lives in
:mod:`~minidb.db.engines.sqlite` and :mod:`~minidb.db.engines.postgresql`,
behind the interface of :class:`~minidb.db.engines.base.Engine`.
"""

from __future__ import annotations

from minidb.db.engines.base import Engine, UniqueKey
from minidb.db.engines.postgresql import PostgresEngine
from minidb.db.engines.sqlite import SQLiteEngine

#: Every engine minidb speaks, one adapter each.
ENGINES: tuple[Engine, ...] = (SQLiteEngine(), PostgresEngine())
_BY_NAME = {engine.name: engine for engine in ENGINES}


def engine_named(name: str | Engine) -> Engine:
    """The adapter of the engine a URL or folder names (``"sqlite"``); an adapter is its own."""
    if isinstance(name, Engine):
        return name
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown engine {name!r}") from None


def engine_of_error(error: BaseException) -> Engine | None:
    """The adapter whose driver raised ``error``; None when no driver did."""
    return next((engine for engine in ENGINES if engine.owns(error)), None)


__all__ = ["ENGINES", "Engine", "PostgresEngine", "SQLiteEngine", "UniqueKey", "engine_named",
           "engine_of_error"]
