"""ETags, If-None-Match (304) and If-Match (412, atomic)."""

from __future__ import annotations

import pytest

from minidb.notes import get_database
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
