"""`minidb notes dev`: the notes app on a machine with no MongoDB.

It starts FerretDB (built once) with its data in the data dir, serves the API
on 127.0.0.1, and Ctrl-C stops both; with MONGODB_URI set it starts nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from bson import ObjectId
from pymongo import MongoClient

from minidb.notes import ferretdb
from tests.harness import child_pids, free_port, stop_process
from tests.harness import mongo as harness
from tests.notes.helpers import REPO, request

START_DEADLINE = 60.0  # seconds: FerretDB and the API up (generous: a busy 2-core machine)
STOP_DEADLINE = 20.0


@pytest.fixture(scope="module")
def ferretdb_binary() -> Path:
    """The suite's FerretDB (the one `make notes` uses too), built if it is not yet."""
    if not ferretdb.works(harness.FERRETDB) and shutil.which("go") is None:
        pytest.skip("no FerretDB binary and no Go to build it")
    harness.build_ferretdb()
    return harness.FERRETDB


def dev_environment(data_dir: Path, binary: Path | None, mongodb_uri: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "MINIDB_FERRETDB")}
    env["MINIDB_DATA_DIR"] = str(data_dir)
    if binary is not None:
        env["MINIDB_FERRETDB"] = str(binary)
    if mongodb_uri is not None:
        env["MONGODB_URI"] = mongodb_uri
    return env


@contextmanager
def notes_dev(env: dict[str, str], port: int) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`minidb notes dev --port PORT`, running until /healthz answers; killed if the test fails."""
    process = subprocess.Popen(
        [sys.executable, "-m", "minidb", "notes", "dev", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_DEADLINE
        while True:
            if process.poll() is not None:
                pytest.fail(f"minidb notes dev exited with {process.returncode}:\n{process.stdout.read()}")
            try:
                if request(base, "GET", "/healthz", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"minidb notes dev did not serve /healthz within {START_DEADLINE:.0f} s")
            time.sleep(0.2)
        yield process, base
    finally:
        if process.poll() is None:
            for pid in child_pids(process.pid):
                os.kill(pid, signal.SIGKILL)
            stop_process(process)
        process.stdout.close()


def interrupt(process: subprocess.Popen[str]) -> str:
    """Ctrl-C: SIGINT to the process; its output once it has ended."""
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=STOP_DEADLINE)
    return output


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def assert_gone(pid: int) -> None:
    deadline = time.monotonic() + STOP_DEADLINE
    while is_running(pid):
        assert time.monotonic() < deadline, f"process {pid} is still running"
        time.sleep(0.1)


def test_dev_serves_the_api_on_ferretdb_with_its_data_in_the_data_dir(ferretdb_binary, tmp_path):
    env = dev_environment(tmp_path / "data", ferretdb_binary)
    with notes_dev(env, free_port()) as (process, base):
        [server] = child_pids(process.pid)
        assert "ferretdb" in Path(f"/proc/{server}/cmdline").read_text()
        created = request(base, "POST", "/notes", {"title": "Written on FerretDB"})
        assert created.status == 201, created.body
        output = interrupt(process)
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert not is_running(process.pid)
    assert_gone(server)
    assert any((tmp_path / "data" / "ferretdb" / "data").iterdir()), "no FerretDB files in the data dir"
    for folder in (tmp_path / "data", tmp_path / "data" / "ferretdb"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder  # the notes are personal data

    # The note lives in the data dir: the next session sees it.
    with notes_dev(env, free_port()) as (process, base):
        listed = request(base, "GET", "/notes")
        assert [note["title"] for note in listed.json()] == ["Written on FerretDB"]
        assert request(base, "GET", f"/notes/{created.json()['id']}").status == 200
        interrupt(process)
    assert process.returncode == 0


def test_with_mongodb_uri_dev_uses_that_server_and_starts_nothing(mongodb_uri, tmp_path):
    # No FerretDB binary named either: nothing may be built or started.
    env = dev_environment(tmp_path / "data", tmp_path / "no-ferretdb", mongodb_uri)
    with notes_dev(env, free_port()) as (process, base):
        assert child_pids(process.pid) == []
        created = request(base, "POST", "/notes", {"title": "On the given server"})
        assert created.status == 201, created.body
        output = interrupt(process)
    assert process.returncode == 0, output
    client: MongoClient = MongoClient(mongodb_uri)
    try:
        stored = client.get_default_database().notes.find_one({"_id": ObjectId(created.json()["id"])})
    finally:
        client.close()
    assert stored is not None and stored["title"] == "On the given server"
    assert not (tmp_path / "no-ferretdb").exists()
    assert not (tmp_path / "data" / "ferretdb").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_ferretdb_does_not_outlive_a_killed_dev(ferretdb_binary, tmp_path):
    env = dev_environment(tmp_path / "data", ferretdb_binary)
    with notes_dev(env, free_port()) as (process, _base):
        [server] = child_pids(process.pid)
        process.kill()
        process.wait()
        assert_gone(server)


def test_a_port_in_use_is_one_error_line_and_starts_nothing(ferretdb_binary, tmp_path):
    env = dev_environment(tmp_path / "data", ferretdb_binary)
    with notes_dev(env, free_port()) as (running, base):
        port = int(base.rsplit(":", 1)[1])
        second = subprocess.run(
            [sys.executable, "-m", "minidb", "notes", "dev", "--port", str(port)],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=STOP_DEADLINE,
        )
        interrupt(running)
    assert second.returncode == 1
    assert second.stderr.startswith("Error: ") and second.stderr.count("\n") == 1, second.stderr
    assert f"port {port}" in second.stderr


def test_two_dev_sessions_cannot_share_one_data_dir(ferretdb_binary, tmp_path):
    env = dev_environment(tmp_path / "data", ferretdb_binary)
    with notes_dev(env, free_port()) as (running, _base):
        second = subprocess.run(
            [sys.executable, "-m", "minidb", "notes", "dev", "--port", str(free_port())],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=STOP_DEADLINE,
        )
        interrupt(running)
    assert second.returncode == 1
    assert "another 'minidb notes dev'" in second.stderr, second.stderr
    assert "Traceback" not in second.stderr


def test_minidb_notes_runs_the_flask_commands(mongodb_uri, tmp_path):
    env = dev_environment(tmp_path / "data", None, mongodb_uri)

    def notes(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "minidb", "notes", *args], cwd=tmp_path, env=env,
                              input=input, capture_output=True, text=True, timeout=60)

    ready = notes("init-db")
    assert ready.returncode == 0, ready.stderr
    assert ready.stdout.startswith("Indexes ready: ")
    line = ('{"_id": {"$oid": "6b072c1eb28d1c39bdc7d803"}, "title": "Kept", "content": "", "tags": [], '
            '"created_at": {"$date": "2026-11-25T18:42:38.043Z"}, '
            '"updated_at": {"$date": "2026-11-25T18:42:38.043Z"}, "version": 1}')
    imported = notes("import", "-", input=line + "\n")
    assert imported.returncode == 0, imported.stderr
    exported = notes("export")
    assert exported.returncode == 0, exported.stderr
    assert [json.loads(row)["title"] for row in exported.stdout.splitlines()] == ["Kept"]
