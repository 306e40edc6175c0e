"""A failover survived: both CLIs, a multi-host URL, a primary that stops, a standby promoted.

Replication is synchronous (a commit returns once the standby has applied
it), so every record a command reported as added must be there after the
failover, and the transaction a command had open when the primary stopped
must have left nothing.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
import time

import psycopg
import pytest

from tests.harness.postgres import ReplicatedPair
from tests.helpers import run, start

RECORD = {
    "todo": lambda label: {"description": label, "tags": ["bulk"]},
    "contacts": lambda label: {"name": label, "email": f"{label.replace(' ', '.')}@example.com"},
}
ADD = {
    "todo": lambda label: ["add", label, "--tag", "kept", "--json"],
    "contacts": lambda label: ["add", label, "--email", f"{label.replace(' ', '.')}@example.com",
                               "--json"],
}
LABEL_FIELD = {"todo": "description", "contacts": "name"}


def cli(app: str, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A real ``python -m minidb.<app> --db URL ARGS`` process, as a user runs it."""
    return run(app, "--db", url, *args)


def labels(app: str, url: str) -> list[str]:
    command = ["list", "--all", "--json"] if app == "todo" else ["list", "--json"]
    listed = cli(app, url, *command)
    assert (listed.returncode, listed.stderr) == (0, ""), listed.stderr
    return [record[LABEL_FIELD[app]] for record in json.loads(listed.stdout)]


def assert_one_error_line(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


class Importer:
    """A CLI import from a pipe, held open inside its transaction until told to finish."""

    def __init__(self, app: str, url: str, pair: ReplicatedPair) -> None:
        self.app = app
        self.process = start(app, "--db", url, "import", "-")
        self.primary_url = pair.primary.url

    def write(self, count: int, start: int = 0) -> None:
        assert self.process.stdin is not None
        for i in range(start, start + count):
            self.process.stdin.write(("[" if i == 0 else ",") + json.dumps(
                RECORD[self.app](f"imported {i}")) + "\n")
        self.process.stdin.flush()

    def wait_until_writing(self, timeout: float = 30) -> None:
        """Until the import has written rows in a transaction it has not committed."""
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.primary_url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, self.process.communicate()
                writing = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                    "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()").fetchone()[0]
                if writing:
                    return
                time.sleep(0.05)
        raise AssertionError("the import never began writing")

    def finish(self, start: int) -> subprocess.CompletedProcess[str]:
        """Send the rest of the file, so the import must reach the server again."""
        assert self.process.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # if it gave up already, so be it
            self.write(10, start)
            self.process.stdin.write("]\n")
            self.process.stdin.close()
        self.process.wait(timeout=60)  # what it prints is a line or two: no pipe fills up
        assert self.process.stdout is not None and self.process.stderr is not None
        return subprocess.CompletedProcess(self.process.args, self.process.returncode,
                                           self.process.stdout.read(), self.process.stderr.read())


class Writer(threading.Thread):
    """Adds records one command at a time, across the failover, noting which were acknowledged."""

    def __init__(self, app: str, url: str) -> None:
        super().__init__(daemon=True)
        self.app, self.url = app, url
        self.acknowledged: list[str] = []
        self.failures: list[subprocess.CompletedProcess[str]] = []
        self.done = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.done.is_set():
            n += 1
            label = f"during failover {n}"
            result = cli(self.app, self.url, *ADD[self.app](label))
            if result.returncode == 0:
                self.acknowledged.append(label)
            else:
                self.failures.append(result)


@pytest.mark.parametrize(("app", "stop_mode"), [("todo", "immediate"), ("contacts", "fast")])
def test_a_failover_loses_nothing_acknowledged_and_leaves_nothing_half_done(
        fresh_pair: ReplicatedPair, app: str, stop_mode: str) -> None:
    pair = fresh_pair
    url = pair.url("postgres", target_session_attrs="read-write")

    acknowledged = []
    for n in range(1, 4):
        added = cli(app, url, *ADD[app](f"before failover {n}"))
        assert (added.returncode, added.stderr) == (0, ""), added.stderr
        acknowledged.append(f"before failover {n}")

    importer = Importer(app, url, pair)
    importer.write(3000)  # far more than a pipe holds: the importer has read and inserted
    importer.wait_until_writing()
    writer = Writer(app, url)
    writer.start()
    time.sleep(0.5)

    pair.primary.stop(stop_mode)  # with a transaction open, and writes in flight
    cut_off = importer.finish(3000)
    assert_one_error_line(cut_off)
    between = cli(app, url, *ADD[app]("while no primary"))
    assert_one_error_line(between)

    pair.standby.promote()
    after = cli(app, url, *ADD[app]("after failover"))
    assert (after.returncode, after.stderr) == (0, ""), after.stderr
    before_promotion = len(writer.acknowledged)
    deadline = time.monotonic() + 30
    while len(writer.acknowledged) <= before_promotion:  # the writer got through too
        assert time.monotonic() < deadline, [f.stderr for f in writer.failures]
        time.sleep(0.1)
    writer.done.set()
    writer.join(timeout=60)

    for failure in writer.failures:  # commands that met the outage failed cleanly
        assert_one_error_line(failure)
    stored = labels(app, url)
    missing = [label for label in [*acknowledged, *writer.acknowledged, "after failover"]
               if label not in stored]
    assert missing == []
    assert not [label for label in stored if label.startswith("imported")]
    assert "while no primary" not in stored
    assert len(stored) == len(set(stored))
    if app == "todo":  # each task whole: its tag came with it
        tasks = json.loads(cli(app, url, "list", "--all", "--json").stdout)
        assert all(task["tags"] == ["kept"] for task in tasks)
