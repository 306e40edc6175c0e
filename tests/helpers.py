"""What the CLI tests share: where the checkout is, and the two ways to run a CLI.

In-process through click's runner (:func:`invoke`: fast, for behaviour), or
as a real ``python -m minidb.<app>`` process (:func:`run`, :func:`start`:
for exit statuses, pipes, signals and races), exactly as a user runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

#: The root of the checkout: ``python -m minidb.<app>`` runs from here.
REPO = Path(__file__).resolve().parents[1]
APPS = ("todo", "contacts")


def invoke(app: str, *args: str, input: str | bytes | None = None,
           env: Mapping[str, str] | None = None) -> Result:
    """``python -m minidb.<app> ARGS``, in-process."""
    from minidb.contacts.cli import cli as contacts_cli
    from minidb.todo.cli import cli as todo_cli

    cli = {"todo": todo_cli, "contacts": contacts_cli}[app]
    return CliRunner().invoke(cli, list(args), input=input, env=env,
                              prog_name=f"python -m minidb.{app}")


def json_of(result: Result) -> Any:
    """The JSON a command printed, once it is clear the command succeeded and said nothing else."""
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def outcome(result: Result) -> tuple[int, str, str]:
    """Exit status, stdout and stderr: what a user of the command sees."""
    return result.exit_code, result.stdout, result.stderr


def argv(app: str, *args: str | bytes) -> list[str | bytes]:
    return [sys.executable, "-m", f"minidb.{app}", *args]


def run(app: str, *args: str | bytes, input: str | bytes | None = None, text: bool = True,
        env: Mapping[str, str] | None = None, cwd: Path = REPO,
        timeout: float = 60) -> subprocess.CompletedProcess[Any]:
    """A real ``python -m minidb.<app> ARGS`` process, run to its end."""
    return subprocess.run(argv(app, *args), cwd=cwd, input=input, env=env, text=text,
                          capture_output=True, timeout=timeout)


def start(app: str, *args: str) -> subprocess.Popen[str]:
    """A real ``python -m minidb.<app> ARGS`` process with pipes, left running for the caller."""
    return subprocess.Popen(argv(app, *args), cwd=REPO, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def modules_imported(*args: str, env: Mapping[str, str] | None = None) -> set[str]:
    """The modules a ``python -m minidb ARGS`` process imports, read from ``-X importtime``
    (so it sees a process that ends with ``os._exit`` too), less those the bare
    interpreter imports before any of minidb runs."""
    def modules(*command: str) -> set[str]:
        done = subprocess.run([sys.executable, "-X", "importtime", *command], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]
        return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}

    return modules("-m", "minidb", *args) - modules("-c", "pass")


def modules_among(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """Those of ``modules`` that are one of ``names`` or inside one of them (``re`` covers ``re._parser``)."""
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))
