"""A throwaway MongoDB wire-protocol server for the test suite.

Which server, in order of preference:

1. ``TEST_MONGODB_URI``, if set: an existing server the developer chose.
   Only databases named ``minidb_test_*`` are created there, and each is
   dropped after its test. ``MONGODB_URI`` is never used: it may name
   somebody's real data (SPEC §6).
2. ``mongod`` on PATH, started on a free port with its data in a temp dir.
3. FerretDB 1.24 with its SQLite backend, from ``<repo>/.cache/bin``, built
   there with the Go toolchain the first time.

About the FerretDB build: ``go install
github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`` compiles, but the
binary panics at start ("Invalid build/version/version.txt file content"),
because that file is generated in FerretDB's own build and is not part of
the module download. So the module source is copied to a temp dir, the file
is written there, and ``go build`` runs in the copy. ``CGO_ENABLED=0`` is
fine (its SQLite driver is pure Go) and means no C compiler is needed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
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
from pymongo.errors import PyMongoError

from tests.harness import free_port, stop_process

REPO = Path(__file__).resolve().parents[2]
CACHE_BIN = REPO / ".cache" / "bin"
FERRETDB = CACHE_BIN / "ferretdb"
FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
FERRETDB_VERSION = "v1.24.2"
DATABASE_PREFIX = "minidb_test_"
START_TIMEOUT = 30.0
BUILD_TIMEOUT = 900


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
    client: MongoClient = MongoClient(uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms)
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _start_process(kind: str, argv_for_port: Callable[[int], list[str]], workdir: Path) -> MongoServer:
    """Start a server on a free port and wait until it answers a ping."""
    log_path = workdir / f"{kind}.log"
    for _attempt in range(3):
        port = free_port()
        uri = f"mongodb://127.0.0.1:{port}/"
        started = time.monotonic()
        with log_path.open("wb") as log:
            process = subprocess.Popen(argv_for_port(port), cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        while time.monotonic() - started < START_TIMEOUT:
            if process.poll() is not None:
                break
            if _ping(uri):
                return MongoServer(uri, kind, time.monotonic() - started, process=process, workdir=workdir)
            time.sleep(0.1)
        else:
            process.kill()
            process.wait()
            raise MongoServerError(
                f"{kind} did not answer a ping within {START_TIMEOUT:.0f} s:\n{_log_tail(log_path)}"
            )
        if "address already in use" not in _log_tail(log_path).lower():
            break  # a real failure, not a lost race for the port
    raise MongoServerError(f"{kind} exited with status {process.returncode}:\n{_log_tail(log_path)}")


def _ferretdb_works() -> bool:
    if not os.access(FERRETDB, os.X_OK):
        return False
    result = subprocess.run([FERRETDB, "--version"], capture_output=True, text=True, timeout=30, check=False)
    return result.returncode == 0 and FERRETDB_VERSION in result.stdout


def build_ferretdb() -> None:
    """Build FerretDB into .cache/bin unless a working binary is already there."""
    CACHE_BIN.mkdir(parents=True, exist_ok=True)
    # Parallel test runs on one checkout wait for one build instead of racing.
    with (CACHE_BIN.parent / "ferretdb.build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _ferretdb_works():
            return
        go = shutil.which("go")
        if go is None:
            raise MongoServerError(
                "No test MongoDB server: TEST_MONGODB_URI is not set, there is no mongod on "
                f"PATH, no working {FERRETDB}, and no Go toolchain (`go`) to build FerretDB. "
                "Install one of them."
            )
        env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false"}

        def go_run(*args: str, cwd: Path | None = None) -> str:
            result = subprocess.run(
                [go, *args],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT,
                check=False,
            )
            if result.returncode != 0:
                raise MongoServerError(
                    f"building FerretDB failed: go {' '.join(args)}\n{result.stderr[-3000:]}"
                )
            return result.stdout

        info = json.loads(go_run("mod", "download", "-json", f"{FERRETDB_MODULE}@{FERRETDB_VERSION}"))
        with tempfile.TemporaryDirectory(prefix="ferretdb-src-") as tmp:
            source = Path(tmp) / "src"
            shutil.copytree(info["Dir"], source)  # the module cache copy is read-only
            for path in source.rglob("*"):
                path.chmod(path.stat().st_mode | 0o200)
            (source / "build" / "version" / "version.txt").write_text(FERRETDB_VERSION + "\n")
            partial = CACHE_BIN / "ferretdb.partial"
            go_run("build", "-trimpath", "-o", str(partial), "./cmd/ferretdb", cwd=source)
            partial.replace(FERRETDB)
        if not _ferretdb_works():
            raise MongoServerError(f"built {FERRETDB} but `ferretdb --version` fails")


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
        return _start_process(
            "ferretdb",
            lambda port: [
                str(FERRETDB),
                "--handler=sqlite",
                f"--sqlite-url=file:{data}/",
                f"--listen-addr=127.0.0.1:{port}",
                f"--state-dir={workdir}",
                "--debug-addr=-",
                "--telemetry=disable",
                "--log-level=error",
            ],
            workdir,
        )
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
