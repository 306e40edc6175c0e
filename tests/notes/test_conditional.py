"""ETags, If-None-Match (304) and If-Match (412, atomic).

The races themselves run against a real server in test_live.py; here the
write claims behind them are set up by hand.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from minidb.notes import close_app, create_app
from minidb.notes.db import get_database
from minidb.notes.model import utc_now
from minidb.notes.repository import CLAIMS_COLLECTION
from tests.notes.helpers import assert_problem


def test_if_none_match_with_current_etag_is_304(client, make_note):
    note = make_note()
    response = client.get(f"/notes/{note['id']}", headers={"If-None-Match": '"1"'})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == '"1"'


@pytest.mark.parametrize("header", ['W/"1"', '"7", "1"', "*"])
def test_if_none_match_uses_weak_comparison_and_lists(client, make_note, header):
    note = make_note()
    assert client.get(f"/notes/{note['id']}", headers={"If-None-Match": header}).status_code == 304


def test_if_none_match_with_old_etag_is_200(client, make_note):
    note = make_note()
    client.patch(f"/notes/{note['id']}", json={"content": "new"})
    response = client.get(f"/notes/{note['id']}", headers={"If-None-Match": '"1"'})
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    assert response.get_json()["content"] == "new"


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [("put", {"json": {"title": "new"}}), ("patch", {"json": {"title": "new"}}), ("delete", {})],
)
def test_if_match_with_current_etag_succeeds(client, make_note, method, kwargs):
    note = make_note("old")
    response = getattr(client, method)(f"/notes/{note['id']}", headers={"If-Match": '"1"'}, **kwargs)
    assert response.status_code == (204 if method == "delete" else 200)


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [("put", {"json": {"title": "new"}}), ("patch", {"json": {"title": "new"}}), ("delete", {})],
)
@pytest.mark.parametrize("stale", ['"1"', 'W/"2"', '"x"', '""', "garbage", '"99999999999999999999999"'])
def test_stale_if_match_is_412_and_nothing_changes(app, client, make_note, method, kwargs, stale):
    note = make_note("old")
    client.patch(f"/notes/{note['id']}", json={"content": "v2"})  # now at version 2
    response = getattr(client, method)(f"/notes/{note['id']}", headers={"If-Match": stale}, **kwargs)
    body = assert_problem(response, 412)
    assert body["title"] == "Precondition Failed"
    current = client.get(f"/notes/{note['id']}")
    assert current.headers["ETag"] == '"2"'
    assert current.get_json()["title"] == "old"
    assert get_database(app).database.notes.count_documents({}) == 1


def test_if_match_list_and_star(client, make_note):
    note = make_note()
    url = f"/notes/{note['id']}"
    assert client.patch(url, json={}, headers={"If-Match": '"5", "1"'}).headers["ETag"] == '"2"'
    assert client.patch(url, json={}, headers={"If-Match": "*"}).headers["ETag"] == '"3"'


def test_if_match_on_a_missing_note_is_404(client):
    response = client.put(f"/notes/{'a' * 24}", json={"title": "t"}, headers={"If-Match": '"1"'})
    assert_problem(response, 404)


def test_every_write_moves_the_etag(client, make_note):
    note = make_note()
    url = f"/notes/{note['id']}"
    tags = [client.get(url).headers["ETag"]]
    tags.append(client.put(url, json={"title": "a"}).headers["ETag"])
    tags.append(client.patch(url, json={"title": "b"}).headers["ETag"])
    assert tags == ['"1"', '"2"', '"3"']


# Write claims: {"_id": "<note id>:<version>"} in note_claims, held while a
# writer replaces that version (minidb/notes/repository.py, "Write claims").

WRITES = [
    ("put", {"json": {"title": "new"}}, 200),
    ("patch", {"json": {"title": "new"}}, 200),
    ("delete", {}, 204),
]
DEAD = timedelta(hours=1)


def claims(app):
    return get_database(app).database[CLAIMS_COLLECTION]


def hold(app, claim_id, *, age=timedelta(0), by="another writer"):
    claims(app).insert_one({"_id": claim_id, "at": utc_now() - age, "by": by})


def assert_unchanged(client, note):
    current = client.get(f"/notes/{note['id']}")
    assert current.status_code == 200
    assert current.headers["ETag"] == '"1"'
    assert current.get_json() == note


@pytest.mark.parametrize(("method", "kwargs", "status"), WRITES)
@pytest.mark.parametrize("if_match", [{"If-Match": '"1"'}, {}], ids=["if-match", "unconditional"])
def test_a_dead_writers_claim_is_taken_over(app, client, make_note, method, kwargs, status, if_match):
    note = make_note("old")
    hold(app, f"{note['id']}:1", age=DEAD, by="a writer that died")
    response = getattr(client, method)(f"/notes/{note['id']}", headers=if_match, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 200:
        assert response.headers["ETag"] == '"2"'
    # Version 1 can never be written again: its claims, the dead one included, are gone.
    assert claims(app).count_documents({}) == 0


def test_a_chain_of_dead_claims_is_taken_over(app, client, make_note):
    note = make_note("old")
    hold(app, f"{note['id']}:1", age=DEAD)
    hold(app, f"{note['id']}:1#1", age=DEAD)
    response = client.put(f"/notes/{note['id']}", json={"title": "new"}, headers={"If-Match": '"1"'})
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    assert claims(app).count_documents({}) == 0


@pytest.mark.parametrize(("method", "kwargs", "status"), WRITES)
@pytest.mark.parametrize("taken_over", [False, True], ids=["live", "live-after-a-dead-one"])
def test_a_live_claim_makes_a_conditional_write_412_and_nothing_changes(
    app, client, make_note, method, kwargs, status, taken_over
):
    note = make_note("old")
    if taken_over:
        hold(app, f"{note['id']}:1", age=DEAD)
        hold(app, f"{note['id']}:1#1")
    else:
        hold(app, f"{note['id']}:1")
    before = list(claims(app).find().sort("_id"))
    response = getattr(client, method)(f"/notes/{note['id']}", headers={"If-Match": '"1"'}, **kwargs)
    assert_problem(response, 412)
    assert_unchanged(client, note)
    assert list(claims(app).find().sort("_id")) == before  # somebody else's claim is left alone


def test_an_unconditional_write_waits_for_a_live_claim(app, client, make_note):
    note = make_note("old")
    hold(app, f"{note['id']}:1", by="a slow writer")
    release = threading.Timer(0.3, claims(app).delete_one, args=[{"_id": f"{note['id']}:1"}])
    release.start()
    try:
        response = client.patch(f"/notes/{note['id']}", json={"title": "new"})
    finally:
        release.join()
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    assert response.get_json()["title"] == "new"
    assert claims(app).count_documents({}) == 0


def test_an_unconditional_write_blocked_past_the_timeout_is_503(mongodb_uri):
    app = create_app({"TESTING": True, "MONGODB_URI": mongodb_uri, "NOTES_OPERATION_TIMEOUT": 0.5})
    try:
        client = app.test_client()
        note = client.post("/notes", json={"title": "old"}).get_json()
        hold(app, f"{note['id']}:1")
        started = time.monotonic()
        response = client.patch(f"/notes/{note['id']}", json={"title": "new"})
        elapsed = time.monotonic() - started
        body = assert_problem(response, 503)
        assert body["type"] == "urn:minidb:problem:database-unavailable"
        assert 0.5 <= elapsed < 2.0, elapsed
        assert_unchanged(client, note)
        assert claims(app).count_documents({}) == 1
    finally:
        close_app(app)


def test_writes_leave_no_claims_behind(app, client, make_note):
    note = make_note()
    url = f"/notes/{note['id']}"
    assert client.put(url, json={"title": "a"}, headers={"If-Match": '"1"'}).status_code == 200
    assert client.patch(url, json={"title": "b"}).status_code == 200
    assert client.patch(url, json={"title": "c"}, headers={"If-Match": '"1"'}).status_code == 412
    assert client.patch(url, json={"title": "d"}, headers={"If-Match": '"1", "3"'}).status_code == 200
    assert client.delete(url, headers={"If-Match": '"2"'}).status_code == 412
    assert client.delete(url).status_code == 204
    assert client.delete(url).status_code == 404
    assert client.put(url, json={"title": "e"}, headers={"If-Match": '"4"'}).status_code == 404
    assert claims(app).count_documents({}) == 0


# RFC 9110 §8.8.3.2: two entity tags match strongly only if neither is weak
# and their opaque strings are identical, character for character.


WRITE_CALLS = [(method, kwargs) for method, kwargs, _ in WRITES]


@pytest.mark.parametrize(("method", "kwargs"), WRITE_CALLS)
@pytest.mark.parametrize("tag", ['"01"', '"+1"', '"1 "', 'W/"1"', '"1.0"', '"0x1"'])
def test_if_match_is_a_strong_comparison_of_the_tag_text(client, make_note, method, kwargs, tag):
    note = make_note("old")
    response = getattr(client, method)(f"/notes/{note['id']}", headers={"If-Match": tag}, **kwargs)
    assert_problem(response, 412)
    assert_unchanged(client, note)


@pytest.mark.parametrize(("method", "kwargs"), WRITE_CALLS)
@pytest.mark.parametrize("header", ["*", '"1"', 'W/"1"', '"7", "1"'])
def test_if_none_match_naming_the_note_fails_a_write_with_412(client, make_note, method, kwargs, header):
    note = make_note("old")
    response = getattr(client, method)(f"/notes/{note['id']}", headers={"If-None-Match": header}, **kwargs)
    assert_problem(response, 412)
    assert_unchanged(client, note)


@pytest.mark.parametrize(("method", "kwargs", "status"), WRITES)
def test_if_none_match_of_other_versions_lets_the_write_through(client, make_note, method, kwargs, status):
    note = make_note("old")
    headers = {"If-None-Match": '"2", W/"3"', "If-Match": '"1"'}
    response = getattr(client, method)(f"/notes/{note['id']}", headers=headers, **kwargs)
    assert response.status_code == status


@pytest.mark.parametrize(("method", "kwargs"), WRITE_CALLS)
def test_if_none_match_star_on_a_missing_note_is_404(client, method, kwargs):
    response = getattr(client, method)(f"/notes/{'b' * 24}", headers={"If-None-Match": "*"}, **kwargs)
    assert_problem(response, 404)


def test_if_match_and_if_none_match_on_the_same_version_fail_without_a_read(client, make_note):
    note = make_note("old")
    headers = {"If-Match": '"1"', "If-None-Match": '"1"'}
    assert_problem(client.put(f"/notes/{note['id']}", json={"title": "new"}, headers=headers), 412)
    assert_problem(client.put(f"/notes/{'c' * 24}", json={"title": "new"}, headers=headers), 404)
    assert_unchanged(client, note)
