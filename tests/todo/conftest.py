from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import Result

from tests.helpers import invoke, json_of


@pytest.fixture
def todo_url(new_database: Callable[..., str]) -> str:
    return new_database("todo")


@pytest.fixture
def todo(todo_url: str) -> Callable[..., Result]:
    """Run ``python -m minidb.todo --db <fresh database> ARGS`` in-process."""

    def run(*args: str, input: str | None = None, db: str | None = None) -> Result:
        return invoke("todo", "--db", db or todo_url, *args, input=input)

    return run


@pytest.fixture
def todo_json(todo: Callable[..., Result]) -> Callable[..., Any]:
    """Run a command with --json, check it succeeded quietly, and parse stdout."""
    return lambda *args: json_of(todo(*args, "--json"))
