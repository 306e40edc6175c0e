"""The to-do CLI as users run it: real ``python -m minidb.todo`` processes."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from tests.harness import free_port
from tests.helpers import run

todo = partial(run, "todo")


def test_python_dash_m_runs_the_cli(todo_url: str) -> None:
    added = todo("--db", todo_url, "add", "from", "a", "process", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["description"] == "from a process"
    listed = todo("--db", todo_url, "list")
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, "   1 [ ] from a process\n", "")


def test_an_argument_that_is_not_utf8_is_refused_with_exit_2(todo_url: str) -> None:
    result = todo("--db", todo_url, "add", b"caf\xe9")
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", "Error: description is not UTF-8 text (byte 0xE9 at character 4)\n")


def test_concurrent_adds_from_8_processes_lose_nothing(new_database) -> None:
    # A database nobody has used yet: the first runs also race to migrate it.
    url = new_database("todo", migrated=False)

    def worker(n: int) -> list[tuple[int, str]]:
        return [(r.returncode, r.stderr)
                for r in (todo("--db", url, "add", f"worker {n} task {i}") for i in range(4))]

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = [o for batch in pool.map(worker, range(8)) for o in batch]
    assert outcomes == [(0, "")] * 32
    listed = json.loads(todo("--db", url, "list", "--json").stdout)
    assert sorted(t["description"] for t in listed) == sorted(
        f"worker {n} task {i}" for n in range(8) for i in range(4))
    assert sorted(t["id"] for t in listed) == list(range(1, 33))


def test_an_unreachable_postgres_fails_fast_with_exit_1_and_no_password() -> None:
    url = f"postgresql://ada:s3cret-pw@127.0.0.1:{free_port()}/todo"
    started = time.monotonic()
    result = todo("--db", url, "list")
    elapsed = time.monotonic() - started
    assert elapsed < 10
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("Error: cannot connect to postgresql://ada:***@127.0.0.1:")
    assert "s3cret-pw" not in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_broken_sqlite_path_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    result = todo("--db", f"sqlite:///{tmp_path}/dir.db", "list")
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: cannot open sqlite:///{tmp_path}/dir.db: ")
    assert result.stderr.count("\n") == 1
