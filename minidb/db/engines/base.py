"""What differs between the database engines, behind one interface.

Each engine minidb speaks has one adapter, a subclass of :class:`Engine`:
how its driver takes parameters and hands back rows, how it opens a
connection, runs a transaction, batches and streams, serialises migrations,
and what its errors mean. The rest of minidb asks the adapter and never
compares engine names.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import namedtuple

# Not typing's: importing typing costs ~7 ms of every command's start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from contextlib import AbstractContextManager
    from typing import Any, ClassVar

    from minidb.db.connection import Database
    from minidb.db.urls import DatabaseURL
    from minidb.errors import ReadOnlyDatabase


class UniqueKey(namedtuple("UniqueKey", "name table columns")):
    """A unique constraint as the schema declares it: ``UniqueKey(name, table, columns)``.

    Drivers report a violation differently (SQLite names the columns,
    PostgreSQL the constraint), so the schema's whole declaration is given
    and each adapter matches what its driver says.
    """

    __slots__ = ()

    name: str
    table: str
    columns: tuple[str, ...]


class Engine(ABC):
    """One database engine: its driver's ways, its SQL dialect's needs, its errors."""

    #: The engine's name in URLs and folder names: ``sql/<app>/<name>/``, ``migrations/<app>/<name>/``.
    name: ClassVar[str]
    #: Whether a batch of rows is cheaper as one set-based statement (rows as one
    #: JSON parameter) than as one statement a row: on a server each statement
    #: costs planning and executing there, even pipelined; in-process SQLite
    #: runs a statement a row in C (executemany), and its set-based INSERT ...
    #: SELECT slows the inserts that follow it in the transaction.
    set_statements_for_batches: ClassVar[bool] = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    # --- connections

    @abstractmethod
    def connect(self, url: DatabaseURL) -> Any:
        """An open connection: autocommit (transactions are explicit), rows as mappings.

        Raises DatabaseUnavailable, with a password-free message, when it cannot.
        """

    @abstractmethod
    def transaction(self, db: Database, write: bool) -> AbstractContextManager[Any]:
        """Run a block in one transaction on ``db``: commit on success, roll back on error."""

    # --- queries

    @abstractmethod
    def render(self, parts: Sequence[str]) -> str:
        """The driver's SQL for a statement given as text, parameter name, text, …, text."""

    @staticmethod
    @abstractmethod
    def scalar(cursor: Any) -> Any:
        """The first column of the cursor's next row, or None when there is none."""

    @abstractmethod
    def run_many(self, conn: Any, sql: str, batch: list[Mapping[str, Any]],
                 fetch: Callable[[Any], Any], returning: bool) -> list[Any]:
        """Run ``sql`` once per mapping of ``batch``; ``fetch(cursor)`` reads each result."""

    @abstractmethod
    def stream(self, conn: Any, sql: str, params: Mapping[str, Any], batch_size: int,
               name: str) -> Iterator[Any]:
        """The rows of a query, read ``batch_size`` at a time rather than all at once."""

    @abstractmethod
    def prepare_bulk_write(self, conn: Any) -> None:
        """Ready ``conn`` for a transaction that writes many rows (an import)."""

    # --- schema

    @abstractmethod
    def migration_lock(self, db: Database, app: str) -> AbstractContextManager[None]:
        """Hold the lock that serialises ``app``'s migrations across processes.

        The operating system or the server must release it if the process dies.
        """

    @abstractmethod
    def yoyo_backend(self, db: Database) -> AbstractContextManager[Any]:
        """A yoyo backend that migrates ``db``'s database."""

    # --- what a driver error means

    @abstractmethod
    def owns(self, error: BaseException) -> bool:
        """Whether ``error`` comes from this engine's driver."""

    @abstractmethod
    def is_missing_table(self, error: BaseException) -> bool:
        """Whether ``error`` says a table the query reads does not exist."""

    @abstractmethod
    def violates(self, error: BaseException, key: UniqueKey) -> bool:
        """Whether ``error`` is a violation of the unique constraint ``key``."""

    def read_only_failure(self, db: Database, error: BaseException) -> ReadOnlyDatabase | None:
        """The failure to report when the server refused a write because it is read-only."""
        return None

    def is_permission_denied(self, error: BaseException) -> bool:
        """Whether the server refused the statement for want of a privilege."""
        return False

    def is_connection_lost(self, error: BaseException) -> bool:
        """Whether ``error`` means the connection to the server is gone."""
        return False
