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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from pymongo import MongoClient

from minidb.notes import close_app, create_app
from minidb.notes.repository import CLAIMS_COLLECTION
from tests.harness import child_pids
from tests.harness.mongo import MongoServer, new_database_name
from tests.notes.helpers import (
    PROBLEM_JSON,
    Reply,
    TcpProxy,
    chunked,
    closed_port_uri,
    gunicorn,
    request,
    send_early_answered,
    serve,
)

FAST = 5.0  # seconds: the API's promise for answering while the database is down


@pytest.fixture(scope="module")
def live_uri(mongo: MongoServer) -> Iterator[str]:
    name = new_database_name()
    yield mongo.database_uri(name)
    mongo.drop_database(name)


@pytest.fixture(scope="module")
def live(live_uri: str) -> Iterator[str]:
    """One gunicorn (2 workers x 4 threads) shared by this module's tests."""
    with serve(gunicorn(), live_uri) as (base, _):
        yield base


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
    with serve(gunicorn(), closed_port_uri()) as (base, _):
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


FLASK_RUN = ["flask", "run", "--port", "{port}"]


@pytest.mark.parametrize("server", [FLASK_RUN, gunicorn()], ids=["flask", "gunicorn"])
def test_database_down_at_start_up_is_a_one_line_warning(server, tmp_path):
    log = tmp_path / "server.log"
    with serve(server, closed_port_uri(), log=log) as (base, _):
        assert request(base, "GET", "/notes").status == 503
    output = log.read_text()
    warnings = [line for line in output.splitlines() if "database unavailable" in line]
    assert any("at start-up" in line for line in warnings), output
    assert any("refused" in line for line in warnings), output
    # pymongo's topology description runs to hundreds of characters per server.
    assert "Topology Description" not in output
    assert "Traceback" not in output


def wait_for(predicate, timeout: float) -> float:
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout, "condition not met in time"
        time.sleep(0.2)
    return time.monotonic() - started


def wait_for_workers(master: int, count: int) -> list[int]:
    """gunicorn's worker pids, once all ``count`` have started."""
    wait_for(lambda: len(child_pids(master)) == count, 15)
    return child_pids(master)


def test_outage_and_recovery_without_a_restart(mongo: MongoServer):
    """The database goes away and comes back; the running server follows it."""
    name = new_database_name()
    target = urlsplit(mongo.database_uri(name))
    if target.scheme != "mongodb" or "," in target.netloc:
        pytest.skip("needs a single-host mongodb:// server to put a proxy in front of")
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 27017)
    proxy.start()
    uri = proxy.uri(mongo.database_uri(name))
    try:
        with serve(gunicorn(), uri) as (base, master):
            created = request(base, "POST", "/notes", {"title": "survives"})
            assert created.status == 201
            workers = wait_for_workers(master.pid, 2)

            proxy.stop()
            assert_unavailable(*timed(base, "GET", "/notes"))
            assert_unavailable(*timed(base, "GET", "/healthz"))

            proxy.start()
            recovered_in = wait_for(lambda: request(base, "GET", "/healthz").status == 200, 15)
            notes = request(base, "GET", "/notes")
            assert notes.status == 200
            assert [n["title"] for n in notes.json()] == ["survives"]
            assert child_pids(master.pid) == workers  # no worker died or was replaced
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


def race(writers: int, attempt: Callable[[int], Reply]) -> list[Reply]:
    """``attempt(i)`` in ``writers`` threads, released together by a barrier."""
    barrier = threading.Barrier(writers)

    def run(i: int) -> Reply:
        barrier.wait()
        return attempt(i)

    with ThreadPoolExecutor(writers) as pool:
        return list(pool.map(run, range(writers)))


def claims_left(live_uri: str, note_id: str) -> list[dict]:
    with MongoClient(live_uri) as client:
        claims = client.get_default_database()[CLAIMS_COLLECTION]
        return list(claims.find({"_id": {"$regex": f"^{note_id}:"}}))


# Strict on every server. FerretDB 1.24's findAndModify and delete match the
# filter, then write by _id alone, so without the repository's write claims
# concurrent writers of one version all win there (the PATCH race fails every
# time, the PUT races often); with them, exactly one does.
WRITERS = 8  # as many as the live server's 2 workers x 4 threads serve at once


def test_concurrent_puts_with_the_same_if_match_exactly_one_wins(live, live_uri):
    note = request(live, "POST", "/notes", {"title": "contended"})
    etag = note.headers["ETag"]
    note_id = note.json()["id"]

    replies = race(
        WRITERS,
        lambda i: request(
            live, "PUT", f"/notes/{note_id}", {"title": f"writer {i}"}, headers={"If-Match": etag}
        ),
    )
    statuses = [r.status for r in replies]
    assert sorted(statuses) == [200] + [412] * (WRITERS - 1), statuses
    winner = replies[statuses.index(200)]
    assert winner.headers["ETag"] == '"2"'
    final = request(live, "GET", f"/notes/{note_id}")
    assert final.headers["ETag"] == '"2"'
    assert final.json()["title"] == winner.json()["title"]
    assert claims_left(live_uri, note_id) == []


def test_concurrent_deletes_with_the_same_if_match_exactly_one_wins(live, live_uri):
    note = request(live, "POST", "/notes", {"title": "contended"})
    etag = note.headers["ETag"]
    note_id = note.json()["id"]

    replies = race(
        WRITERS, lambda i: request(live, "DELETE", f"/notes/{note_id}", headers={"If-Match": etag})
    )
    statuses = [r.status for r in replies]
    assert statuses.count(204) == 1, statuses
    # A loser that claims version 1 while the winner holds it is told 412. One
    # that gets there after the winner is done finds no note at all, which is
    # 404 like any request for a missing note (If-Match or not), just as it
    # would be for a DELETE sent a moment later. Never a second 204.
    assert set(statuses) <= {204, 412, 404}, statuses
    assert request(live, "GET", f"/notes/{note_id}").status == 404
    assert claims_left(live_uri, note_id) == []


def test_concurrent_puts_and_deletes_with_the_same_if_match_exactly_one_wins(live, live_uri):
    note = request(live, "POST", "/notes", {"title": "contended"})
    etag = note.headers["ETag"]
    note_id = note.json()["id"]

    def attempt(i: int) -> Reply:
        if i % 2:
            return request(live, "DELETE", f"/notes/{note_id}", headers={"If-Match": etag})
        return request(live, "PUT", f"/notes/{note_id}", {"title": f"writer {i}"}, headers={"If-Match": etag})

    statuses = [r.status for r in race(WRITERS, attempt)]
    winners = [s for s in statuses if s in (200, 204)]
    assert len(winners) == 1, statuses
    final = request(live, "GET", f"/notes/{note_id}")
    if winners == [200]:
        assert sorted(statuses) == [200] + [412] * (WRITERS - 1), statuses
        assert final.headers["ETag"] == '"2"'
    else:
        assert set(statuses) <= {204, 412, 404}, statuses  # 404: came after the delete
        assert final.status == 404
    assert claims_left(live_uri, note_id) == []


def test_concurrent_unconditional_patches_all_succeed_one_after_another(live, live_uri):
    note = request(live, "POST", "/notes", {"title": "contended"})
    note_id = note.json()["id"]

    replies = race(WRITERS, lambda i: request(live, "PATCH", f"/notes/{note_id}", {"content": f"writer {i}"}))
    assert [r.status for r in replies] == [200] * WRITERS, [r.body for r in replies]
    etags = sorted(int(r.headers["ETag"].strip('"')) for r in replies)
    assert etags == list(range(2, WRITERS + 2)), "two writers got the same version"
    final = request(live, "GET", f"/notes/{note_id}")
    assert final.headers["ETag"] == f'"{WRITERS + 1}"'
    last = next(r for r in replies if r.headers["ETag"] == final.headers["ETag"])
    assert final.json()["content"] == last.json()["content"]
    assert claims_left(live_uri, note_id) == []


def test_flask_run_at_the_repo_root_uses_flaskenv(live_uri):
    # No --app and no FLASK_APP: .flaskenv names the app.
    with serve(FLASK_RUN, live_uri) as (base, _):
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
    head = (
        b"POST /notes HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(raw)
    )
    reply = send_early_answered(live, head, [raw])
    assert reply.status == 413
    assert reply.headers["Content-Type"] == PROBLEM_JSON


@pytest.mark.parametrize("server", [FLASK_RUN, gunicorn()], ids=["flask", "gunicorn"])
def test_chunked_body_over_1_mib_over_the_wire_is_413_and_nothing_is_stored(server, live_uri):
    tag = uuid.uuid4().hex
    body = b'{"title": "cut short", "tags": ["%s"]}' % tag.encode() + b" " * (3 * 1024 * 1024)
    head = (
        b"POST /notes HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    with serve(server, live_uri) as (base, _):
        reply = send_early_answered(base, head, chunked(body))
        assert reply.status == 413, reply.body
        assert reply.headers["Content-Type"] == PROBLEM_JSON
        assert request(base, "GET", f"/notes?tag={tag}").json() == []
        small = b'{"title": "whole", "tags": ["%s"]}' % tag.encode()
        assert send_early_answered(base, head, chunked(small, size=7)).status == 201


def test_no_html_and_nosniff_over_the_wire(live):
    note = request(live, "POST", "/notes", {"title": "t"})
    url = note.headers["Location"]
    for method, path, status in [
        ("GET", url.replace("/notes/", "/notes//"), 308),
        ("OPTIONS", "/notes", 200),
        ("DELETE", url, 204),
        ("GET", "/nope", 404),
    ]:
        reply = request(live, method, path)
        assert reply.status == status, (method, path)
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        if status != 404:
            assert reply.body == b"" and "Content-Type" not in reply.headers, (method, path)


def test_app_fixture_is_not_shared_with_the_live_server(app: Flask, live):
    # Sanity: the in-process app has its own database, untouched by live tests.
    assert app.test_client().get("/notes").get_json() == []
