"""gunicorn's settings for the notes API in production.

gunicorn reads ./gunicorn.conf.py by itself, so the documented command,
run at the repo root, uses these settings:

    gunicorn 'minidb.notes:create_app()'

Options given on the command line win over this file (for example
``-b 0.0.0.0:8000``, ``-w 4``); WEB_CONCURRENCY sets the number of workers.
The app is not preloaded: each worker must create its own MongoClient after
the fork (pymongo's client is not fork-safe).
"""

from __future__ import annotations

import json
import os
import socket

import gunicorn.util


def _cores() -> int:
    """The cores this process may run on (a container's share, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Threaded workers. gunicorn's default, one sync worker, serves one
# connection at a time: a client that sends half its headers and waits
# stalls every other client until the worker is killed at `timeout`, and
# then gets an HTML 500. A gthread worker reads each request in a thread of
# its own, so a slow client holds one thread while the others keep
# serving. The requests themselves mostly wait on MongoDB, which threads
# do well. To take slow clients off the workers entirely, put a buffering
# reverse proxy (nginx, a cloud load balancer) in front.
worker_class = "gthread"
threads = 8
# gunicorn's advice, (2 x cores) + 1, for requests that mostly wait.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * _cores() + 1))

# A worker whose main loop stops for this long is replaced. With gthread a
# long request does not stop the loop, so this only catches a hung worker.
timeout = 30
# On a restart or stop, requests in flight get this long to finish.
graceful_timeout = 10
# Idle kept-alive connections are closed after this many seconds.
keepalive = 5

# The API's longest request line (a search and a tag, percent-encoded, and a
# cursor) is under 3 KB, and its clients send a dozen headers or so; larger
# requests are refused before the app sees them.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190


# Requests gunicorn refuses itself (a request line or headers beyond the
# limits above, a malformed request) never reach the app, and gunicorn
# answers them with an HTML page. The API answers nothing in HTML, so its
# one call for those answers writes an RFC 9457 problem instead; status
# and reason are gunicorn's. (This file runs in the master, before the
# workers are forked, so every worker writes errors this way.)
def _write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    body = json.dumps(
        {"type": "about:blank", "title": reason, "status": status_int, "detail": mesg or reason}
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/problem+json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    gunicorn.util.write_nonblock(sock, head.encode("latin-1") + body)


gunicorn.util.write_error = _write_problem
