from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import Result

from tests.helpers import invoke, json_of


@pytest.fixture
def contacts_url(new_database: Callable[..., str]) -> str:
    return new_database("contacts")


@pytest.fixture
def contacts(contacts_url: str) -> Callable[..., Result]:
    """Run ``python -m minidb.contacts --db <fresh database> ARGS`` in-process."""

    def run(*args: str, input: str | None = None, db: str | None = None,
            env: dict[str, str] | None = None) -> Result:
        return invoke("contacts", "--db", db or contacts_url, *args, input=input, env=env)

    return run


@pytest.fixture
def contacts_json(contacts: Callable[..., Result]) -> Callable[..., Any]:
    """Run a command with --json, check it succeeded quietly, and parse stdout."""
    return lambda *args: json_of(contacts(*args, "--json"))
