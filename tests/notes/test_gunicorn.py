"""The production command with the settings the repo ships (gunicorn.conf.py).

`gunicorn 'minidb.notes:create_app()'` at the repo root reads
./gunicorn.conf.py by itself; these tests run exactly that, in a real
gunicorn, against real sockets.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.notes.helpers import PROBLEM_JSON, REPO, request, serve

APP = "minidb.notes:create_app()"
PROMPT = 5.0  # seconds: generous for "answered while the slow client hangs on"


def shipped_settings(mongodb_uri: str, **env: str) -> dict[str, str]:
    """The settings gunicorn resolves for the documented command, run at the repo root."""
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", APP],
        cwd=REPO,
        env={**os.environ, "MONGODB_URI": mongodb_uri, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, re.MULTILINE))


def test_the_documented_command_picks_up_the_shipped_settings(mongodb_uri):
    settings = shipped_settings(mongodb_uri)
    assert settings["worker_class"] == "gthread"
    assert int(settings["threads"]) >= 4
    assert int(settings["workers"]) == 2 * len(os.sched_getaffinity(0)) + 1
    assert int(settings["timeout"]) == 30
    assert int(settings["limit_request_line"]) <= 8190
    assert int(settings["limit_request_fields"]) <= 100
    assert int(settings["limit_request_field_size"]) <= 8190
    assert shipped_settings(mongodb_uri, WEB_CONCURRENCY="3")["workers"] == "3"


def slow_client(base: str, sent: bytes) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(sent)
    return sock


def test_clients_that_send_slowly_or_not_at_all_do_not_stall_the_others(mongodb_uri):
    # One worker, so nothing but its threads can keep the other clients served.
    with serve(["gunicorn", "--workers", "1", "-b", "127.0.0.1:{port}", APP], mongodb_uri) as (base, _):
        created = request(base, "POST", "/notes", {"title": "served"})
        assert created.status == 201
        half_headers = [slow_client(base, b"GET /notes HTTP/1.1\r\nHost: test\r\nAccept: ") for _ in range(2)]
        silent = slow_client(base, b"")
        try:
            time.sleep(0.5)  # the slow clients' requests are in the worker's hands now

            def other_client(_: int) -> tuple[int, float]:
                started = time.monotonic()
                reply = request(base, "GET", "/notes", timeout=PROMPT * 2)
                return reply.status, time.monotonic() - started

            with ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(other_client, range(20)))
            assert [status for status, _ in answers] == [200] * 20
            slowest = max(elapsed for _, elapsed in answers)
            assert slowest < PROMPT, f"a client waited {slowest:.1f} s behind the slow ones"

            # The slow client finishes its request at last, and is served like any other.
            first = half_headers[0]
            first.sendall(b"application/json\r\nConnection: close\r\n\r\n")
            reply = first.makefile("rb").read()
            head, _, body = reply.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200"), reply[:300]
            assert b"Content-Type: application/json" in head
            assert b"<html" not in reply.lower()
            assert b'"served"' in body
        finally:
            for sock in [*half_headers, silent]:
                sock.close()
        # And the server is still serving once they are gone.
        assert request(base, "GET", "/healthz", timeout=PROMPT).status == 200


@pytest.mark.parametrize(
    ("sent", "status"),
    [
        (b"GET /notes?q=" + b"x" * 5000 + b" HTTP/1.1\r\nHost: test\r\n\r\n", 414),
        (b"GET /notes HTTP/1.1\r\nHost: test\r\n" + b"X-Many: yes\r\n" * 60 + b"\r\n", 431),
        (b"GET /notes HTTP/1.1\r\nHost: test\r\nX-Long: " + b"x" * 9000 + b"\r\n\r\n", 431),
        (b"NOT A REQUEST\r\n\r\n", 400),
    ],
    ids=["long request line", "many headers", "long header", "malformed"],
)
def test_requests_gunicorn_refuses_itself_get_problems_not_html(mongodb_uri, sent, status):
    with serve(["gunicorn", "--workers", "1", "-b", "127.0.0.1:{port}", APP], mongodb_uri) as (base, _):
        sock = slow_client(base, sent)
        try:
            response = http.client.HTTPResponse(sock)
            response.begin()
            body = response.read()
        finally:
            sock.close()
        assert response.status == status, body
        assert response.headers["Content-Type"] == PROBLEM_JSON
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        problem = json.loads(body)
        assert problem["status"] == status and problem["title"] == response.reason
