from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner, Result

from minidb.contacts.cli import cli


@pytest.fixture
def contacts_url(new_database: Callable[..., str]) -> str:
    return new_database("contacts")


def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    """Run ``python -m minidb.contacts ARGS`` in-process."""
    return CliRunner().invoke(cli, list(args), input=input, env=env,
                              prog_name="python -m minidb.contacts")


@pytest.fixture
def contacts(contacts_url: str) -> Callable[..., Result]:
    """Run ``python -m minidb.contacts --db <fresh database> ARGS`` in-process."""

    def run(*args: str, input: str | None = None, db: str | None = None,
            env: dict[str, str] | None = None) -> Result:
        return invoke("--db", db or contacts_url, *args, input=input, env=env)

    return run


@pytest.fixture
def contacts_json(contacts: Callable[..., Result]) -> Callable[..., Any]:
    """Run a command with --json, check it succeeded quietly, and parse stdout."""

    def run(*args: str) -> Any:
        result = contacts(*args, "--json")
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""
        return json.loads(result.stdout)

    return run
