"""FerretDB: a MongoDB wire-protocol server on SQLite, for a machine with no MongoDB.

``minidb notes dev`` and the test suite share this code: both build FerretDB
once and start it on a free loopback port.

About the build: ``go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2``
compiles, but the binary panics at start ("Invalid build/version/version.txt
file content"), because that file is generated in FerretDB's own build and is
not part of the module download. So the module source is copied to a temp
dir, the file is written there, and ``go build`` runs in the copy.
``CGO_ENABLED=0`` is fine (its SQLite driver is pure Go) and means no C
compiler is needed.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

FERRETDB_MODULE = "github.com/FerretDB/FerretDB"
FERRETDB_VERSION = "v1.24.2"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
BUILD_TIMEOUT = 900


class FerretDBError(RuntimeError):
    """FerretDB could not be built or started; the message says why."""


def default_binary(environ: Mapping[str, str] = os.environ) -> Path:
    """Where minidb keeps the FerretDB it builds: ``$XDG_CACHE_HOME/minidb/bin``, else ``~/.cache``."""
    cache = Path(environ["XDG_CACHE_HOME"]).expanduser() if environ.get("XDG_CACHE_HOME") else (
        Path.home() / ".cache"
    )
    return cache / "minidb" / "bin" / "ferretdb"


def works(binary: Path) -> bool:
    """Whether ``binary`` is a FerretDB of the version minidb is tested with."""
    if not os.access(binary, os.X_OK):
        return False
    result = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30, check=False)
    return result.returncode == 0 and FERRETDB_VERSION in result.stdout


def build(binary: Path) -> None:
    """Build FerretDB into ``binary`` with the Go toolchain, unless a working one is there."""
    binary.parent.mkdir(parents=True, exist_ok=True)
    # Concurrent callers (parallel test runs, two terminals) wait for one build instead of racing.
    with (binary.parent / f".{binary.name}.build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if works(binary):
            return
        go = shutil.which("go")
        if go is None:
            raise FerretDBError(
                f"FerretDB is not built at {binary} and there is no Go toolchain (`go`) to build it: "
                "install Go, or set MONGODB_URI to a MongoDB server"
            )
        env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false"}

        def go_run(*args: str, cwd: Path | None = None) -> str:
            result = subprocess.run(
                [go, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
                check=False,
            )
            if result.returncode != 0:
                raise FerretDBError(f"building FerretDB failed: go {' '.join(args)}\n{result.stderr[-3000:]}")
            return result.stdout

        info = json.loads(go_run("mod", "download", "-json", f"{FERRETDB_MODULE}@{FERRETDB_VERSION}"))
        with tempfile.TemporaryDirectory(prefix="ferretdb-src-") as tmp:
            source = Path(tmp) / "src"
            shutil.copytree(info["Dir"], source)  # the module cache copy is read-only
            for path in source.rglob("*"):
                path.chmod(path.stat().st_mode | 0o200)
            (source / "build" / "version" / "version.txt").write_text(FERRETDB_VERSION + "\n")
            partial = binary.with_name(binary.name + ".partial")
            go_run("build", "-trimpath", "-o", str(partial), "./cmd/ferretdb", cwd=source)
            partial.replace(binary)
        if not works(binary):
            raise FerretDBError(f"built {binary} but `{binary.name} --version` fails")


@dataclass
class Server:
    """A MongoDB wire-protocol server process this code started, and its URI."""

    process: subprocess.Popen[bytes]
    uri: str  # mongodb://127.0.0.1:<port>/ : callers append the database name
    startup_seconds: float

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL: never leave a server behind."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def ferretdb_argv(binary: Path, data: Path, state: Path) -> Callable[[int], list[str]]:
    """FerretDB's command line for a port: SQLite files in ``data``, its state in ``state``."""
    return lambda port: [
        str(binary),
        "--handler=sqlite",
        f"--sqlite-url=file:{data}/",
        f"--listen-addr=127.0.0.1:{port}",
        f"--state-dir={state}",
        "--debug-addr=-",
        "--telemetry=disable",
        "--log-level=error",
    ]


def start_server(
    kind: str, argv_for_port: Callable[[int], list[str]], cwd: Path, log_path: Path,
    stop_with_parent: bool = False,
) -> Server:
    """Start a server on a free loopback port and wait until it answers a ping.

    ``stop_with_parent`` (Linux) has the kernel send the server SIGTERM when
    this process dies, however it dies, so not even a SIGKILL leaves it running.
    """
    for _attempt in range(3):
        port = _free_port()
        uri = f"mongodb://127.0.0.1:{port}/"
        started = time.monotonic()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                argv_for_port(port), cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                # Its own process group: a Ctrl-C in the terminal reaches only us,
                # and we stop the server after what depends on it.
                start_new_session=stop_with_parent,
                preexec_fn=_die_with_parent(os.getpid()) if stop_with_parent else None,
            )
        while time.monotonic() - started < START_TIMEOUT:
            if process.poll() is not None:
                break
            if ping(uri):
                return Server(process, uri, time.monotonic() - started)
            time.sleep(0.1)
        else:
            process.kill()
            process.wait()
            raise FerretDBError(
                f"{kind} did not answer a ping within {START_TIMEOUT:.0f} s:\n{_log_tail(log_path)}"
            )
        if "address already in use" not in _log_tail(log_path).lower():
            break  # a real failure, not a lost race for the port
    raise FerretDBError(f"{kind} exited with status {process.returncode}:\n{_log_tail(log_path)}")


def start_ferretdb(binary: Path, folder: Path, stop_with_parent: bool = False) -> Server:
    """Start FerretDB with its data, state and log in ``folder`` (which it keeps between runs)."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    return start_server(
        "ferretdb", ferretdb_argv(binary, data, folder), folder, folder / "ferretdb.log", stop_with_parent
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ping(uri: str, timeout_ms: int = 500) -> bool:
    """Whether a server answers at ``uri`` within ``timeout_ms``."""
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


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None

    def set_parent_death_signal() -> None:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the request was in place
            os._exit(1)

    return set_parent_death_signal
