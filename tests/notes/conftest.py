"""Fixtures for the notes API tests, in the style of Flask's tutorial.

One wire-protocol server per test session (``mongo``, in tests/conftest.py); every
test gets its own fresh ``minidb_test_*`` database, dropped afterwards, so
tests neither see each other's notes nor touch a database named by the
user's own MONGODB_URI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from minidb.notes import close_app, create_app
from tests.harness.mongo import MongoServer, new_database_name


@pytest.fixture
def mongodb_uri(mongo: MongoServer) -> Iterator[str]:
    name = new_database_name()
    yield mongo.database_uri(name)
    mongo.drop_database(name)


@pytest.fixture
def app(mongodb_uri: str) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "MONGODB_URI": mongodb_uri})
    yield app
    close_app(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_note(client: FlaskClient) -> Callable[..., dict[str, Any]]:
    """POST a note and return it, failing the test if that does not work."""

    def make(title: str = "A note", **fields: Any) -> dict[str, Any]:
        response = client.post("/notes", json={"title": title, **fields})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make
