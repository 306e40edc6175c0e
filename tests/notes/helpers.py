"""Shared assertions and a stdlib HTTP client for tests against real processes."""

from __future__ import annotations

import http.client
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import bson
from bson import ObjectId

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


#: MongoDB wire protocol: every message starts with its length, its id, the
#: id of the request it answers, and its opcode (all little-endian int32).
WIRE_HEADER = struct.Struct("<iiii")
OP_MSG = 2013
#: The commands that read and write notes (not the driver's own hello/ping).
WRITE_COMMANDS = frozenset({"insert", "update", "delete", "findAndModify"})
DATA_COMMANDS = WRITE_COMMANDS | {"find", "getMore", "count", "aggregate", "createIndexes"}
NOT_PRIMARY = {"ok": 0.0, "code": 10107, "codeName": "NotWritablePrimary", "errmsg": "not primary"}
STEPPED_DOWN = {
    "ok": 1.0,
    "n": 1,
    "writeConcernError": {
        "code": 189,
        "codeName": "PrimarySteppedDown",
        "errmsg": "operation was interrupted because the primary stepped down",
    },
}


class TcpProxy:
    """A forwarder in front of the test server: outages and step-downs on demand.

    ``stop()`` closes the listener and every open connection, so the app's
    pooled connections die just as they would if the server went away;
    ``start()`` listens on the same port again.

    ``fail(how)`` makes each data command the app sends from then on meet
    what a replica set does to it while its primary steps down and another
    is elected (no real replica set runs here), until ``heal()``:

    - ``"drop"``: the command reaches the server, but the connection is cut
      before the reply (a primary that steps down closes its connections);
    - ``"not primary"``: the proxy answers NotWritablePrimary (10107) itself,
      as a member that is no longer primary does;
    - ``"write concern"``: the server writes, but its reply to a write is
      replaced by a PrimarySteppedDown (189) write concern error, as when
      the primary steps down while waiting for w=majority.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._fault: str | None = None

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
            _cut(sock)
            sock.close()

    def fail(self, how: str) -> None:
        assert how in ("drop", "not primary", "write concern"), how
        self._fault = how

    def heal(self) -> None:
        self._fault = None

    def uri(self, server_uri: str) -> str:
        """``server_uri`` (a single-host mongodb:// URI) through this proxy."""
        target = urlsplit(server_uri)
        userinfo = target.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@127.0.0.1:{self.port}" if userinfo else f"127.0.0.1:{self.port}"
        # directConnection: talk to the proxy only, never to replica-set members it names.
        query = "&".join(filter(None, [target.query, "directConnection=true"]))
        return urlunsplit(target._replace(netloc=netloc, query=query))

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
            link = _Link(client, upstream)
            threading.Thread(target=self._requests, args=(link,), daemon=True).start()
            threading.Thread(target=self._replies, args=(link,), daemon=True).start()

    def _requests(self, link: _Link) -> None:
        try:
            while (message := _read_message(link.client)) is not None:
                request_id, command = _command_of(message)
                fault = self._fault if command in DATA_COMMANDS else None
                if fault == "not primary":
                    link.answer(_reply(request_id, NOT_PRIMARY))
                    continue
                if fault == "write concern" and command in WRITE_COMMANDS:
                    link.instead[request_id] = _reply(request_id, STEPPED_DOWN)
                elif fault == "drop":
                    link.instead[request_id] = None
                link.upstream.sendall(message)
        except OSError:
            pass
        finally:
            link.cut()

    @staticmethod
    def _replies(link: _Link) -> None:
        try:
            while (message := _read_message(link.upstream)) is not None:
                response_to = WIRE_HEADER.unpack_from(message)[2]
                if response_to in link.instead:
                    message = link.instead.pop(response_to)
                    if message is None:
                        break  # the server has done it; the client never hears
                link.answer(message)
        except OSError:
            pass
        finally:
            link.cut()


@dataclass
class _Link:
    """One client connection through the proxy, and its connection to the server."""

    client: socket.socket
    upstream: socket.socket
    #: What the client gets instead of the reply to these requests (None: the connection is cut).
    instead: dict[int, bytes | None] = field(default_factory=dict)
    #: Replies reach the client from both threads (the proxy's own answers).
    sending: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, message: bytes) -> None:
        with self.sending:
            self.client.sendall(message)

    def cut(self) -> None:
        _cut(self.client)
        _cut(self.upstream)


def _cut(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _read_message(sock: socket.socket) -> bytes | None:
    """One whole wire-protocol message, or None when the connection ends."""
    header = _read_exactly(sock, WIRE_HEADER.size)
    if header is None:
        return None
    body = _read_exactly(sock, WIRE_HEADER.unpack(header)[0] - WIRE_HEADER.size)
    return None if body is None else header + body


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _command_of(message: bytes) -> tuple[int, str | None]:
    """A request's id and command name (the first key of its OP_MSG body)."""
    _, request_id, _, opcode = WIRE_HEADER.unpack_from(message)
    # OP_MSG: flag bits (uint32), then sections; kind 0 is the command document.
    body_at = WIRE_HEADER.size + 4
    if opcode != OP_MSG or message[body_at] != 0:
        return request_id, None
    size = int.from_bytes(message[body_at + 1 : body_at + 5], "little")
    document = bson.decode(message[body_at + 1 : body_at + 1 + size])
    return request_id, next(iter(document), None)


def _reply(response_to: int, document: dict[str, Any]) -> bytes:
    body = struct.pack("<IB", 0, 0) + bson.encode(document)
    return WIRE_HEADER.pack(WIRE_HEADER.size + len(body), 0, response_to, OP_MSG) + body


def export_line(title: str = "t", oid: str | None = None, **overrides) -> str:
    """One line of a notes export (Extended JSON), with ``overrides`` applied to the record."""
    record = {
        "_id": {"$oid": oid or str(ObjectId())},
        "title": title,
        "content": "",
        "tags": [],
        "created_at": {"$date": "2025-01-02T03:04:05.678Z"},
        "updated_at": {"$date": "2025-01-02T03:04:05.678Z"},
        "version": 1,
    }
    record.update(overrides)
    return json.dumps(record)
