"""Against real server processes: gunicorn (the production command) and flask run.

These cover what the test client cannot: a database that is down or comes
back, requests that really overlap, and the bytes on the wire.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from flask import Flask

from minidb.notes import close_app, create_app
from tests.harness.mongo import MongoServer, free_port, new_database_name
from tests.notes.helpers import PROBLEM_JSON, Reply, TcpProxy, gunicorn, request, serve

FAST = 5.0  # seconds: the API's promise for answering while the database is down


@pytest.fixture(scope="module")
def live_uri(mongo: MongoServer) -> Iterator[str]:
    name = new_database_name()
    yield mongo.database_uri(name)
    mongo.drop_database(name)


@pytest.fixture(scope="module")
def live(live_uri: str) -> Iterator[str]:
    """One gunicorn (2 workers x 4 threads) shared by this module's tests."""
    with serve(gunicorn(), live_uri) as base:
        yield base


def closed_port_uri() -> str:
    # Nothing listens here: connections are refused, as when mongod is stopped.
    return f"mongodb://127.0.0.1:{free_port()}/notesdb"


def assert_unavailable(reply: Reply, elapsed: float) -> None:
    assert reply.status == 503, reply.body
    assert reply.headers["Content-Type"] == PROBLEM_JSON
    assert int(reply.headers["Retry-After"]) >= 1
    body = reply.json()
    assert body["status"] == 503 and body["type"] == "urn:minidb:problem:database-unavailable"
    assert elapsed < FAST, f"took {elapsed:.1f} s"


def timed(base: str, method: str, path: str, body=None, **kwargs) -> tuple[Reply, float]:
    started = time.monotonic()
    reply = request(base, method, path, body, **kwargs)
    return reply, time.monotonic() - started


def test_database_down_is_a_fast_503_from_gunicorn():
    with serve(gunicorn(), closed_port_uri()) as base:
        for method, path, body in [
            ("GET", "/notes", None),
            ("POST", "/notes", {"title": "t"}),
            ("GET", "/healthz", None),
        ]:
            assert_unavailable(*timed(base, method, path, body))
        # Validation and routing need no database and still answer normally.
        assert request(base, "POST", "/notes", {"title": 1}).status == 422
        assert request(base, "GET", "/notes/nope").status == 404
        assert request(base, "DELETE", "/notes/nope").status == 404
        assert request(base, "GET", "/openapi.json").status == 200


def test_database_down_in_process_is_a_fast_503():
    started = time.monotonic()
    app = create_app({"TESTING": True, "MONGODB_URI": closed_port_uri()})
    assert time.monotonic() - started < FAST  # the app starts anyway
    try:
        client = app.test_client()
        for path in ("/notes", "/healthz"):
            started = time.monotonic()
            response = client.get(path)
            elapsed = time.monotonic() - started
            assert response.status_code == 503
            assert response.mimetype == PROBLEM_JSON
            assert response.headers["Retry-After"] == "5"
            assert elapsed < FAST
    finally:
        close_app(app)


def test_unresolvable_atlas_uri_still_starts_and_answers_503():
    # mongodb+srv:// names are resolved on first use, not in create_app.
    app = create_app({"TESTING": True, "MONGODB_URI": "mongodb+srv://u:p@cluster0.example.invalid/notesdb"})
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.mimetype == PROBLEM_JSON
        assert "p@" not in response.get_data(as_text=True)  # no credentials leak
    finally:
        close_app(app)


def wait_for(predicate, timeout: float) -> float:
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout, "condition not met in time"
        time.sleep(0.2)
    return time.monotonic() - started


def test_outage_and_recovery_without_a_restart(mongo: MongoServer):
    """The database goes away and comes back; the running server follows it."""
    name = new_database_name()
    target = urlsplit(mongo.database_uri(name))
    if target.scheme != "mongodb" or "," in target.netloc:
        pytest.skip("needs a single-host mongodb:// server to put a proxy in front of")
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 27017)
    proxy.start()
    userinfo = target.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@127.0.0.1:{proxy.port}" if userinfo else f"127.0.0.1:{proxy.port}"
    # directConnection: talk to the proxy only, never to replica-set members it names.
    query = "&".join(filter(None, [target.query, "directConnection=true"]))
    uri = urlunsplit(target._replace(netloc=netloc, query=query))
    try:
        with serve(gunicorn(), uri) as base:
            created = request(base, "POST", "/notes", {"title": "survives"})
            assert created.status == 201

            proxy.stop()
            assert_unavailable(*timed(base, "GET", "/notes"))
            assert_unavailable(*timed(base, "GET", "/healthz"))

            proxy.start()
            recovered_in = wait_for(lambda: request(base, "GET", "/healthz").status == 200, 15)
            notes = request(base, "GET", "/notes")
            assert notes.status == 200
            assert [n["title"] for n in notes.json()] == ["survives"]
            print(f"recovered {recovered_in:.1f} s after the database returned")
    finally:
        proxy.stop()
        mongo.drop_database(name)


def test_injection_over_the_wire_is_rejected(live):
    tag = uuid.uuid4().hex
    victim = request(live, "POST", "/notes", {"title": "victim", "tags": [tag]}).json()
    for body in (
        {"title": {"$gt": ""}},
        {"title": "t", "$where": "function() { return true; }"},
        {"title": "t", "tags": {"$ne": None}},
    ):
        assert request(live, "POST", "/notes", body).status == 422
        assert request(live, "PUT", f"/notes/{victim['id']}", body).status == 422
    for raw in (b'{"title": NaN}', b'{"title": "t", "content": Infinity}'):
        reply = request(live, "POST", "/notes", raw=raw, headers={"Content-Type": "application/json"})
        assert reply.status == 400
        assert reply.headers["Content-Type"] == PROBLEM_JSON
    # Operators smuggled through the query string are just text.
    assert request(live, "GET", "/notes?tag[$ne]=x").status == 200
    listed = request(live, "GET", f"/notes?tag={tag}").json()
    assert [n["title"] for n in listed] == ["victim"]


@pytest.mark.parametrize("needle", [".*", "(", "[", "\\", "a|b"])
def test_regex_metacharacters_in_q_over_the_wire(live, needle):
    tag = uuid.uuid4().hex
    request(live, "POST", "/notes", {"title": "ordinary text", "tags": [tag]})
    request(live, "POST", "/notes", {"title": "a or b", "tags": [tag]})
    holder = request(live, "POST", "/notes", {"title": f"x{needle}y", "tags": [tag]}).json()
    reply = request(live, "GET", f"/notes?tag={tag}&q={quote(needle)}")
    assert reply.status == 200
    assert [n["id"] for n in reply.json()] == [holder["id"]]


def test_pagination_sees_every_note_once_while_notes_are_added(live):
    tag = uuid.uuid4().hex
    originals = {
        request(live, "POST", "/notes", {"title": f"n{i}", "tags": [tag]}).json()["id"] for i in range(40)
    }
    stop = threading.Event()
    added: list[str] = []

    def keep_adding() -> None:
        while not stop.is_set():
            reply = request(live, "POST", "/notes", {"title": "late", "tags": [tag]})
            added.append(reply.json()["id"])

    writer = threading.Thread(target=keep_adding)
    writer.start()
    seen: list[str] = []
    try:
        url = f"/notes?limit=6&tag={tag}"
        while url:
            reply = request(live, "GET", url)
            assert reply.status == 200
            seen += [n["id"] for n in reply.json()]
            link = reply.headers.get("Link")
            url = link[1 : link.index(">")] if link else None
            time.sleep(0.02)  # let the writer interleave
    finally:
        stop.set()
        writer.join()
    assert added, "the writer never got a note in"
    counts = Counter(seen)
    assert all(c == 1 for c in counts.values()), "a note was listed twice"
    assert originals <= set(counts), "a note that existed throughout was skipped"


def test_concurrent_puts_with_the_same_if_match_exactly_one_wins(live, mongo):
    note = request(live, "POST", "/notes", {"title": "contended"})
    etag = note.headers["ETag"]
    note_id = note.json()["id"]
    writers = 8
    barrier = threading.Barrier(writers)

    def put(i: int) -> int:
        barrier.wait()
        reply = request(
            live, "PUT", f"/notes/{note_id}", {"title": f"writer {i}"}, headers={"If-Match": etag}
        )
        return reply.status

    with ThreadPoolExecutor(writers) as pool:
        statuses = list(pool.map(put, range(writers)))
    if mongo.is_ferretdb and statuses.count(200) > 1:
        # The app sends one findAndModify filtered on {_id, version}, which
        # MongoDB applies atomically to the document. FerretDB 1.24's SQLite
        # backend does not: it finds the document, then rewrites it by _id
        # alone (backends/sqlite/collection.go, UpdateAll), so concurrent
        # writers that all read the old version all "match". A server bug,
        # not an app bug; against mongod or TEST_MONGODB_URI this asserts.
        pytest.xfail(f"FerretDB findAndModify is not atomic: {sorted(statuses)}")
    assert sorted(statuses) == [200] + [412] * (writers - 1), statuses
    final = request(live, "GET", f"/notes/{note_id}")
    assert final.headers["ETag"] == '"2"'
    assert final.json()["title"].startswith("writer ")


def test_flask_run_at_the_repo_root_uses_flaskenv(live_uri):
    # No --app and no FLASK_APP: .flaskenv names the app.
    with serve(["flask", "run", "--port", "{port}"], live_uri) as base:
        assert request(base, "GET", "/healthz").json() == {"status": "ok"}
        created = request(base, "POST", "/notes", {"title": "via flask run"})
        assert created.status == 201
        assert created.headers["Location"] == f"/notes/{created.json()['id']}"
        problem = request(base, "DELETE", "/notes")
        assert problem.status == 405
        assert problem.headers["Content-Type"] == PROBLEM_JSON
        assert "POST" in problem.headers["Allow"]
        assert json.loads(problem.body)["title"] == "Method Not Allowed"


def test_oversized_body_over_the_wire_is_413(live):
    raw = b'{"title": "' + b"x" * (1024 * 1024 + 1) + b'"}'
    reply = request(live, "POST", "/notes", raw=raw, headers={"Content-Type": "application/json"})
    assert reply.status == 413
    assert reply.headers["Content-Type"] == PROBLEM_JSON


def test_app_fixture_is_not_shared_with_the_live_server(app: Flask, live):
    # Sanity: the in-process app has its own database, untouched by live tests.
    assert app.test_client().get("/notes").get_json() == []
