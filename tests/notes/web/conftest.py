"""Fixtures for the web UI: one headless Chromium and one gunicorn (on a
database of its own) for the session, and a ``page`` per test.

Each test starts from an empty notes collection, a blank tab with no
storage for the server's origin, a desktop-sized window, and empty logs;
after it, the page must have logged no JavaScript error and no CSP
violation. (HTTP error answers that a test provokes on purpose, a 422
say, show up in the console as "network" entries and are allowed here;
test_security checks an ordinary session logs nothing at all.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from selenium import webdriver

from minidb.notes.repository import COLLECTION
from tests.harness.mongo import MongoServer, new_database_name
from tests.notes.helpers import request
from tests.notes.web.browser import BrowserMissing, Page, assert_no_script_errors, fresh_page, start_chromium
from tests.notes.web.server import WebServer, web_server


@pytest.fixture(scope="session")
def chromium() -> Iterator[webdriver.Chrome]:
    try:
        driver = start_chromium()
    except BrowserMissing as error:
        pytest.fail(str(error), pytrace=False)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def web_uri(mongo: MongoServer) -> Iterator[str]:
    name = new_database_name()
    yield mongo.database_uri(name)
    mongo.drop_database(name)


@pytest.fixture(scope="session")
def server(web_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    with web_server(web_uri, tmp_path_factory.mktemp("web") / "gunicorn.log") as running:
        yield running


@pytest.fixture
def notes_collection(web_uri: str) -> Iterator[Any]:
    with MongoClient(web_uri) as client:
        yield client.get_default_database()[COLLECTION]


@pytest.fixture
def page(chromium: webdriver.Chrome, server: WebServer, notes_collection: Any) -> Iterator[Page]:
    notes_collection.delete_many({})
    opened = fresh_page(chromium, server.base)
    yield opened
    assert_no_script_errors(opened)


@pytest.fixture
def api(server: WebServer) -> Callable[..., Any]:
    """``api("POST", "/notes", body)``: the same API, behind the page's back."""

    def call(method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        return request(server.base, method, path, body, **kwargs)

    return call


@pytest.fixture
def make_notes(api: Callable[..., Any]) -> Callable[..., list[dict[str, Any]]]:
    """Create notes through the API, oldest first; returns them in that order."""

    def make(*notes: dict[str, Any]) -> list[dict[str, Any]]:
        made = []
        for note in notes:
            reply = api("POST", "/notes", note)
            assert reply.status == 201, reply.body
            made.append(reply.json())
        return made

    return make
