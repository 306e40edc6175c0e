"""Long imports and exports show progress on stderr when it is a terminal, and only then.

Real processes, with stderr on a pseudo-terminal or a pipe. The delay before
progress appears (about a second) is set to 0 here, so a small import is
"long" and no test depends on how fast the machine is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.harness.terminal import run_on_terminal

REPO = Path(__file__).resolve().parents[2]
COUNT = 3000


def tasks_file(tmp_path: Path) -> Path:
    path = tmp_path / "tasks.json"
    path.write_text(json.dumps([{"uid": str(uuid.uuid4()), "description": f"task {n}"}
                                for n in range(COUNT)]))
    return path


def run(args: list[str], stderr_on_terminal: bool, delay: str = "0") -> tuple[int, str, str]:
    """Run ``python -m minidb.todo ARGS``; its exit status, stdout and what stderr showed."""
    env = {**os.environ, "MINIDB_PROGRESS_AFTER": delay}
    if not stderr_on_terminal:
        done = subprocess.run([sys.executable, "-m", "minidb.todo", *args], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout, done.stderr
    return run_on_terminal([sys.executable, "-m", "minidb.todo", *args], env, REPO)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_import_and_export_show_progress_on_a_terminal(todo_url, tmp_path, fmt) -> None:
    code, out, shown = run(["--db", todo_url, "import", str(tasks_file(tmp_path))], True)
    assert (code, out) == (0, f"Imported {COUNT} tasks.\n")
    assert "\rImporting: " in shown.replace("\x1b[K", "") and " tasks (" in shown
    assert shown.endswith("\r\x1b[K")  # the counter is erased: the terminal keeps the result

    code, out, shown = run(["--db", todo_url, "export", "--format", fmt], True)
    assert code == 0 and len(out.splitlines()) >= COUNT
    assert "\rExporting: " in shown.replace("\x1b[K", "")
    assert shown.endswith("\r\x1b[K")


def test_nothing_extra_on_stderr_when_it_is_not_a_terminal(todo_url, tmp_path) -> None:
    code, out, stderr = run(["--db", todo_url, "import", str(tasks_file(tmp_path))], False)
    assert (code, out, stderr) == (0, f"Imported {COUNT} tasks.\n", "")
    code, out, stderr = run(["--db", todo_url, "export"], False)
    assert (code, stderr) == (0, "")
    assert len(json.loads(out)) == COUNT


def test_a_quick_import_shows_nothing_even_on_a_terminal(todo_url, tmp_path) -> None:
    code, out, shown = run(["--db", todo_url, "import", str(tasks_file(tmp_path))], True, delay="3600")
    assert (code, out, shown) == (0, f"Imported {COUNT} tasks.\n", "")


def test_skipped_records_are_named_on_lines_of_their_own_beside_the_counter(todo_url, tmp_path) -> None:
    path = tmp_path / "tasks.json"
    records = [{"description": f"task {n}"} for n in range(COUNT)]
    records[2000] = {"description": " "}
    path.write_text(json.dumps(records))
    code, out, shown = run(["--db", todo_url, "import", str(path), "--skip-invalid"], True)
    assert code == 0 and out.startswith(f"Imported {COUNT - 1} tasks; skipped 1 (record 2001: ")
    # Erased, then the warning on its own line (the terminal turns \n into \r\n).
    assert "\r\x1b[KSkipped record 2001: description must not be blank\r\n" in shown
