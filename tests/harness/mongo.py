"""A throwaway MongoDB wire-protocol server for the test suite.

Which server, in order of preference:

1. ``TEST_MONGODB_URI``, if set: an existing server the developer chose.
   Only databases named ``minidb_test_*`` are created there, and each is
   dropped after its test. ``MONGODB_URI`` is never used: it may name
   somebody's real data, which the tests must never touch.
2. ``mongod`` on PATH, started on a free port with its data in a temp dir.
3. FerretDB 1.24 with its SQLite backend, from ``<repo>/.cache/bin``, built
   there with the Go toolchain the first time (minidb/notes/ferretdb.py, the
   code ``minidb notes dev`` uses too).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pymongo import MongoClient

from minidb.notes import ferretdb
from minidb.notes.ferretdb import FERRETDB_MODULE, FERRETDB_VERSION, START_TIMEOUT  # noqa: F401 (re-exported)
from tests.harness import free_port, stop_process  # noqa: F401 (free_port: re-exported)

REPO = Path(__file__).resolve().parents[2]
CACHE_BIN = REPO / ".cache" / "bin"
FERRETDB = CACHE_BIN / "ferretdb"
DATABASE_PREFIX = "minidb_test_"


class MongoServerError(RuntimeError):
    """The test server could not be found, built or started."""


@dataclass
class MongoServer:
    """A running server (or an external one) and how to reach it."""

    uri: str
    kind: str
    startup_seconds: float
    process: subprocess.Popen[bytes] | None = None
    workdir: Path | None = None
    _admin: MongoClient | None = field(default=None, repr=False)

    @property
    def admin(self) -> MongoClient:
        if self._admin is None:
            self._admin = MongoClient(self.uri, serverSelectionTimeoutMS=5000)
        return self._admin

    @property
    def is_ferretdb(self) -> bool:
        """Whether the server is FerretDB (also behind TEST_MONGODB_URI)."""
        return "ferretdbVersion" in self.admin.admin.command("buildInfo")

    def database_uri(self, name: str) -> str:
        """The server's URI with ``name`` as its database (query options kept).

        A database in the original URI's path is also where its credentials
        live unless ``authSource`` says otherwise, so it is kept as authSource.
        """
        parts = urlsplit(self.uri)
        query = parse_qsl(parts.query, keep_blank_values=True)
        original = parts.path.lstrip("/")
        if original and not any(key.lower() == "authsource" for key, _ in query):
            query.append(("authSource", original))
        return urlunsplit(parts._replace(path="/" + name, query=urlencode(query)))

    def drop_database(self, name: str) -> None:
        # The guard is what lets TEST_MONGODB_URI point at a shared server.
        if not name.startswith(DATABASE_PREFIX):
            raise ValueError(f"refusing to drop {name!r}: not a {DATABASE_PREFIX}* database")
        self.admin.drop_database(name)

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
        if self.process is not None:
            stop_process(self.process)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def new_database_name() -> str:
    return f"{DATABASE_PREFIX}{uuid.uuid4().hex[:16]}"


def _ping(uri: str, timeout_ms: int = 500) -> bool:
    return ferretdb.ping(uri, timeout_ms)


def _start_process(kind: str, argv_for_port: Callable[[int], list[str]], workdir: Path) -> MongoServer:
    """Start a server on a free port and wait until it answers a ping."""
    try:
        server = ferretdb.start_server(kind, argv_for_port, workdir, workdir / f"{kind}.log")
    except ferretdb.FerretDBError as error:
        raise MongoServerError(str(error)) from None
    return MongoServer(server.uri, kind, server.startup_seconds, process=server.process, workdir=workdir)


def _ferretdb_works() -> bool:
    return ferretdb.works(FERRETDB)


def build_ferretdb() -> None:
    """Build FerretDB into .cache/bin unless a working binary is already there."""
    try:
        ferretdb.build(FERRETDB)
    except ferretdb.FerretDBError as error:
        raise MongoServerError(
            f"No test MongoDB server: TEST_MONGODB_URI is not set, there is no mongod on PATH, and {error}"
        ) from None


def start_mongo_server() -> MongoServer:
    """Start (or connect to) the test server; fail loudly with what is missing."""
    external = os.environ.get("TEST_MONGODB_URI")
    if external:
        started = time.monotonic()
        if not _ping(external, timeout_ms=5000):
            raise MongoServerError("TEST_MONGODB_URI is set but the server does not answer a ping")
        return MongoServer(external, "external (TEST_MONGODB_URI)", time.monotonic() - started)

    workdir = Path(tempfile.mkdtemp(prefix="minidb-mongo-"))
    try:
        mongod = shutil.which("mongod")
        if mongod:
            return _start_process(
                "mongod",
                lambda port: [
                    mongod,
                    "--dbpath",
                    str(workdir),
                    "--bind_ip",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--nounixsocket",
                    "--quiet",
                ],
                workdir,
            )
        build_ferretdb()
        data = workdir / "data"
        data.mkdir()
        return _start_process("ferretdb", ferretdb.ferretdb_argv(FERRETDB, data, workdir), workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


@contextlib.contextmanager
def mongo_server() -> Iterator[MongoServer]:
    """``with mongo_server() as server:`` — started, and stopped afterwards."""
    server = start_mongo_server()
    try:
        yield server
    finally:
        server.stop()
