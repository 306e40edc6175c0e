"""Shared assertions and a stdlib HTTP client for tests against real processes."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from tests.harness import free_port, stop_process

REPO = Path(__file__).resolve().parents[2]
PROBLEM_JSON = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """A Flask test response is an RFC 9457 problem with this status."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json(force=True)
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= set(body)
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    base: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15,
) -> Reply:
    """One HTTP request on a fresh connection (safe to use from many threads)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    all_headers = dict(headers or {})
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    try:
        connection.request(method, path, body=data, headers=all_headers)
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def send_early_answered(
    base: str, head: bytes, body: Iterable[bytes], *, timeout: float = 15
) -> Reply:
    """Send a request whose body the server may refuse before it has all arrived.

    A server that answers 413 early may close the connection while the
    client is still sending; a client that sends everything before reading
    then dies of BrokenPipeError or ConnectionResetError, depending on the
    timing. So the body goes out from another thread, which stops quietly
    when the server closes, while this one reads the answer.
    """
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=timeout)

    def send() -> None:
        with suppress(OSError):
            sock.sendall(head)
            for chunk in body:
                sock.sendall(chunk)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Reply(response.status, response.headers, response.read())
    finally:
        sock.close()
        sender.join(timeout)


def chunked(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """``data`` in the chunked transfer coding (RFC 9112 §7.1)."""
    for start in range(0, len(data), size):
        piece = data[start : start + size]
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


class Served(NamedTuple):
    base: str  # http://127.0.0.1:PORT
    process: subprocess.Popen  # the server (gunicorn's master, for gunicorn)


@contextmanager
def serve(
    argv_tail: list[str], mongodb_uri: str, *, cwd: Path = REPO, log: Path | None = None
) -> Iterator[Served]:
    """Run the app in a real server process; yields its base URL and process.

    ``argv_tail`` follows ``python -m``; ``{port}`` in it is replaced by a
    free port. MONGODB_URI is set for the child only, to the test database.
    The server's output goes to ``log`` if given (read it once the block
    ends), else to a pipe shown if the server fails to start.
    """
    port = free_port()
    argv = [sys.executable, "-m", *(a.replace("{port}", str(port)) for a in argv_tail)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["MONGODB_URI"] = mongodb_uri
    with ExitStack() as stack:
        output = stack.enter_context(log.open("wb")) if log else subprocess.PIPE
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 20
            while True:
                if process.poll() is not None:
                    if log:
                        printed = log.read_text(errors="replace")
                    else:
                        printed = process.stdout.read().decode(errors="replace") if process.stdout else ""
                    raise AssertionError(f"{argv} exited with {process.returncode}:\n{printed}")
                try:
                    if request(base, "GET", "/openapi.json", timeout=2).status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"{argv} did not start serving within 20 s")
                time.sleep(0.1)
            yield Served(base, process)
        finally:
            stop_process(process)
            if process.stdout:
                process.stdout.close()


def closed_port_uri() -> str:
    """A MongoDB URI where nothing listens: connections are refused, as when mongod is stopped."""
    return f"mongodb://127.0.0.1:{free_port()}/notesdb"


def gunicorn(port_placeholder: str = "{port}") -> list[str]:
    # The documented production command, plus threads so requests can overlap.
    return [
        "gunicorn",
        "-w",
        "2",
        "--threads",
        "4",
        "-b",
        f"127.0.0.1:{port_placeholder}",
        "--graceful-timeout",
        "2",
        "minidb.notes:create_app()",
    ]


class TcpProxy:
    """A TCP forwarder that can be cut and restored: a database outage on demand.

    ``stop()`` closes the listener and every open connection, so the app's
    pooled connections die just as they would if the server went away;
    ``start()`` listens on the same port again.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
            listener, self._listener = self._listener, None
        for sock in [*sockets, *([listener] if listener else [])]:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # listener closed by stop()
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
