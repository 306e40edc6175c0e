"""The engine adapters: one object per database engine minidb speaks.

Everything that differs between SQLite and PostgreSQL lives in
:mod:`~minidb.db.engines.sqlite` and :mod:`~minidb.db.engines.postgresql`,
behind the interface of :class:`~minidb.db.engines.base.Engine`. Each
adapter module is imported the first time its engine is named, so a command
on SQLite never loads the PostgreSQL adapter.
"""

from __future__ import annotations

import importlib

from minidb.db.engines.base import Engine, UniqueKey

#: Every engine minidb speaks: its name, and the module and class of its adapter.
_ADAPTERS = {
    "sqlite": ("minidb.db.engines.sqlite", "SQLiteEngine"),
    "postgresql": ("minidb.db.engines.postgresql", "PostgresEngine"),
}
#: The engines' names, as in URLs and in the ``sql/`` and ``migrations/`` folders.
ENGINE_NAMES: tuple[str, ...] = tuple(_ADAPTERS)
_loaded: dict[str, Engine] = {}


def engine_named(name: str | Engine) -> Engine:
    """The adapter of the engine a URL or folder names (``"sqlite"``); an adapter is its own."""
    if isinstance(name, Engine):
        return name
    adapter = _loaded.get(name)
    if adapter is None:
        try:
            module, cls = _ADAPTERS[name]
        except KeyError:
            raise ValueError(f"unknown engine {name!r}") from None
        adapter = _loaded[name] = getattr(importlib.import_module(module), cls)()
    return adapter


def all_engines() -> tuple[Engine, ...]:
    """Every engine's adapter (which imports them all)."""
    return tuple(engine_named(name) for name in ENGINE_NAMES)


def engine_of_error(error: BaseException) -> Engine | None:
    """The adapter whose driver raised ``error``; None when no driver did."""
    return next((engine for engine in all_engines() if engine.owns(error)), None)


__all__ = ["ENGINE_NAMES", "Engine", "UniqueKey", "all_engines", "engine_named", "engine_of_error"]
