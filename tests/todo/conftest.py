from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner, Result

from minidb.todo.cli import cli


@pytest.fixture
def todo_url(new_database: Callable[..., str]) -> str:
    return new_database("todo")


@pytest.fixture
def todo(todo_url: str) -> Callable[..., Result]:
    """Run ``python -m minidb.todo --db <fresh database> ARGS`` in-process."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None, db: str | None = None) -> Result:
        return runner.invoke(cli, ["--db", db or todo_url, *args], input=input,
                             prog_name="python -m minidb.todo")

    return run


@pytest.fixture
def todo_json(todo: Callable[..., Result]) -> Callable[..., Any]:
    """Run a command with --json, check it succeeded quietly, and parse stdout."""

    def run(*args: str) -> Any:
        result = todo(*args, "--json")
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""
        return json.loads(result.stdout)

    return run
