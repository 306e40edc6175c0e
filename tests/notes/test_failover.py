"""A replica set between primaries: the API answers 503 with Retry-After.

When a primary steps down (maintenance, a crash, a network partition) the
set elects another within seconds. Meanwhile the old primary closes its
connections mid-request, answers "not primary", or reports that a write it
made may not reach a majority. No real replica set runs in the test suite,
so a proxy in front of the test server does those things to the app's real
connections (tests/notes/helpers.py, TcpProxy.fail).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from pymongo import ReadPreference

from minidb.notes import close_app, create_app
from minidb.notes.db import get_database
from tests.harness.mongo import MongoServer, new_database_name
from tests.notes.helpers import TcpProxy, assert_problem

FAST = 5.0  # seconds: the API's promise for answering while the database is unavailable


@pytest.fixture
def proxy(mongo: MongoServer) -> Iterator[tuple[TcpProxy, str]]:
    """A proxy in front of the test server, and a fresh database's URI through it."""
    target = urlsplit(mongo.uri)
    if target.scheme != "mongodb" or "," in target.netloc:
        pytest.skip("needs a single-host mongodb:// server to put a proxy in front of")
    name = new_database_name()
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 27017)
    proxy.start()
    try:
        yield proxy, proxy.uri(mongo.database_uri(name))
    finally:
        proxy.stop()
        mongo.drop_database(name)


@pytest.fixture
def app(proxy: tuple[TcpProxy, str]) -> Iterator[Flask]:
    # While no primary answers, pymongo waits for one until the operation's
    # deadline; a shorter one than the default 2.5 s keeps the test quick.
    config = {"NOTES_OPERATION_TIMEOUT": 1.0, "NOTES_SERVER_SELECTION_TIMEOUT_MS": 1000}
    app = create_app({"TESTING": True, "MONGODB_URI": proxy[1], **config})
    yield app
    close_app(app)


READS = [("GET", "/notes", None), ("GET", "/notes/{id}", None)]
WRITES = [
    ("POST", "/notes", {"title": "new"}),
    ("PUT", "/notes/{id}", {"title": "replaced"}),
    ("PATCH", "/notes/{id}", {"content": "patched"}),
    ("DELETE", "/notes/{id}", None),
]


@pytest.mark.parametrize(
    ("fault", "requests"),
    [
        ("drop", READS + WRITES),
        ("not primary", READS + WRITES),
        ("write concern", WRITES),
    ],
)
def test_a_primary_stepping_down_mid_request_is_503_with_retry_after(app, proxy, fault, requests):
    client = app.test_client()
    note = client.post("/notes", json={"title": "before the election"}).get_json()
    proxy[0].fail(fault)
    for method, path, body in requests:
        started = time.monotonic()
        response = client.open(path.format(id=note["id"]), method=method, json=body)
        elapsed = time.monotonic() - started
        problem = assert_problem(response, 503)
        assert problem["type"] == "urn:minidb:problem:database-unavailable"
        assert int(response.headers["Retry-After"]) >= 1
        assert elapsed < FAST, f"{method} {path} took {elapsed:.1f} s"

    # A new primary is elected: the same app serves again, without a restart.
    proxy[0].heal()
    deadline = time.monotonic() + 15
    while (reply := client.get(f"/notes/{note['id']}")).status_code != 200:
        assert time.monotonic() < deadline, reply.get_data(as_text=True)
        time.sleep(0.2)
    assert client.get("/healthz").status_code == 200


def test_the_uris_read_preference_serves_the_list_and_the_primary_every_other_read(mongo):
    # readPreference=secondaryPreferred spreads the list over the secondaries;
    # a note's own reads, and the version a conditional write checks, must
    # still come from the primary, or a write could be checked against a
    # version the primary has already replaced.
    name = new_database_name()
    uri = mongo.database_uri(name)
    uri += ("&" if "?" in uri else "?") + "readPreference=secondaryPreferred"
    app = create_app({"TESTING": True, "MONGODB_URI": uri})
    try:
        notes = get_database(app).notes
        assert notes.listing.read_preference == ReadPreference.SECONDARY_PREFERRED
        assert notes.collection.read_preference == ReadPreference.PRIMARY
        assert notes.claims.read_preference == ReadPreference.PRIMARY
        client = app.test_client()  # and on a single server, every route works as ever
        note = client.post("/notes", json={"title": "t"}).get_json()
        assert client.get("/notes").get_json() == [note]
        replaced = client.put(f"/notes/{note['id']}", json={"title": "u"}, headers={"If-Match": '"1"'})
        assert replaced.status_code == 200
    finally:
        close_app(app)
        mongo.drop_database(name)
