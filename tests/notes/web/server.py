"""The notes app in a real gunicorn, as production runs it, for the browser.

Unlike tests.notes.helpers.serve, this one can set NOTES_API_TOKEN (so it
waits for ``GET /``, which stays open, rather than /openapi.json, which
then needs the token) and keeps the server's whole output, access log
included, in a file that tests can read.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.harness import free_port, stop_process
from tests.notes.helpers import REPO, TcpProxy, request


@dataclass
class WebServer:
    base: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def web_server(mongodb_uri: str, log: Path, *, token: str | None = None) -> Iterator[WebServer]:
    port = free_port()
    argv = [
        sys.executable, "-m", "gunicorn",
        "-w", "2", "--threads", "4",
        "-b", f"127.0.0.1:{port}",
        "--graceful-timeout", "2",
        "--access-logfile", "-",
        "minidb.notes:create_app()",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["MONGODB_URI"] = mongodb_uri
    env.pop("NOTES_API_TOKEN", None)
    if token is not None:
        env["NOTES_API_TOKEN"] = token
    base = f"http://127.0.0.1:{port}"
    with log.open("ab") as output:
        process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
            try:
                if request(base, "GET", "/", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("gunicorn did not start serving within 20 s")
            time.sleep(0.1)
        yield WebServer(base, log)
    finally:
        stop_process(process)


def proxied_uri(database_uri: str, proxy: TcpProxy) -> str:
    """``database_uri`` by way of ``proxy``: cutting the proxy is a database outage."""
    target = urlsplit(database_uri)
    userinfo = target.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@127.0.0.1:{proxy.port}" if userinfo else f"127.0.0.1:{proxy.port}"
    # directConnection: talk to the proxy only, never to replica-set members it names.
    query = "&".join(filter(None, [target.query, "directConnection=true"]))
    return urlunsplit(target._replace(netloc=netloc, query=query))
