"""What both CLIs do alike in a shell: --version, no command, a closed pipe,
and the modes of the files they create. Real processes, as users run them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

import minidb
from tests import helpers
from tests.helpers import APPS, REPO, argv, invoke


def run(app: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """``python -m minidb.<app> ARGS`` from ``cwd``, with the checkout on the path (not installed)."""
    return helpers.run(app, *args, cwd=cwd, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)


@pytest.mark.parametrize("app", APPS)
def test_version_prints_the_program_and_its_version(app: str) -> None:
    result = run(app, "--version")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, f"python -m minidb.{app} {minidb.__version__}\n", "")


def test_the_installed_version_is_the_one_minidb_declares() -> None:
    """The package metadata (what pip and --version show) comes from minidb.__version__."""
    from minidb import __version__
    from minidb.distribution import version

    assert version() == __version__


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("args", [(), ("--db", "sqlite:///never-opened.db")])
def test_no_command_prints_the_help_and_exits_0(app: str, args: tuple[str, ...], tmp_path) -> None:
    result = run(app, *args, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith(f"Usage: python -m minidb.{app} [OPTIONS] COMMAND [ARGS]...\n")
    assert "\nCommands:\n" in result.stdout
    assert not (tmp_path / "never-opened.db").exists()


# --- a closed pipe: `... list | head -3`

ROWS = 20_000  # far more than a pipe buffer holds, so the writer meets the closed pipe


def seeded(app: str, url: str) -> str:
    if app == "todo":
        records = [{"description": f"task {i}", "tags": ["bulk"]} for i in range(ROWS)]
    else:
        records = [{"name": f"Person {i}", "email": f"person{i}@example.com"} for i in range(ROWS)]
    result = invoke(app, "--db", url, "import", "-", input=json.dumps(records))
    assert result.exit_code == 0, result.stderr
    return url


def read_a_little_then_close(app: str, *args: str) -> tuple[int, str]:
    """Run the command, read its first bytes as `| head -c 100` would, close the pipe."""
    child = subprocess.Popen(argv(app, *args), cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    assert len(child.stdout.read(100)) == 100
    child.stdout.close()
    stderr = child.stderr.read().decode()
    return child.wait(timeout=60), stderr


PIPED = {
    "todo": [("list",), ("list", "--json"), ("export",), ("export", "--format", "csv")],
    "contacts": [("list",), ("list", "--json"), ("find", "person"), ("export",),
                 ("export", "--format", "vcard")],
}


@pytest.mark.parametrize("app", APPS)
def test_a_closed_pipe_ends_the_program_quietly(app: str, new_database) -> None:
    url = seeded(app, new_database(app))
    for command in PIPED[app]:
        # 141 is what a shell shows for any Unix tool whose reader went away (128 + SIGPIPE).
        assert read_a_little_then_close(app, "--db", url, *command) == (141, ""), command
    after = run(app, "--db", url, "list", "--json")  # nothing was left locked or half-done
    assert after.returncode == 0 and len(json.loads(after.stdout)) == ROWS


# --- files minidb creates hold personal data: only their owner may read them


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("app", APPS)
def test_the_data_dir_and_database_files_are_private_whatever_the_umask(app: str, tmp_path) -> None:
    data = tmp_path / "home" / "data"
    env = {**os.environ, "MINIDB_DATA_DIR": str(data)}
    child = subprocess.Popen(argv(app, "import", "-"), cwd=REPO, env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, preexec_fn=lambda: os.umask(0o022))
    assert child.stdin is not None
    # Half an import: the process holds the database open, with its -wal and -shm files.
    child.stdin.write("[\n" + ",\n".join(json.dumps(
        {"description": f"x {i}"} if app == "todo" else {"name": f"x {i}"}) for i in range(3000)))
    child.stdin.flush()
    files = {f"{app}.db", f"{app}.db-wal", f"{app}.db-shm", f"{app}.db.migrate-lock"}
    try:
        deadline = time.monotonic() + 30
        while not files <= {p.name for p in data.glob("*")} and time.monotonic() < deadline:
            assert child.poll() is None
            time.sleep(0.05)
        created = {p.name: oct(mode(p)) for p in data.iterdir()}
    finally:
        child.stdin.write("\n]\n")
        child.stdin.close()
        child.wait(timeout=60)
    assert oct(mode(data)) == "0o700"
    assert created == dict.fromkeys(files, "0o600")
    assert child.returncode == 0, child.stderr.read() if child.stderr else ""
